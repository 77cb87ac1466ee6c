"""Recommendations: the hybrid model built from MongoDB, served as a lookup; cold start; exclusions;
LLM-reworded reasons that never change the courses; the offline evaluation."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from oms.cli.main import app as cli
from oms.documents.recommender import RecommenderState
from oms.services.ai import baselines, builder, evaluation
from oms.services.ai import model as recommender_module
from oms.services.ai.text import CourseText
from tests.support.ai_stub import Behaviour, StubLLM
from tests.support.api import Actor
from tests.support.factories import MakeApp, MakeCourse, MakeStudent

CATALOGUE = {
    "basics": ("Python Basics", ["python", "programming"]),
    "pandas": ("Data Analysis with pandas", ["python", "data"]),
    "ml": ("Machine Learning Foundations", ["ml", "data"]),
    "sql": ("SQL Essentials", ["databases", "sql"]),
    "mongo": ("MongoDB for Developers", ["databases", "mongodb"]),
    "advanced": ("Advanced Python Programming", ["python", "programming"]),
    "design": ("Graphic Design", ["design", "art"]),
}


async def enroll(client: httpx.AsyncClient, course: dict[str, Any], who: Actor) -> dict[str, Any]:
    reply = await client.post(f"/courses/{course['id']}/enrollments", headers=who.headers)
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


@pytest.fixture
async def world(
    client: httpx.AsyncClient, make_course: MakeCourse, make_student: MakeStudent
) -> dict[str, Any]:
    """Three learners took basics, pandas and ml; two took sql and mongo; one took design; a draft."""
    courses = {
        key: await make_course(name=name, tags=tags, description=f"{name} course")
        for key, (name, tags) in CATALOGUE.items()
    }
    courses["draft"] = await make_course(name="Python Secrets", tags=["python"], status="draft")
    for _ in range(3):
        who = await make_student()
        for key in ("basics", "pandas", "ml"):
            await enroll(client, courses[key], who)
    for _ in range(2):
        who = await make_student()
        for key in ("sql", "mongo"):
            await enroll(client, courses[key], who)
    await enroll(client, courses["design"], await make_student())
    return courses


async def built(app: FastAPI) -> None:
    assert await builder.rebuild(app.state.db, force=True, wait_s=30) is not None
    app.state.recommender.forget_state()


async def recommend(client: httpx.AsyncClient, who: Actor, **params: Any) -> dict[str, Any]:
    reply = await client.get("/me/recommendations", params=params, headers=who.headers)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def ids(page: dict[str, Any]) -> list[str]:
    return [item["course"]["id"] for item in page["items"]]


async def test_co_enrollment_leads(
    app: FastAPI, client: httpx.AsyncClient, world: dict[str, Any], student: Actor
) -> None:
    await enroll(client, world["basics"], student)
    await built(app)
    page = await recommend(client, student)
    assert page["strategy"] == "hybrid" and page["generated_by"] == "offline"
    assert page["model_built_at"].endswith("Z")
    assert set(ids(page)[:2]) == {world["pandas"]["id"], world["ml"]["id"]}
    first = page["items"][0]
    assert "Learners of “Python Basics” also took this" in first["reasons"]
    assert all(item["score"] > 0 and item["reasons"] for item in page["items"])
    scores = [item["score"] for item in page["items"]]
    assert scores == sorted(scores, reverse=True)


async def test_content_similarity_and_its_reason(
    app: FastAPI, client: httpx.AsyncClient, world: dict[str, Any], student: Actor
) -> None:
    await enroll(client, world["basics"], student)
    await built(app)
    page = await recommend(client, student)
    # nobody took "advanced": only its content relates it to the student's course
    advanced = next(i for i in page["items"] if i["course"]["id"] == world["advanced"]["id"])
    assert any(r.startswith("Shares topics") and "“Python Basics”" in r for r in advanced["reasons"])
    assert "python" in advanced["reasons"][0] and "programming" in advanced["reasons"][0]
    zh = await recommend(client, student, lang="zh")
    assert ids(zh) == ids(page)
    assert any("学习《Python Basics》的同学也选了这门课" in r for r in zh["items"][0]["reasons"])


async def test_never_enrolled_or_unpublished(
    app: FastAPI, client: httpx.AsyncClient, admin: Actor, world: dict[str, Any], student: Actor
) -> None:
    await enroll(client, world["basics"], student)
    dropped = await enroll(client, world["pandas"], student)
    assert (await client.delete(f"/enrollments/{dropped['id']}", headers=student.headers)).status_code == 200
    await built(app)
    archived = world["ml"]["id"]
    assert archived in ids(await recommend(client, student))
    assert (await client.delete(f"/courses/{archived}", headers=admin.headers)).status_code == 204
    page = await recommend(client, student, limit=100)
    shown = set(ids(page))
    assert not shown & {world["basics"]["id"], world["pandas"]["id"], world["draft"]["id"], archived}
    assert all(item["course"]["status"] == "published" for item in page["items"])


async def test_cold_start_is_popular_and_diverse(
    app: FastAPI, client: httpx.AsyncClient, world: dict[str, Any], student: Actor
) -> None:
    await built(app)
    page = await recommend(client, student, limit=4)
    assert page["strategy"] == "popular" and len(page["items"]) == 4
    first_tags = {item["course"]["tags"][0] for item in page["items"]}
    assert len(first_tags) >= 3  # not four courses on one topic
    assert all(item["reasons"] == ["Popular this week"] for item in page["items"])
    assert world["draft"]["id"] not in ids(await recommend(client, student, limit=100))


async def test_before_the_first_build_popularity_serves(
    app: FastAPI, client: httpx.AsyncClient, world: dict[str, Any], student: Actor
) -> None:
    await RecommenderState.get_pymongo_collection().delete_many({})  # as on a new deployment
    app.state.recommender.forget_state()
    page = await recommend(client, student, limit=3)
    assert page["strategy"] == "popular" and page["model_built_at"] is None
    assert set(ids(page)) == {world["basics"]["id"], world["pandas"]["id"], world["ml"]["id"]}


async def test_a_request_is_a_lookup(
    app: FastAPI,
    client: httpx.AsyncClient,
    world: dict[str, Any],
    student: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await enroll(client, world["sql"], student)
    await built(app)

    def no_building(*_: Any, **__: Any) -> None:
        raise AssertionError("the model was built during a request")

    monkeypatch.setattr(recommender_module, "build", no_building)
    assert ids(await recommend(client, student))[0] == world["mongo"]["id"]


async def test_rebuild_only_when_data_changed(
    app: FastAPI, client: httpx.AsyncClient, world: dict[str, Any], student: Actor
) -> None:
    first = await builder.rebuild(app.state.db, force=True, wait_s=30)
    assert first is not None and first.courses == 8 and first.enrollments == 14
    assert await builder.rebuild(app.state.db, wait_s=30) is None  # nothing changed
    await enroll(client, world["design"], student)
    again = await builder.rebuild(app.state.db, wait_s=30)  # (the app's own schedule may have been first)
    state = await RecommenderState.find_one({"key": "current"})
    assert state is not None and state.version > first.version and state.enrollments == 15
    assert again is None or again.version == state.version


async def test_parameters_are_validated(client: httpx.AsyncClient, student: Actor) -> None:
    for params in ({"limit": 0}, {"limit": 101}, {"lang": "de"}):
        reply = await client.get("/me/recommendations", params=params, headers=student.headers)
        assert reply.status_code == 422, params
    assert (await client.get("/me/recommendations")).status_code == 401
    assert (await recommend(client, student))["items"] == []  # an empty catalogue


async def test_works_without_redis(
    make_app: MakeApp, client: httpx.AsyncClient, world: dict[str, Any], student: Actor
) -> None:
    degraded_app = await make_app(redis_url="redis://127.0.0.1:1/0", redis_timeout_s=0.05)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=degraded_app), base_url="http://testserver/api/v1"
    ) as degraded:
        reply = await degraded.get("/me/recommendations", headers=student.headers)
    assert reply.status_code == 200
    taken = {world[k]["id"] for k in ("basics", "pandas", "ml", "sql", "mongo", "design")}
    assert taken <= set(ids(reply.json())) and world["draft"]["id"] not in ids(reply.json())


@pytest.fixture
def stub() -> Iterator[StubLLM]:
    """A fresh stub for each test here (the shared one lives for a whole module)."""
    server = StubLLM().start()
    yield server
    server.stop()


@pytest.mark.redis
async def test_llm_rewords_reasons_but_never_picks(
    app: FastAPI,
    make_app: MakeApp,
    client: httpx.AsyncClient,
    world: dict[str, Any],
    student: Actor,
    stub: StubLLM,
) -> None:
    await enroll(client, world["basics"], student)
    await built(app)
    offline = await recommend(client, student, limit=3)
    llm_app = await make_app(
        ai_base_url=stub.url, ai_api_key="k", ai_model="stub", ai_rewrite_reasons=True, ai_retries=0
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=llm_app), base_url="http://testserver/api/v1"
    ) as c:
        reworded = {
            "items": [{"n": n, "reasons": [f"A natural next step, option {'abc'[n]}"]} for n in range(3)]
        }
        stub.queue(stub.reply_json(reworded))
        page = await recommend(c, student, limit=3)
        assert page["generated_by"] == "llm" and ids(page) == ids(offline)
        assert page["items"][0]["reasons"] == ["A natural next step, option a"]
        prompt = json.dumps(stub.requests[0]["messages"])
        assert student.username not in prompt and student.id not in prompt
        for bad in (
            {"items": [{"n": 0, "reasons": ["Only one item"]}]},  # tries to drop courses
            {"items": [{"n": n, "reasons": ["Rated 4.9 by 12000 learners"]} for n in range(4)]},  # invented
        ):
            stub.queue(stub.reply_json(bad))
            page = await recommend(c, student, limit=4)
            assert page["generated_by"] == "offline" and ids(page)[:3] == ids(offline)
        stub.queue(Behaviour(status=500))
        assert (await recommend(c, student, limit=2))["generated_by"] == "offline"


# --- offline evaluation -------------------------------------------------------------------------------


def test_served_model_and_every_baseline_on_every_split_of_generated_data() -> None:
    data = evaluation.generate(n_courses=120, n_users=600)
    splits = evaluation.evaluate(data)
    names = [split.name.split(" at ")[0].split(" (")[0] for split, _ in splits]
    assert names == ["validation", "leave-latest-out", "time split"]
    for split, rows in splits:
        results = {r.method.split(" (")[0]: r for r in rows}
        assert set(results) == {
            "popularity", "co-occurrence", "cosine kNN", "item-kNN", "content", "hybrid", "EASE", "RP3β", "served"
        }  # fmt: skip
        assert len(split.histories) > 100 and all(r.users == len(split.histories) for r in rows)
        assert results["served"].hr >= 1.3 * results["popularity"].hr
        assert results["served"].coverage > results["popularity"].coverage
        assert all(0 <= r.ndcg <= r.hr <= 1 and r.coverage <= r.coverage_all <= 1 for r in rows)
    time_split = splits[2][0]
    assert time_split.others and not splits[1][0].others  # every generated learner has 3+ courses
    # EASE and RP3β are reported at their best grid point on each split itself
    x = recommender_module.interaction_matrix(
        [(u, i) for u, i, _ in time_split.train], data.n_users, len(data.courses)
    )
    for family, options in baselines.tunable(x, recommender_module.SERVED.min_count).items():
        grid = [
            evaluation.measure(f"{family} ({p})", make(), time_split, len(data.courses))
            for p, make in options.items()
        ]
        reported = next(r for r in splits[2][1] if r.method.startswith(family))
        assert reported == max(grid, key=lambda r: (r.hr, r.ndcg))


def test_validation_split_sees_nothing_of_the_time_split_test_period() -> None:
    """Tuning data is carved from the time split's training period: its training and held-out courses all
    come before the time split's cut-off."""
    data = evaluation.generate(n_courses=120, n_users=600)
    outer, inner = evaluation.time_split(data), evaluation.validation_split(data)
    before = set(outer.train)
    cut = min(ts for row in data.interactions if row not in before for ts in [row[2]])
    assert inner.name.startswith("validation") and len(inner.held_out) > 50
    assert set(inner.train) < before and all(ts < cut for _, _, ts in inner.train)
    taken_before = {(tuple(h), i) for h, i in zip(inner.histories, inner.held_out, strict=True)}
    assert len(taken_before) > 50  # histories end before the inner cut-off, held-out courses before `cut`
    inner_cut = min(ts for row in outer.train if row not in set(inner.train) for ts in [row[2]])
    assert max(ts for _, _, ts in inner.train) < inner_cut < cut


def test_tuning_picks_the_most_accurate_setting_that_reaches_the_coverage_goal() -> None:
    data = evaluation.generate(n_courses=120, n_users=600)
    tried = evaluation.tune(data)
    assert len(tried) == len(evaluation.TUNING_GRID)
    chosen, result = tried[0]
    assert (chosen.content_popularity, chosen.content) in evaluation.TUNING_GRID
    reaching = [r for _, r in tried if r.coverage_all >= evaluation.COVERAGE_GOAL]
    if reaching:
        assert result.coverage_all >= evaluation.COVERAGE_GOAL
        assert (result.hr, result.ndcg) == max((r.hr, r.ndcg) for r in reaching)
    else:
        assert result.coverage_all == max(r.coverage_all for _, r in tried)
    served = recommender_module.SERVED
    assert (served.content_popularity, served.content) in evaluation.TUNING_GRID


def test_time_split_inside_one_file() -> None:
    """Train before the cut-off; each user's first course after it that they had not taken is held out."""
    data = evaluation.Dataset([CourseText(f"c{i}") for i in range(4)], [], 3, "inline")
    data.interactions = [(0, 0, 10), (0, 1, 20), (0, 1, 30), (0, 2, 40), (0, 3, 50), (1, 2, 35), (2, 0, 5)]
    split = evaluation.time_split(data, cutoff=30)
    assert sorted((u, i) for u, i, _ in split.train) == [(0, 0), (0, 1), (2, 0)]
    assert (split.histories, split.held_out) == ([[0, 1]], [2])  # user 1 has no past; user 2 no future


def test_coco_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "coco_i2kg_map.txt").write_text(
        "eid\tpid\tname\tentity\n0\t100\tpython-for-all\t100\n1\t200\tlearn-excel-fast\t200\n"
    )
    (tmp_path / "coco_e_map.txt").write_text(
        "eid\tname\tentity\n2\tdevelopment\tdevelopment\n3\tenglish\ten\n"
    )
    (tmp_path / "coco_kg_final.txt").write_text(
        "entity_head\trelation\tentity_tail\n0\t0\t2\n0\t3\t3\n1\t3\t3\n1\t4\t2\n"
    )
    (tmp_path / "coco_valid.txt").write_text(
        "7\t100\t1\t1500000000\n7\t200\t1\t1500000100\n8\t200\t1\t1500000200\n"
    )
    data = evaluation.load(tmp_path)
    assert [c.name for c in data.courses] == ["python for all", "learn excel fast"]
    assert data.courses[0].tags == ("development", "english") and data.courses[1].tags == ("english",)
    assert data.interactions == [(0, 0, 1500000000), (0, 1, 1500000100), (1, 1, 1500000200)]
    with pytest.raises(FileNotFoundError):
        evaluation.load(tmp_path / "absent")


def test_eval_command_prints_the_table() -> None:
    result = CliRunner().invoke(cli, ["eval-recommender", "--generated"])
    assert result.exit_code == 0, result.output
    for name in (
        "HR@10",
        "served",
        "co-occurrence",
        "cosine kNN",
        "EASE (λ=",
        "RP3β (α=",
        "time split at",
        "validation",
        "cov.all",
    ):
        assert name in result.output
    missing = CliRunner().invoke(cli, ["eval-recommender"])
    assert missing.exit_code == 2 and "--data" in missing.output


def test_eval_command_needs_a_data_folder_or_generated(tmp_path: Path) -> None:
    """No default folder outside the repository: the data is named, or generated on request."""
    bare = CliRunner().invoke(cli, ["eval-recommender"])
    assert bare.exit_code == 2 and "--data DIR" in bare.output and "HR@10" not in bare.output
    empty = CliRunner().invoke(cli, ["eval-recommender", "--data", str(tmp_path)])
    assert empty.exit_code == 2 and "no COCO files" in empty.output and "HR@10" not in empty.output
    both = CliRunner().invoke(cli, ["eval-recommender", "--data", str(tmp_path), "--generated"])
    assert both.exit_code == 2


async def test_rebuild_command(
    app: FastAPI, client: httpx.AsyncClient, world: dict[str, Any], student: Actor
) -> None:
    settings = app.state.settings
    env = {**os.environ, "OMS_MONGODB_URL": settings.mongodb_url, "OMS_REDIS_URL": settings.redis_url}
    done = await asyncio.to_thread(
        subprocess.run,
        [str(Path(sys.executable).parent / "oms"), "rebuild-recommender"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "8 courses, 6 learners, 14 enrollments" in done.stdout
    app.state.recommender.forget_state()
    await enroll(client, world["sql"], student)
    assert ids(await recommend(client, student))[0] == world["mongo"]["id"]


def test_later_file_split_when_it_is_there(tmp_path: Path) -> None:
    (tmp_path / "coco_i2kg_map.txt").write_text(
        "eid\tpid\tname\tentity\n" + "".join(f"{i}\t{100 + i}\tcourse-{i}\t{100 + i}\n" for i in range(4))
    )
    (tmp_path / "coco_e_map.txt").write_text("eid\tname\tentity\n")
    (tmp_path / "coco_kg_final.txt").write_text("entity_head\trelation\tentity_tail\n")
    (tmp_path / "coco_valid.txt").write_text("7\t100\t1\t10\n7\t101\t1\t20\n8\t101\t1\t10\n8\t102\t1\t30\n")
    (tmp_path / "test.txt").write_text("7\t103\t1\t50\n7\t102\t1\t40\n9\t100\t1\t60\n")
    data = evaluation.load(tmp_path)
    assert "time split on test.txt" in data.source
    split = evaluation.later_split(data)
    assert sorted((u, i) for u, i, _ in split.train) == [(0, 0), (0, 1), (1, 1), (1, 2)]  # all of valid
    assert (split.histories, split.held_out) == ([[0, 1]], [2])  # user 7's first later course; 9 has no past
    assert [s.name for s, _ in evaluation.evaluate(data)][-1] == "later file"

"""Recommendations in use: every served list recorded write-behind (bounded, drops counted), clicks reported
with one call, enrollments attributed within 7 days, the admin stats, and the `recommendation_outcomes`
view with the example queries of docs/data-model.md."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI
from pymongo import MongoClient

from oms.services.ai.impressions import ImpressionLog
from tests.documents.test_data_model import run_mongosh, run_python
from tests.services.ai.test_recommendations import CATALOGUE, built, enroll, recommend
from tests.support.api import Actor
from tests.support.factories import MakeCourse, MakeStudent

DOC = (Path(__file__).parents[3] / "docs" / "data-model.md").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
async def _written(app: FastAPI) -> AsyncIterator[None]:
    """Write this test's queued impressions before the collections are emptied, not into the next test."""
    yield
    await app.state.recommender.impressions.flush()


@pytest.fixture
async def world(
    client: httpx.AsyncClient, make_course: MakeCourse, make_student: MakeStudent
) -> dict[str, Any]:
    """The catalogue of test_recommendations: three learners took basics, pandas and ml; two sql and mongo."""
    courses = {
        key: await make_course(name=name, tags=tags, description=f"{name} course")
        for key, (name, tags) in CATALOGUE.items()
    }
    for keys in [("basics", "pandas", "ml")] * 3 + [("sql", "mongo")] * 2:
        who = await make_student()
        for key in keys:
            await enroll(client, courses[key], who)
    return courses


async def flushed(app: FastAPI) -> None:
    await app.state.recommender.impressions.flush()


async def test_every_served_list_is_recorded(
    app: FastAPI, client: httpx.AsyncClient, world: dict[str, Any], student: Actor
) -> None:
    await enroll(client, world["basics"], student)
    await built(app)
    page = await recommend(client, student, limit=4)
    again = await recommend(client, student, limit=2)  # a second list, same user: a second impression
    assert page["impression_id"] and again["impression_id"] != page["impression_id"]
    await flushed(app)
    stored = await app.state.db["recommendation_impressions"].find_one(
        {"_id": ObjectId(page["impression_id"])}
    )
    assert stored is not None and str(stored["user_id"]) == student.id
    assert stored["strategy"] == "hybrid" and stored["model_version"] >= 1
    assert [(str(i["course_id"]), i["position"]) for i in stored["items"]] == [
        (item["course"]["id"], n + 1) for n, item in enumerate(page["items"])
    ]
    assert stored["at"] > datetime.now(UTC) - timedelta(minutes=1)


async def test_clicks_are_checked_and_stored(
    app: FastAPI, client: httpx.AsyncClient, world: dict[str, Any], student: Actor, make_student: MakeStudent
) -> None:
    await enroll(client, world["basics"], student)
    await built(app)
    page = await recommend(client, student, limit=3)
    second = page["items"][1]["course"]["id"]
    await flushed(app)
    url = "/me/recommendations/clicks"
    good = {"impression_id": page["impression_id"], "course_id": second, "position": 2}
    assert (await client.post(url, json=good, headers=student.headers)).status_code == 204
    wrong_position = {**good, "position": 1}
    assert (await client.post(url, json=wrong_position, headers=student.headers)).status_code == 404
    other = await make_student()
    assert (await client.post(url, json=good, headers=other.headers)).status_code == 404
    stale = {**good, "impression_id": str(ObjectId.from_datetime(datetime.now(UTC) - timedelta(hours=1)))}
    assert (await client.post(url, json=stale, headers=student.headers)).status_code == 404
    invalid = [{**good, "position": 0}, {**good, "course_id": "nope"}, {**good, "extra": 1}]
    invalid += [{**good, "impression_id": None}, {**good, "course_id": None}, {**good, "impression_id": 7}]
    for bad in invalid:
        reply = await client.post(url, json=bad, headers=student.headers)
        assert reply.status_code == 422 and reply.headers["content-type"].startswith(
            "application/problem+json"
        )
    clicks = await app.state.db["recommendation_clicks"].find({}).to_list(None)
    assert [(str(c["course_id"]), c["position"]) for c in clicks] == [(second, 2)]


async def test_a_click_before_the_list_is_written_is_accepted(
    app: FastAPI, client: httpx.AsyncClient, world: dict[str, Any], student: Actor
) -> None:
    """The web app may report a click before the write-behind queue reached MongoDB."""
    await enroll(client, world["basics"], student)
    await built(app)
    page = await recommend(client, student, limit=2)
    body = {
        "impression_id": page["impression_id"],
        "course_id": page["items"][0]["course"]["id"],
        "position": 1,
    }
    reply = await client.post("/me/recommendations/clicks", json=body, headers=student.headers)
    assert reply.status_code == 204


async def test_stats_attribute_enrollments_within_seven_days(
    app: FastAPI, client: httpx.AsyncClient, admin: Actor, world: dict[str, Any], make_student: MakeStudent
) -> None:
    learner, late = await make_student(), await make_student()
    now = datetime.now(UTC)
    impressions = app.state.db["recommendation_impressions"]

    def shown(who: Actor, at: datetime, strategy: str, *keys: str) -> dict[str, Any]:
        items = [{"course_id": ObjectId(world[k]["id"]), "position": n + 1} for n, k in enumerate(keys)]
        return {"_id": ObjectId(), "user_id": ObjectId(who.id), "at": at, "strategy": strategy,
                "model_version": 3, "items": items}  # fmt: skip

    recent = shown(learner, now - timedelta(days=2), "hybrid", "sql", "mongo", "design")
    old = shown(late, now - timedelta(days=8), "popular", "sql", "design")
    await impressions.insert_many([recent, old])
    click = {"impression_id": str(recent["_id"]), "course_id": world["mongo"]["id"], "position": 2}
    assert (
        await client.post("/me/recommendations/clicks", json=click, headers=learner.headers)
    ).status_code == 204
    await enroll(client, world["mongo"], learner)  # within 7 days of `recent`: attributed at position 2
    await enroll(client, world["sql"], late)  # 8 days after `old`: not attributed
    reply = await client.get(
        "/admin/ai/recommendations/stats", params={"window": "30d"}, headers=admin.headers
    )
    assert reply.status_code == 200, reply.text
    stats = reply.json()
    assert (stats["impressions"], stats["courses_shown"], stats["clicks"]) == (2, 5, 1)
    assert (stats["enrollments_attributed"], stats["click_through_rate"], stats["enrollment_rate"]) == (
        1,
        0.5,
        0.5,
    )
    positions = {p["position"]: p for p in stats["by_position"]}
    assert positions[2] == {"position": 2, "shown": 2, "clicks": 1, "click_rate": 0.5, "enrollments": 1,
                            "enrollment_rate": 0.5}  # fmt: skip
    assert positions[1]["enrollments"] == 0 and positions[3]["shown"] == 1
    strategies = {s["strategy"]: s for s in stats["by_strategy"]}
    assert strategies["hybrid"]["enrollments"] == 1 and strategies["popular"]["enrollments"] == 0
    assert strategies["hybrid"]["click_through_rate"] == 1.0
    week = (
        await client.get("/admin/ai/recommendations/stats", params={"window": "7d"}, headers=admin.headers)
    ).json()
    assert week["impressions"] == 1
    assert (await client.get("/admin/ai/recommendations/stats", headers=learner.headers)).status_code == 403
    bad = await client.get("/admin/ai/recommendations/stats", params={"window": "2y"}, headers=admin.headers)
    assert bad.status_code == 422

    rows = (
        await app.state.db["recommendation_outcomes"]
        .find({})
        .sort([("shown_at", 1), ("position", 1)])
        .to_list(None)
    )
    assert [(r["strategy"], r["position"], r["clicked"], r["enrolled"]) for r in rows] == [
        ("popular", 1, False, False), ("popular", 2, False, False),
        ("hybrid", 1, False, False), ("hybrid", 2, True, True), ("hybrid", 3, False, False),
    ]  # fmt: skip


async def test_a_full_queue_drops_and_counts_without_slowing_the_request(
    app: FastAPI, client: httpx.AsyncClient, world: dict[str, Any], student: Actor
) -> None:
    recommender = app.state.recommender
    saved = recommender.impressions
    recommender.impressions = ImpressionLog(max_pending=2)  # not started: nothing drains the queue
    try:
        for _ in range(5):
            await recommend(client, student)
        assert recommender.impressions.queue.qsize() == 2 and recommender.impressions.dropped == 3
        assert await recommender.impressions.flush() == 2
    finally:
        recommender.impressions = saved


def examples(language: str, comment: str) -> dict[str, str]:
    """The doc's recommendation examples (`# recommendation-example: name`) in `language`."""
    pattern = rf"```{language}\n{re.escape(comment)} recommendation-example: ([\w-]+)\n(.*?)```"
    return dict(re.findall(pattern, DOC, re.S))


async def test_the_documented_outcome_queries_run(
    app: FastAPI, client: httpx.AsyncClient, world: dict[str, Any], make_student: MakeStudent, stack: Any
) -> None:
    learner = await make_student()
    at = datetime.now(UTC) - timedelta(days=1)
    items = [
        {"course_id": ObjectId(world[k]["id"]), "position": n + 1} for n, k in enumerate(["sql", "mongo"])
    ]
    imp = {"_id": ObjectId(), "user_id": ObjectId(learner.id), "at": at, "strategy": "hybrid",
           "model_version": 2, "items": items}  # fmt: skip
    await app.state.db["recommendation_impressions"].insert_one(imp)
    await app.state.db["recommendation_clicks"].insert_one(
        {"impression_id": imp["_id"], "user_id": imp["user_id"], "course_id": items[0]["course_id"],
         "position": 1, "at": at + timedelta(minutes=1)}
    )  # fmt: skip
    await enroll(client, world["sql"], learner)
    python, mongosh = examples("python", "#"), examples("js", "//")
    assert set(python) == set(mongosh) == {"outcomes-by-position", "outcomes-by-strategy"}
    expected = {
        "outcomes-by-position": [
            {"position": 1, "shown": 1, "clicks": 1, "enrollments": 1},
            {"position": 2, "shown": 1, "clicks": 0, "enrollments": 0},
        ],
        "outcomes-by-strategy": [
            {"strategy": "hybrid", "model_version": 2, "shown": 2, "clicks": 1, "enrollments": 1}
        ],
    }
    analyst: MongoClient[dict[str, Any]] = MongoClient(stack["mongo"], tz_aware=True)
    try:
        db = analyst[app.state.db.name]
        for name, rows in expected.items():
            assert run_python(python[name], db) == rows, name
            assert run_mongosh(mongosh[name], db) == rows, name
    finally:
        analyst.close()

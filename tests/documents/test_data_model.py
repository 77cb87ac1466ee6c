"""docs/data-model.md against the database: fields, indexes, the analyst views, and every example query."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from fastapi import FastAPI
from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import OperationFailure

from oms.db import VALIDATORS, VIEWS, install_views
from oms.documents import DOCUMENT_MODELS
from oms.services import analytics
from tests.support.paths import DOCS

DOC = (DOCS / "data-model.md").read_text()
CONTRACT = [
    "users",
    "courses",
    "enrollments",
    "assignments",
    "submissions",
    "audit",
    "refresh_tokens",
    "revoked_tokens",
]
NOW = datetime.now(UTC).replace(microsecond=0)


def at(day: int, hour: int = 8) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=UTC)


def section_of_doc(collection: str) -> str:
    """The part of the doc about one collection: from its heading to the next heading of that level."""
    match = re.search(rf"^### `{collection}`.*?$(.*?)(?=^##)", DOC, re.S | re.M)
    if match is None:  # documented together with another collection
        match = re.search(rf"^### .*`{collection}`.*?$(.*?)(?=^##)", DOC, re.S | re.M)
    assert match, f"docs/data-model.md has no section for {collection}"
    return match.group(0)


def field_paths(schema: dict[str, Any], prefix: str = "") -> Iterator[str]:
    for name, spec in schema.get("properties", {}).items():
        yield prefix + name
        items = spec.get("items", {})
        if items.get("bsonType") == "object":
            yield from field_paths(items, f"{prefix}{name}[].")


@pytest.mark.parametrize("collection", CONTRACT)
def test_doc_lists_every_validated_field_and_index(collection: str) -> None:
    text = section_of_doc(collection)
    for path in field_paths(VALIDATORS[collection]):
        assert f"`{path}`" in text or f"`{path.rsplit('.', 1)[-1]}`" in text, f"{collection}.{path}"
    for required in VALIDATORS[collection].get("required", []):
        assert f"`{required}`" in text
    model = next(m for m in DOCUMENT_MODELS if m.Settings.name == collection)
    for index in model.Settings.indexes:
        assert f"`{index.document['name']}`" in text, f"{collection} index {index.document['name']}"


def test_doc_describes_every_view() -> None:
    for name in VIEWS:
        assert f"### `{name}`" in DOC, name


@pytest.fixture
def db(app: FastAPI, stack: dict[str, str]) -> Iterator[Database[dict[str, Any]]]:
    """A synchronous handle on the test database, as an analyst's pymongo would be."""
    client: MongoClient[dict[str, Any]] = MongoClient(stack["mongo"], tz_aware=True)
    yield client[app.state.db.name]
    client.close()


def enrollment(
    user: ObjectId, course: dict[str, Any], status: str, events: list[tuple[Any, ...]]
) -> dict[str, Any]:
    """An enrollment whose history is `events` [(at, event, section index or None)], progress recounted."""
    ids = [s["section_id"] for s in course["sections"]]
    done: list[ObjectId | None] = []
    history = []
    for when, event, index in events:
        section = ids[index] if index is not None else None
        if event == "section_completed":
            done.append(section)
        history.append(
            {
                "at": when,
                "event": event,
                "section_id": section,
                "progress": round(len(done) / len(ids) * 100, 4),
            }
        )
    return {
        "user_id": user,
        "course_id": course["_id"],
        "status": status,
        "progress": history[-1]["progress"],
        "completed_sections": done,
        "history": history,
        "enrolled_at": events[0][0],
        "updated_at": events[-1][0],
        "completed_at": events[-1][0] if status == "completed" else None,
    }


@pytest.fixture
def fixture_data(db: Database[dict[str, Any]]) -> dict[str, Any]:
    """Five students, three published courses and a draft, eight enrollments with their histories."""
    users: dict[str, dict[str, Any]] = {
        name: {
            "_id": ObjectId(),
            "username": name,
            "email": f"{name}@example.org",
            "password_hash": "x",
            "role": "student",
            "disabled": False,
            "created_at": at(1),
        }
        for name in ("ada", "bob", "cyd", "dee", "eve")
    }
    db.users.insert_many(list(users.values()))

    def course(slug: str, tags: list[str], titles: list[str], status: str = "published") -> dict[str, Any]:
        sections = [
            {"section_id": ObjectId(), "title": t, "body": "", "order": i, "duration_minutes": 30}
            for i, t in enumerate(titles)
        ]
        return {
            "_id": ObjectId(),
            "slug": slug,
            "name": slug.title(),
            "description": "",
            "content": "",
            "tags": tags,
            "status": status,
            "sections": sections,
            "created_by": None,
            "created_at": at(1),
            "updated_at": at(1),
            "version": 1,
        }

    py = course("python-basics", ["python", "programming"], ["Setup", "Variables", "Loops"])
    sql = course("sql-essentials", ["databases", "sql"], ["Select", "Joins"])
    db.courses.insert_many(
        [py, sql, course("ml-intro", ["python", "ml"], ["Intro"]), course("drafty", ["python"], [], "draft")]
    )
    u = {name: user["_id"] for name, user in users.items()}
    recent = NOW - timedelta(days=2)
    db.enrollments.insert_many(
        [
            enrollment(
                u["ada"],
                py,
                "completed",
                [
                    (at(3, 9), "enrolled", None),
                    (at(4), "section_completed", 0),
                    (at(6), "section_completed", 1),
                    (at(8, 9), "section_completed", 2),
                ],
            ),
            enrollment(
                u["bob"], py, "active", [(at(4, 10), "enrolled", None), (at(5, 10), "section_completed", 0)]
            ),
            enrollment(
                u["cyd"],
                py,
                "completed",
                [
                    (at(10), "enrolled", None),
                    (at(10, 12), "section_completed", 0),
                    (at(11), "section_completed", 1),
                    (at(12), "section_completed", 2),
                ],
            ),
            enrollment(
                u["dee"],
                py,
                "dropped",
                [
                    (at(11), "enrolled", None),
                    (at(11, 9), "section_completed", 0),
                    (at(12, 9), "dropped", None),
                ],
            ),
            enrollment(
                u["eve"],
                py,
                "completed",
                [
                    (at(12), "enrolled", None),
                    (at(13), "section_completed", 0),
                    (at(14), "section_completed", 1),
                    (at(20), "section_completed", 2),
                ],
            ),
            enrollment(
                u["ada"],
                sql,
                "active",
                [(recent, "enrolled", None), (recent + timedelta(days=1), "section_completed", 0)],
            ),
            enrollment(
                u["eve"],
                sql,
                "completed",
                [
                    (at(5), "enrolled", None),
                    (at(6), "section_completed", 0),
                    (at(15), "section_completed", 1),
                ],
            ),
            enrollment(
                u["bob"],
                sql,
                "completed",
                [
                    (at(13), "enrolled", None),
                    (at(14), "section_completed", 0),
                    (at(17), "section_completed", 1),
                ],
            ),
        ]
    )
    return {"users": u, "py": py, "sql": sql}


EXPECTED: dict[str, list[dict[str, Any]]] = {
    "popular-by-week": [
        {"week": datetime(2025, 3, 3, tzinfo=UTC), "course": "python-basics", "enrollments": 2},
        {"week": datetime(2025, 3, 3, tzinfo=UTC), "course": "sql-essentials", "enrollments": 1},
        {"week": datetime(2025, 3, 10, tzinfo=UTC), "course": "python-basics", "enrollments": 3},
        {"week": datetime(2025, 3, 10, tzinfo=UTC), "course": "sql-essentials", "enrollments": 1},
    ],
    "section-funnel": [
        {"order": 0, "title": "Setup", "completed_by": 5},
        {"order": 1, "title": "Variables", "completed_by": 3},
        {"order": 2, "title": "Loops", "completed_by": 3},
    ],
    "median-time-to-complete": [  # python: 2, 5, 8 days; sql: 4 and 10 days
        {"course": "python-basics", "completions": 3, "median_days": 5.0},
        {"course": "sql-essentials", "completions": 2, "median_days": 7.0},
    ],
    "stalled-students": [
        {"username": "bob", "course": "python-basics", "progress": 33.3333, "last_activity": at(5, 10)},
    ],
    "completion-league": [
        {
            "slug": "sql-essentials",
            "enrollments": 3,
            "completed": 2,
            "completion_rate": 0.6667,
            "mean_progress": 83.33,
        },
        {
            "slug": "python-basics",
            "enrollments": 5,
            "completed": 3,
            "completion_rate": 0.6,
            "mean_progress": 73.33,
        },
    ],
    "daily-activity": [
        {"day": "2025-03-03", "event": "enrolled", "events": 1, "students": 1},
        {"day": "2025-03-04", "event": "enrolled", "events": 1, "students": 1},
        {"day": "2025-03-04", "event": "section_completed", "events": 1, "students": 1},
        {"day": "2025-03-05", "event": "enrolled", "events": 1, "students": 1},
        {"day": "2025-03-05", "event": "section_completed", "events": 1, "students": 1},
        {"day": "2025-03-06", "event": "section_completed", "events": 2, "students": 2},
    ],
    "enrollments-per-tag": [
        {"tag": "programming", "enrollments": 5, "completed": 3},
        {"tag": "python", "enrollments": 5, "completed": 3},
        {"tag": "databases", "enrollments": 3, "completed": 2},
        {"tag": "sql", "enrollments": 3, "completed": 2},
    ],
}


def examples(language: str, comment: str) -> dict[str, str]:
    """The doc's example blocks in `language`, by the name in their first line (`# example: name`)."""
    blocks = re.findall(rf"```{language}\n{re.escape(comment)} example: ([\w-]+)\n(.*?)```", DOC, re.S)
    return dict(blocks)


def run_python(code: str, db: Database[dict[str, Any]]) -> list[dict[str, Any]]:
    scope: dict[str, Any] = {"db": db}
    exec(code, scope)  # noqa: S102  # the doc's own example, run as a reader would
    result: list[dict[str, Any]] = scope["result"]
    return result


def run_mongosh(code: str, db: Database[dict[str, Any]]) -> list[dict[str, Any]]:
    """A mongosh example evaluated by Python: the doc keeps them to quoted keys, ISODate, and chains of
    calls that pymongo shares (`aggregate`, `find(...).sort({...})`)."""

    def iso_date(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    scope = {"db": db, "ISODate": iso_date, "true": True, "false": False, "null": None}
    return list(eval(code.strip().rstrip(";"), scope))  # noqa: S307  # the doc's own example


def test_the_doc_has_at_least_six_examples_in_both_syntaxes() -> None:
    python, mongosh = examples("python", "#"), examples("js", "//")
    assert len(python) >= 6
    assert set(python) == set(mongosh) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_example_query_answers_as_documented(
    name: str, db: Database[dict[str, Any]], fixture_data: dict[str, Any]
) -> None:
    assert run_python(examples("python", "#")[name], db) == EXPECTED[name]
    assert run_mongosh(examples("js", "//")[name], db) == EXPECTED[name]


def test_views_are_installed_as_read_only_views(db: Database[dict[str, Any]]) -> None:
    infos = {c["name"]: c for c in db.list_collections(filter={"type": "view"})}
    for name, (source, pipeline) in VIEWS.items():
        assert infos[name]["options"]["viewOn"] == source
        assert infos[name]["options"]["pipeline"] == pipeline


def test_views_refuse_writes(db: Database[dict[str, Any]]) -> None:
    if "secantusVersion" in db.client.admin.command("buildinfo"):
        pytest.skip("SecantusDB does not refuse writes to views; run with OMS_TEST_MONGODB_URL=<mongod>")
    for name in VIEWS:
        with pytest.raises(OperationFailure):
            db[name].insert_one({"x": 1})


def test_course_stats_and_events_rows(db: Database[dict[str, Any]], fixture_data: dict[str, Any]) -> None:
    stats = {row["slug"]: row for row in db.course_stats.find()}
    assert stats["ml-intro"] | {"_id": None, "tags": None} == {
        "_id": None,
        "slug": "ml-intro",
        "name": "Ml-Intro",
        "status": "published",
        "tags": None,
        "sections": 1,
        "enrollments": 0,
        "active": 0,
        "completed": 0,
        "dropped": 0,
        "mean_progress": 0,
        "completion_rate": 0,
    }
    py = stats["python-basics"]
    assert (py["_id"], py["active"], py["completed"], py["dropped"]) == (fixture_data["py"]["_id"], 1, 3, 1)
    bob = fixture_data["users"]["bob"]
    rows = list(db.progress_events.find({"user_id": bob, "course_id": fixture_data["py"]["_id"]}))
    assert [(r["event"], r["progress"], r["at"]) for r in rows] == [
        ("enrolled", 0.0, at(4, 10)),
        ("section_completed", 33.3333, at(5, 10)),
    ]
    assert rows[1]["section_id"] == fixture_data["py"]["sections"][0]["section_id"]
    assert set(rows[0]) == {"enrollment_id", "user_id", "course_id", "at", "event", "section_id", "progress"}
    assert db.progress_events.count_documents({}) == 25
    sections = list(db.course_sections.find({"slug": "sql-essentials"}).sort("order", 1))
    assert [(s["title"], s["order"], s["course_status"]) for s in sections] == [
        ("Select", 0, "published"),
        ("Joins", 1, "published"),
    ]
    assert set(db.users_public.find_one({"username": "ada"}) or {}) == {
        "_id",
        "username",
        "role",
        "disabled",
        "created_at",
    }


async def test_installing_views_again_redefines_them(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    db = app.state.db
    changed = [{"$project": {"username": 1}}]
    monkeypatch.setitem(VIEWS, "users_public", ("users", changed))
    await install_views(db)
    info = await (await db.list_collections(filter={"name": "users_public"})).to_list()
    assert info[0]["options"]["pipeline"] == changed
    monkeypatch.setitem(VIEWS, "users_public", ("users", analytics.USERS_PUBLIC))
    await install_views(db)
    await install_views(db)
    info = await (await db.list_collections(filter={"name": "users_public"})).to_list()
    assert info[0]["options"]["pipeline"] == analytics.USERS_PUBLIC

"""Popularity rankings: Redis sorted sets fed by enrollments and views, rebuilt from MongoDB."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI

from oms.clock import utcnow
from oms.documents import Enrollment
from oms.redis_store import pop_bucket as bucket
from oms.services.popularity.rankings import Window, mongo_counts
from tests.support.api import Actor
from tests.support.factories import MakeCourse, MakeStudent
from tests.support.settings import process_env


async def enroll_many(client: httpx.AsyncClient, course: dict[str, Any], students: list[Actor]) -> None:
    for student in students:
        reply = await client.post(f"/courses/{course['id']}/enrollments", headers=student.headers)
        assert reply.status_code == 201, reply.text


@pytest.fixture
async def ranked(
    client: httpx.AsyncClient, make_course: MakeCourse, make_student: MakeStudent
) -> list[dict[str, Any]]:
    """Three published courses with 3, 2 and 1 enrollments, and a draft nobody can enroll in."""
    students = [await make_student() for _ in range(3)]
    courses = [await make_course(name=f"Ranked {i}") for i in range(3)]
    for course, count in zip(courses, (3, 2, 1), strict=True):
        await enroll_many(client, course, students[:count])
    await make_course(status="draft")
    return courses


async def redis_counts(app: FastAPI, key: str) -> dict[str, int]:
    rows = await app.state.redis.zrange(key, 0, -1, withscores=True)
    return {member.decode(): int(score) for member, score in rows}


async def test_popular_orders_by_enrollments(client: httpx.AsyncClient, ranked: list[dict[str, Any]]) -> None:
    reply = await client.get("/courses/popular", params={"window": "7d", "limit": 10})
    assert reply.status_code == 200
    body = reply.json()
    assert body["window"] == "7d"
    assert [(i["course"]["id"], i["enrollments"], i["score"]) for i in body["items"]] == [
        (ranked[0]["id"], 3, 3.0),
        (ranked[1]["id"], 2, 2.0),
        (ranked[2]["id"], 1, 1.0),
    ]
    assert "sections" not in body["items"][0]["course"]
    top = await client.get("/courses/popular", params={"limit": 1})
    assert [i["course"]["id"] for i in top.json()["items"]] == [ranked[0]["id"]]


@pytest.mark.redis
async def test_views_add_to_the_score(client: httpx.AsyncClient, ranked: list[dict[str, Any]]) -> None:
    third = ranked[2]
    for _ in range(5):  # one miss, then cache hits: every one is a view
        assert (await client.get(f"/courses/{third['id']}")).status_code == 200
    items = (await client.get("/courses/popular", params={"window": "30d"})).json()["items"]
    scores = {i["course"]["id"]: (i["score"], i["enrollments"]) for i in items}
    assert scores[third["id"]] == (1.5, 1)


@pytest.mark.redis
async def test_redis_ranking_agrees_with_mongodb(
    app: FastAPI, client: httpx.AsyncClient, ranked: list[dict[str, Any]], make_student: MakeStudent
) -> None:
    # an older enrollment, written straight to MongoDB: in "30d" and "all" but not in "7d"
    old = utcnow() - timedelta(days=10)
    student = await make_student()
    await Enrollment.get_pymongo_collection().insert_one(
        {
            "user_id": ObjectId(student.id),
            "course_id": ObjectId(ranked[2]["id"]),
            "status": "active",
            "progress": 0.0,
            "completed_sections": [],
            "history": [{"at": old, "event": "enrolled", "section_id": None, "progress": 0.0}],
            "enrolled_at": old,
            "updated_at": old,
        }
    )
    assert await app.state.rankings.rebuild()
    assert await redis_counts(app, bucket("enroll", "all")) == {
        str(k): n for k, n in (await mongo_counts(Window.all)).items()
    }
    for window in Window:
        expected = {str(k): n for k, n in (await mongo_counts(window)).items()}
        items = (await client.get("/courses/popular", params={"window": window.value})).json()["items"]
        assert {i["course"]["id"]: i["enrollments"] for i in items} == expected, window
    assert {str(k): n for k, n in (await mongo_counts(Window.week)).items()}[ranked[2]["id"]] == 1
    assert {str(k): n for k, n in (await mongo_counts(Window.month)).items()}[ranked[2]["id"]] == 2


@pytest.mark.redis
async def test_lost_rankings_rebuild_by_themselves(
    app: FastAPI, client: httpx.AsyncClient, ranked: list[dict[str, Any]]
) -> None:
    await app.state.redis.flushdb()
    await app.state.ownership.check()  # as the app's renewal would (Redis lost its claim too)
    items = (await client.get("/courses/popular")).json()["items"]
    assert [(i["course"]["id"], i["enrollments"]) for i in items] == [
        (ranked[0]["id"], 3),
        (ranked[1]["id"], 2),
        (ranked[2]["id"], 1),
    ]
    assert await app.state.redis.exists("oms:pop:built")


async def test_archived_courses_leave_the_ranking(
    client: httpx.AsyncClient, admin: Actor, ranked: list[dict[str, Any]]
) -> None:
    assert (await client.delete(f"/courses/{ranked[0]['id']}", headers=admin.headers)).status_code == 204
    items = (await client.get("/courses/popular")).json()["items"]
    assert [i["course"]["id"] for i in items] == [ranked[1]["id"], ranked[2]["id"]]


async def test_catalogue_sort_popular_uses_the_ranking(
    client: httpx.AsyncClient, ranked: list[dict[str, Any]], make_course: MakeCourse
) -> None:
    unranked = await make_course(name="Aaa nobody enrolled")
    reply = await client.get("/courses", params={"sort": "popular"})
    assert reply.status_code == 200
    ids = [c["id"] for c in reply.json()["items"]]
    assert ids == [ranked[0]["id"], ranked[1]["id"], ranked[2]["id"], unranked["id"]]
    second_page = await client.get("/courses", params={"sort": "popular", "limit": 2, "offset": 2})
    assert [c["id"] for c in second_page.json()["items"]] == ids[2:4]
    assert second_page.json()["total"] == 4


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/courses/popular", {"window": "1d"}),
        ("/courses/popular", {"limit": 101}),
        ("/courses/popular", {"limit": 0}),
        ("/courses", {"sort": "hottest"}),
        ("/courses", {"limit": 1000}),
    ],
)
async def test_bad_parameters_are_422(client: httpx.AsyncClient, path: str, params: dict[str, Any]) -> None:
    reply = await client.get(path, params=params)
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"


@pytest.mark.redis
async def test_rebuild_rankings_command(
    app: FastAPI, stack: dict[str, str], ranked: list[dict[str, Any]], tmp_path: Path
) -> None:
    await app.state.redis.delete(bucket("enroll", "all"))
    env = process_env(stack, "oms_test", tmp_path)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "oms.cli.main", "rebuild-rankings", env=env, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    assert await redis_counts(app, bucket("enroll", "all")) == {
        ranked[0]["id"]: 3,
        ranked[1]["id"]: 2,
        ranked[2]["id"]: 1,
    }

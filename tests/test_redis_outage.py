"""Redis is optional at run time: a real redis-server is stopped and started again under the API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.support.api import Actor
from tests.support.factories import MakeApp, MakeCourse, MakeStudent
from tests.support.servers import RedisProcess

RETRY_S = 0.05


@pytest.fixture
async def own_app(make_app: MakeApp, redis_process: RedisProcess) -> FastAPI:
    app: FastAPI = await make_app(redis_url=redis_process.url, redis_retry_s=RETRY_S)
    return app


@pytest.fixture
async def api(own_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=own_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as c:
        yield c


async def pass_retry_window() -> None:
    await asyncio.sleep(RETRY_S * 2)


async def test_requests_stay_correct_while_redis_is_down_and_caching_resumes(
    own_app: FastAPI,
    api: httpx.AsyncClient,
    redis_process: RedisProcess,
    make_course: MakeCourse,
    make_student: MakeStudent,
    admin: Actor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    course = await make_course()
    path = f"/courses/{course['id']}"
    assert (await api.get(path)).status_code == 200
    assert (await api.get(path)).status_code == 200
    assert own_app.state.cache.stats["hits"] == 1

    redis_process.stop()
    student: Actor = await make_student()
    with caplog.at_level(logging.WARNING, logger="oms.redis_store"):
        enrolled = await api.post(f"{path}/enrollments", headers=student.headers)
        replies = [await api.get(path) for _ in range(10)]
        replies += [await api.get("/courses"), await api.get("/courses/popular")]
        renamed = await api.patch(path, json={"name": "Written while Redis was down"}, headers=admin.headers)
        after = await api.get(path)
        ready = await api.get("/readyz")
    assert {r.status_code for r in replies} == {200}
    assert all(r.json()["id"] == course["id"] for r in replies[:10])
    assert replies[-1].json()["items"][0]["course"]["id"] == course["id"]  # popular, counted by MongoDB
    assert enrolled.status_code == 201
    assert renamed.status_code == 200
    assert after.json()["name"] == "Written while Redis was down"
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    outages = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(outages) == 1, [r.getMessage() for r in caplog.records]

    redis_process.start()
    await pass_retry_window()
    assert (await api.get(path)).json()["name"] == "Written while Redis was down"
    hits = own_app.state.cache.stats["hits"]
    assert (await api.get(path)).json()["name"] == "Written while Redis was down"
    assert own_app.state.cache.stats["hits"] == hits + 1  # caching resumed by itself
    assert (await api.get("/readyz")).json()["status"] == "ok"
    popular = (await api.get("/courses/popular")).json()["items"]
    assert popular[0]["enrollments"] == 1  # the enrollment made during the outage is in the rebuilt ranking


async def test_a_write_that_missed_redis_hides_no_page_cached_before_it(
    own_app: FastAPI, api: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    """Redis stays up with its data, but this process could not reach it during a write (a blip)."""
    course = await make_course()
    path = f"/courses/{course['id']}"
    await api.get(path)
    assert (await api.get(path)).json()["name"] == course["name"]  # cached
    guard = own_app.state.cache.guard
    guard._trip(ConnectionError("simulated network blip"))
    assert (await api.patch(path, json={"name": "Fresh"}, headers=admin.headers)).status_code == 200
    await pass_retry_window()
    assert (await api.get(path)).json()["name"] == "Fresh"
    assert (await api.get("/courses")).json()["items"][0]["name"] == "Fresh"


async def test_breaker_skips_redis_while_open(
    own_app: FastAPI, api: httpx.AsyncClient, make_course: MakeCourse
) -> None:
    course = await make_course()
    guard = own_app.state.cache.guard
    guard.retry_after = 60
    guard._trip(ConnectionError("simulated"))
    errors = guard.stats["errors"]
    for _ in range(5):
        assert (await api.get(f"/courses/{course['id']}")).status_code == 200
    assert guard.stats["errors"] == errors  # no call went to Redis
    assert guard.stats["skipped"] >= 5
    assert guard.state == "open"


async def test_a_failing_recovery_step_fails_no_request(
    own_app: FastAPI, api: httpx.AsyncClient, make_course: MakeCourse, caplog: pytest.LogCaptureFixture
) -> None:
    course = await make_course()
    guard = own_app.state.cache.guard

    async def rebuild_without_mongodb() -> None:
        raise ConnectionError("MongoDB is away too")

    guard.on_recovery(rebuild_without_mongodb)
    guard._trip(ConnectionError("simulated blip"))
    await pass_retry_window()
    with caplog.at_level(logging.ERROR, logger="oms.redis_store"):
        reply = await api.get(f"/courses/{course['id']}")
    assert reply.status_code == 200 and reply.json()["id"] == course["id"]
    assert guard.state == "closed"
    assert any("recovery step failed" in r.getMessage() for r in caplog.records)

"""A database that hangs (SIGSTOP) or dies (SIGKILL) under concurrent load.

Requests that need it answer 503 problem+json within their deadline (most at once, once the breaker has
seen it fail), cached pages keep answering 200, readiness says MongoDB is down and recovers within 2 s of
SIGCONT, a write sent just before the freeze lands at most once, and long jobs outlast the request
deadline. Every test runs against this module's own SecantusDB process, never the session's server.
"""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from fastapi import FastAPI
from pymongo import monitoring

from oms.db import make_client
from oms.documents.user import Role
from oms.edge.metrics import MongoCommandMetrics
from oms.services.accounts.auth import create_user
from oms.services.imports import importer
from oms.services.imports.reader import Format
from tests.support.api import PASSWORD, bearer
from tests.support.factories import MakeApp
from tests.support.frozen_database import Load, PrivateDatabase, Scene, load
from tests.support.settings import NO_REDIS_URL, Servers, make_settings

DEADLINE_S = 1.0
SLACK_S = 0.5
TIMED_OUT = "the database did not answer in time"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateDatabase]:
    db = PrivateDatabase(tmp_path_factory.mktemp("deadlines"))
    db.start()
    yield db
    db.thaw()
    db.stack.stop()


async def settled(call: Callable[[], Awaitable[httpx.Response]], expected: int) -> httpx.Response:
    """`call` until it is not a 503: setting the scene is not under test, but it runs under the module's
    strict 1 s deadline, which a loaded machine (other builds beside the suite) can pass on a live database.
    Only 503 problems are retried: they changed nothing (the request's first command had not been sent)."""
    for _ in range(20):
        reply = await call()
        if reply.status_code != 503:
            break
        await asyncio.sleep(0.1)
    assert reply.status_code == expected, reply.text
    return reply


@pytest.fixture
async def scene(make_app: MakeApp, database: PrivateDatabase, stack: Servers) -> AsyncIterator[Scene]:
    app: FastAPI = await make_app(
        mongodb_url=database.url,
        # another database's deployment: its own Redis database (the session app holds the suite's)
        redis_url=stack["redis"].rsplit("/", 1)[0] + "/2",
        request_deadline_ms=int(DEADLINE_S * 1000),
        mongodb_retry_s=0.5,
        redis_timeout_s=1.0,  # the clients share the app's loop: a busy turn must not look like Redis down
    )
    name = uuid.uuid4().hex[:10]
    await create_user(app.state.hasher, username=f"a{name}", password=PASSWORD, role=Role.admin)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1", timeout=30) as c:
        admin_login = {"username": f"a{name}", "password": PASSWORD}
        admin = bearer(
            (await settled(lambda: c.post("/auth/login", json=admin_login), 200)).json()["access_token"]
        )
        body = {
            "name": f"Course {name}",
            "status": "published",
            "sections": [{"title": f"Part {i}", "body": "text", "duration_minutes": 5} for i in range(3)],
        }
        course = (await settled(lambda: c.post("/courses", json=body, headers=admin), 201)).json()
        student_login = {"username": f"s{name}", "password": PASSWORD}
        await settled(lambda: c.post("/auth/register", json=student_login), 201)
        tokens = (await settled(lambda: c.post("/auth/login", json=student_login), 200)).json()
        student = bearer(tokens["access_token"])
        enrol = f"/courses/{course['id']}/enrollments"
        enrollment = (await settled(lambda: c.post(enrol, headers=student), 201)).json()
        scene = Scene(
            app, c, student, course["id"], enrollment["id"], [s["section_id"] for s in course["sections"]]
        )
        for _ in range(3):  # a miss, a Redis hit, then a page held in the process
            for path in scene.cached:
                await settled(lambda: c.get(path), 200)  # noqa: B023  # awaited within the iteration
        for path in scene.database_bound:
            await settled(lambda: c.get(path, headers=student), 200)  # noqa: B023
        yield scene
        database.thaw()


async def ready_after(scene: Scene, since: float, limit: float = 5.0) -> float:
    """Seconds from `since` until /readyz says ok (polled every 50 ms)."""
    while time.monotonic() - since < limit:
        if (await scene.client.get("http://t/readyz")).status_code == 200:
            return time.monotonic() - since
        await asyncio.sleep(0.05)
    raise AssertionError(f"not ready {limit} s after the database came back")


def assert_database_bound_failed_on_time(run: Load) -> None:
    bound = [s for s in run.samples if s.kind == "db"]
    assert bound
    wrong = [s for s in bound if s.status != 503 or s.content_type != "application/problem+json"]
    assert not wrong, wrong[:3]
    slowest = max(bound, key=lambda s: s.elapsed)
    assert slowest.elapsed <= DEADLINE_S + SLACK_S + run.stall, (slowest, len(bound), run.stall)
    assert all(TIMED_OUT in s.detail or "unavailable" in s.detail for s in bound)
    # no pile-up: once requests have failed, the breaker answers the rest without waiting on the database
    later = sorted(s.elapsed for s in bound if s.at > DEADLINE_S + SLACK_S)
    assert later and later[len(later) // 2] < DEADLINE_S / 2, later


def assert_cached_answered(run: Load) -> None:
    cached = [s for s in run.samples if s.kind == "cached"]
    assert cached and all(s.status == 200 for s in cached), [s for s in cached if s.status != 200][:3]
    assert max(s.elapsed for s in cached) < DEADLINE_S + run.stall  # none waited on the database


async def test_frozen_database_fails_requests_on_time_and_cached_pages_answer(
    scene: Scene, database: PrivateDatabase
) -> None:
    database.freeze()
    try:
        samples = await load(scene, 2.5)
        start = time.monotonic()
        ready = await scene.client.get("http://t/readyz")
        assert time.monotonic() - start < 1.5
        assert ready.status_code == 503
        assert ready.json()["checks"]["mongodb"] == "down"
        assert scene.app.state.database_breaker.state in ("open", "probing")
    finally:
        database.thaw()
    thawed = time.monotonic()
    assert await ready_after(scene, thawed) < 2.0
    assert (await scene.client.get("/me/enrollments", headers=scene.student)).status_code == 200
    assert_database_bound_failed_on_time(samples)
    assert all(TIMED_OUT in s.detail for s in samples.samples if s.kind == "db")
    assert_cached_answered(samples)


async def test_write_sent_just_before_the_freeze_lands_at_most_once(
    scene: Scene, database: PrivateDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = MongoCommandMetrics.started

    def freeze_on_write(self: MongoCommandMetrics, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "findAndModify" and not database.frozen:
            database.freeze()  # the command is on its way: the server stops before it can answer
        original(self, event)

    monkeypatch.setattr(MongoCommandMetrics, "started", freeze_on_write)
    section = scene.section_ids[0]
    path = f"/enrollments/{scene.enrollment_id}/progress"
    background = asyncio.create_task(load(scene, 1.5))  # and other clients keep coming meanwhile
    start = time.monotonic()
    try:
        reply = await scene.client.post(
            path, json={"section_id": section, "completed": True}, headers=scene.student
        )
        elapsed = time.monotonic() - start
        samples = await background
    finally:
        database.thaw()
    monkeypatch.setattr(MongoCommandMetrics, "started", original)
    assert reply.status_code == 503 and reply.json()["detail"].startswith(TIMED_OUT), reply.text
    assert elapsed <= DEADLINE_S + SLACK_S
    assert_cached_answered(samples)
    await ready_after(scene, time.monotonic())

    async def events() -> int:
        for _ in range(40):  # the breaker closes once the readiness ping got through
            got = await scene.client.get(f"/enrollments/{scene.enrollment_id}", headers=scene.student)
            if got.status_code == 200:
                history = got.json()["history"]
                return sum(e["event"] == "section_completed" and e["section_id"] == section for e in history)
            await asyncio.sleep(0.05)
        raise AssertionError("the enrollment could not be read after the thaw")

    assert await events() <= 1  # applied once (the server read it after the thaw) or not at all
    again = await scene.client.post(
        path, json={"section_id": section, "completed": True}, headers=scene.student
    )
    assert again.status_code == 200
    assert await events() == 1  # the client's retry never makes it twice


async def test_killed_database_fails_requests_fast_and_restart_recovers(
    scene: Scene, database: PrivateDatabase
) -> None:
    database.kill()
    try:
        samples = await load(scene, 2.0)
    finally:
        database.start()  # returns once it listens again
        restarted = time.monotonic()
    assert await ready_after(scene, restarted) < 2.0
    assert_database_bound_failed_on_time(samples)
    assert_cached_answered(samples)
    name = f"r{uuid.uuid4().hex[:10]}"
    for _ in range(40):  # SecantusDB may have lost unflushed writes to SIGKILL: a fresh account, then
        reply = await scene.client.post("/auth/register", json={"username": name, "password": PASSWORD})
        if reply.status_code != 503:
            break
        await asyncio.sleep(0.05)
    assert reply.status_code == 201, reply.text


async def test_long_job_batches_outlast_the_request_deadline(scene: Scene, database: PrivateDatabase) -> None:
    lines = b"".join(
        orjson.dumps({"slug": f"job-{uuid.uuid4().hex[:8]}-{i}", "name": f"Job {i}", "sections": []}) + b"\n"
        for i in range(3)
    )
    options = importer.ImportOptions(batch_deadline_s=10)
    database.freeze()
    try:
        job = asyncio.create_task(
            importer.import_courses(io.BytesIO(lines), Format.ndjson, options, scene.app.state.cache)
        )
        start = time.monotonic()
        reply = await scene.client.get("/me/enrollments", headers=scene.student)
        assert reply.status_code == 503 and time.monotonic() - start <= DEADLINE_S + SLACK_S
        await asyncio.sleep(2 * DEADLINE_S)  # the job's batch waits on: its deadline is its own
        assert not job.done()
    finally:
        database.thaw()
    report = await asyncio.wait_for(job, 10)
    assert (report.created, report.failed) == (3, 0)


async def test_a_busy_server_missing_a_heartbeat_does_not_cancel_a_long_read(
    tmp_path: Path, database: PrivateDatabase
) -> None:
    """A long read (a recommender build reading every enrollment) outlives a server that does not answer for
    longer than the server-selection timeout: a heartbeat that times out would cancel it (`_OperationCancelled`
    mid-cursor), so heartbeats wait the connect timeout. Heartbeats run every 0.5 s here, so one falls in the
    stall for certain."""
    settings = make_settings(
        {"mongo": database.url, "redis": NO_REDIS_URL},
        tmp_path,
        mongodb_url=f"mongodb://127.0.0.1:{database.port}/oms_heartbeat?heartbeatFrequencyMS=500",
        mongodb_timeout_ms=1000,
    )
    client = make_client(settings, timeout_ms=30_000)
    try:
        rows = client["oms_heartbeat"]["rows"]
        await rows.drop()
        await rows.insert_many([{"n": i} for i in range(300)])
        cursor = rows.find({}, batch_size=100)
        assert len([await cursor.next() for _ in range(100)]) == 100  # the first batch is here
        database.freeze()
        try:
            more = asyncio.create_task(cursor.to_list())  # getMore waits on the frozen server
            await asyncio.sleep(2.5)  # > 1 s: a 1 s heartbeat timeout would have cancelled it
            assert not more.done()
        finally:
            database.thaw()
        assert len(await asyncio.wait_for(more, 20)) == 200
    finally:
        await client.close()

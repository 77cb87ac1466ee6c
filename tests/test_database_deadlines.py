"""A database that hangs (SIGSTOP) or dies (SIGKILL) under concurrent load.

Requests that need it answer 503 problem+json within their deadline (most at once, once the breaker has
seen it fail), cached pages keep answering 200, readiness says MongoDB is down and recovers within 2 s of
SIGCONT, a write sent just before the freeze lands at most once, and long jobs outlast the request
deadline. Every test runs against this module's own SecantusDB process, never the session's server.
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from pymongo import monitoring
from pymongo.errors import ServerSelectionTimeoutError

from oms.cli.devstack import Stack, free_port
from oms.clock import utcnow
from oms.deadlines import GuardedMongoClient, refused
from oms.documents import Course
from oms.documents.user import Role
from oms.edge.metrics import MongoCommandMetrics
from oms.services.accounts.auth import create_user
from oms.services.imports import importer
from oms.services.imports import plan as import_plan
from oms.services.imports.reader import Format, ItemReader
from tests.support.api import PASSWORD, bearer
from tests.support.factories import MakeApp
from tests.support.settings import Servers

DEADLINE_S = 1.0
SLACK_S = 0.5
CLIENTS = 32
THINK_S = 0.25
TIMED_OUT = "the database did not answer in time"


@dataclass
class PrivateDatabase:
    """This module's SecantusDB: frozen, thawed, killed and restarted on the same port and storage."""

    root: Path
    port: int = field(default_factory=free_port)
    stack: Stack = field(default_factory=Stack)
    frozen: bool = False

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/oms_deadlines"

    @property
    def pid(self) -> int:
        return self.stack.processes[-1].pid

    def start(self) -> None:
        self.stack.start_mongo(self.port, self.root / "data", self.root / "mongo.log")

    def freeze(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        if self.frozen:
            os.kill(self.pid, signal.SIGCONT)
            self.frozen = False

    def kill(self) -> None:
        process = self.stack.processes.pop()
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateDatabase]:
    db = PrivateDatabase(tmp_path_factory.mktemp("deadlines"))
    db.start()
    yield db
    db.thaw()
    db.stack.stop()


@dataclass
class Scene:
    """An app on the private database with a published course, an enrolled student, and warm caches."""

    app: FastAPI
    client: httpx.AsyncClient
    student: dict[str, str]
    course_id: str
    enrollment_id: str
    section_ids: list[str]

    @property
    def database_bound(self) -> list[str]:
        return ["/me/enrollments", f"/enrollments/{self.enrollment_id}"]

    @property
    def cached(self) -> list[str]:
        return [f"/courses/{self.course_id}", "/courses/popular", "/courses"]


@pytest.fixture
async def scene(make_app: MakeApp, database: PrivateDatabase) -> AsyncIterator[Scene]:
    app: FastAPI = await make_app(
        mongodb_url=database.url,
        request_deadline_ms=int(DEADLINE_S * 1000),
        mongodb_retry_s=0.5,
        redis_timeout_s=1.0,  # the clients share the app's loop: a busy turn must not look like Redis down
    )
    name = uuid.uuid4().hex[:10]
    await create_user(app.state.hasher, username=f"a{name}", password=PASSWORD, role=Role.admin)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1", timeout=30) as c:
        admin = bearer(
            (await c.post("/auth/login", json={"username": f"a{name}", "password": PASSWORD})).json()[
                "access_token"
            ]
        )
        body = {
            "name": f"Course {name}",
            "status": "published",
            "sections": [{"title": f"Part {i}", "body": "text", "duration_minutes": 5} for i in range(3)],
        }
        course = (await c.post("/courses", json=body, headers=admin)).json()
        assert (
            await c.post("/auth/register", json={"username": f"s{name}", "password": PASSWORD})
        ).status_code == 201
        tokens = (await c.post("/auth/login", json={"username": f"s{name}", "password": PASSWORD})).json()
        student = bearer(tokens["access_token"])
        enrollment = (await c.post(f"/courses/{course['id']}/enrollments", headers=student)).json()
        scene = Scene(
            app, c, student, course["id"], enrollment["id"], [s["section_id"] for s in course["sections"]]
        )
        for _ in range(3):  # a miss, a Redis hit, then a page held in the process
            for path in scene.cached:
                assert (await c.get(path)).status_code == 200, path
        for path in scene.database_bound:
            assert (await c.get(path, headers=student)).status_code == 200, path
        yield scene
        database.thaw()


@dataclass
class Sample:
    kind: str
    path: str
    at: float
    elapsed: float
    status: int
    content_type: str
    detail: str


@dataclass
class Load:
    """What the clients saw, and the longest the test process itself stood still meanwhile (its event
    loop did not run: the machine was busy elsewhere, or a garbage collection). The app shares that loop,
    so time it could not run is not time it took to answer."""

    samples: list[Sample]
    stall: float


async def stalls(until: float) -> float:
    """The longest delay of a 10 ms sleep beyond its 10 ms, until `until`."""
    worst = 0.0
    while (began := time.monotonic()) < until:
        await asyncio.sleep(0.01)
        worst = max(worst, time.monotonic() - began - 0.01)
    return worst


async def load(scene: Scene, seconds: float) -> Load:
    """CLIENTS concurrent clients for `seconds`, each going round the cached and database-bound paths with
    THINK_S between requests (the clients share the app's event loop here: without a pause they would
    measure how busy they keep it; `scripts/bench-deadlines` drives a real worker)."""
    begin = time.monotonic()
    until = begin + seconds
    samples: list[Sample] = []
    none: dict[str, str] = {}
    paths = [("cached", p, none) for p in scene.cached] + [
        ("db", p, scene.student) for p in scene.database_bound
    ]

    async def client(i: int) -> None:
        n = i
        while time.monotonic() < until:
            kind, path, headers = paths[n % len(paths)]
            n += 1
            start = time.monotonic()
            reply = await scene.client.get(path, headers=headers)
            detail = reply.json().get("detail", "") if reply.status_code >= 400 else ""
            content_type = reply.headers.get("content-type", "")
            samples.append(
                Sample(
                    kind,
                    path,
                    start - begin,
                    time.monotonic() - start,
                    reply.status_code,
                    content_type,
                    detail,
                )
            )

    watch = asyncio.create_task(stalls(until))
    await asyncio.gather(*(client(i) for i in range(CLIENTS)))
    return Load(samples, await watch)


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


async def test_import_retried_after_a_lost_reply_neither_duplicates_nor_fails(app: FastAPI) -> None:
    """A batch whose reply was lost (the write landed, the client timed out) and is written again: its new
    courses are found to be this very import's, reported unchanged, and stored once."""
    items = [{"slug": f"lost-{i}", "name": f"Lost {i}", "sections": [{"title": "One"}]} for i in range(2)]
    lines = b"".join(orjson.dumps(item) + b"\n" for item in items)
    (batch,) = ItemReader(io.BytesIO(lines), Format.ndjson).batches()
    now = utcnow()
    steps = await import_plan.plan(batch, importer.ImportOptions(), now)
    assert [s.status for s in steps] == ["created", "created"]
    first = await importer.import_courses(
        io.BytesIO(lines), Format.ndjson, importer.ImportOptions(), app.state.cache
    )
    assert first.created == 2  # the attempt whose reply never came back
    await importer._write(steps, now, app.state.cache)  # the retry of the same batch
    assert [(s.status, s.item.errors) for s in steps] == [("unchanged", []), ("unchanged", [])]
    assert await Course.get_pymongo_collection().count_documents({"slug": {"$regex": "^lost-"}}) == 2
    clash = [{"slug": "lost-0", "name": "Someone else's", "sections": []}]
    (other,) = ItemReader(io.BytesIO(orjson.dumps(clash[0]) + b"\n"), Format.ndjson).batches()
    theirs = await import_plan.plan(
        other, importer.ImportOptions(), now, snapshot={}
    )  # planned before lost-0 existed
    await importer._write(theirs, now, app.state.cache)
    assert theirs[0].status == "failed"  # another writer's course with this slug is still a conflict


class _Checkouts(monitoring.ConnectionPoolListener):
    """Counts connection checkouts; the other pool events are of no interest here."""

    started = 0

    def connection_check_out_started(self, event: monitoring.ConnectionCheckOutStartedEvent) -> None:
        self.started += 1

    def _ignore(self, event: Any) -> None:
        """Nothing to count."""

    pool_created = pool_ready = pool_cleared = pool_closed = _ignore
    connection_created = connection_ready = connection_closed = _ignore
    connection_check_out_failed = connection_checked_out = connection_checked_in = _ignore


async def test_a_refused_request_fails_at_once_without_a_pool_checkout(stack: Servers) -> None:
    checkouts = _Checkouts()
    client = GuardedMongoClient(stack["mongo"], timeoutMS=2000, event_listeners=[checkouts])
    try:
        await client.oms_refused.things.find_one({})
        before = checkouts.started
        start = time.monotonic()
        with refused(), pytest.raises(ServerSelectionTimeoutError) as raised:
            await client.oms_refused.things.find_one({})
        assert time.monotonic() - start < 0.05 and raised.value.timeout
        assert checkouts.started == before
        assert await client.oms_refused.things.find_one({}) is None  # outside the block: as usual
    finally:
        await client.close()

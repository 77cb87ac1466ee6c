"""One Redis database shared by deployments on different MongoDB databases: none serves another's data.

Each test runs real apps (SecantusDB, the suite's redis-server) on scratch databases and a Redis database
of its own (not the one the suite flushes), one after the other, at the same time, and after a wipe.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from asgi_lifespan import LifespanManager
from beanie import init_beanie
from fastapi import FastAPI
from pymongo import AsyncMongoClient, MongoClient

from oms.documents import DOCUMENT_MODELS
from oms.documents.user import Role
from oms.main import create_app
from oms.redis_owner import SHARED, Claim, Ownership, deployment_id
from oms.redis_store import CATALOGUE_GEN, EPOCH, OWNER, OWNER_LAST, POP_BUILT, RedisGuard
from oms.services.accounts.auth import create_user
from tests.support.api import PASSWORD, Actor, login
from tests.support.course_files import course_item, ndjson
from tests.support.factories import MakeApp
from tests.support.servers import RedisProcess
from tests.support.settings import Servers, make_settings, process_env

pytestmark = pytest.mark.redis

REDIS_DB = 5  # the suite flushes 0; the edge tests use 1, the deadline tests 2, the fuzz tests 3
DATABASES = ("oms_owner_a", "oms_owner_b")


@pytest.fixture
async def shared_redis(stack: Servers) -> AsyncIterator[aioredis.Redis]:
    """The Redis database both deployments are pointed at, empty before and after."""
    client = aioredis.from_url(redis_url(stack))
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def databases(stack: Servers) -> Iterator[None]:
    """Both scratch databases, dropped before and after."""
    mongo: MongoClient[dict[str, Any]] = MongoClient(stack["mongo"])
    for name in DATABASES:
        mongo.drop_database(name)
    yield
    for name in DATABASES:
        mongo.drop_database(name)
    mongo.close()


@pytest.fixture
async def rebind(app: FastAPI) -> AsyncIterator[None]:
    """Beanie binds documents globally: afterwards, bound back to the session app's database."""
    yield
    await init_beanie(database=app.state.db, document_models=DOCUMENT_MODELS)


def redis_url(stack: Servers) -> str:
    return stack["redis"].rsplit("/", 1)[0] + f"/{REDIS_DB}"


@dataclass
class Deployment:
    app: FastAPI
    api: httpx.AsyncClient
    admin: Actor

    async def course(self, name: str) -> dict[str, Any]:
        body = {"name": name, "description": "text", "status": "published", "sections": []}
        reply = await self.api.post("/courses", json=body, headers=self.admin.headers)
        assert reply.status_code == 201, reply.text
        course: dict[str, Any] = reply.json()
        return course

    async def enroll(self, course: dict[str, Any], username: str) -> None:
        reply = await self.api.post("/auth/register", json={"username": username, "password": PASSWORD})
        assert reply.status_code == 201, reply.text
        student = Actor(reply.json(), await login(self.api, username))
        reply = await self.api.post(f"/courses/{course['id']}/enrollments", headers=student.headers)
        assert reply.status_code == 201, reply.text

    async def catalogue(self) -> list[str]:
        reply = await self.api.get("/courses", params={"limit": 7})
        assert reply.status_code == 200, reply.text
        return [c["id"] for c in reply.json()["items"]]

    async def popular(self) -> list[tuple[str, int]]:
        reply = await self.api.get("/courses/popular", params={"window": "all"})
        assert reply.status_code == 200, reply.text
        return [(i["course"]["id"], i["enrollments"]) for i in reply.json()["items"]]

    async def readyz(self) -> dict[str, Any]:
        body: dict[str, Any] = (await self.api.get("/readyz")).json()
        return body


@asynccontextmanager
async def deployment(stack: Servers, tmp_path: Path, database: str) -> AsyncIterator[Deployment]:
    """An app on `database` and the shared Redis database, with an admin, for the block's length."""
    data = tmp_path / database
    data.mkdir(exist_ok=True)
    settings = make_settings(
        stack, data, mongodb_url=f"{stack['mongo']}/{database}", redis_url=redis_url(stack)
    )
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as api:
            name = f"admin_{database}"
            if await app.state.db.users.find_one({"username": name}) is None:
                await create_user(app.state.hasher, username=name, password=PASSWORD, role=Role.admin)
            admin = Actor({"id": "", "username": name}, await login(api, name))
            yield Deployment(app, api, admin)


def text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def settled(redis: aioredis.Redis) -> dict[Any, Any]:
    """Every `oms:*` key's value once A's own background work (its search follower retiring catalogue pages
    after its writes, within a second) has left them unchanged for a second."""
    snapshot: dict[Any, Any] = {}
    for _ in range(15):
        again = {key: await redis.dump(key) for key in await redis.keys("oms:*")}
        if again == snapshot:
            break
        snapshot = again
        await asyncio.sleep(1)
    return snapshot


async def pop_members(redis: aioredis.Redis) -> set[str]:
    """Every course id in any ranking key."""
    members: set[str] = set()
    async for key in redis.scan_iter(match="oms:pop:*"):
        if await redis.type(key) == b"zset":
            members |= {text(m) for m in await redis.zrange(key, 0, -1)}
    return members


async def test_one_after_the_other_the_second_never_serves_the_firsts_pages_or_rankings(
    stack: Servers, tmp_path: Path, shared_redis: aioredis.Redis, databases: None, rebind: None
) -> None:
    async with deployment(stack, tmp_path, "oms_owner_a") as a:
        first = [await a.course(f"A {i}") for i in range(3)]
        await a.enroll(first[0], "a_student")
        assert sorted(await a.catalogue()) == sorted(c["id"] for c in first)
        assert await a.catalogue() == await a.catalogue()  # cached now
        assert (await a.api.get(f"/courses/{first[0]['id']}")).status_code == 200  # cached, and held
        assert await a.popular() == [(first[0]["id"], 1)]
        assert await shared_redis.exists(POP_BUILT)
    a_ids = {c["id"] for c in first}
    assert a_ids & await pop_members(shared_redis)

    async with deployment(stack, tmp_path, "oms_owner_b") as b:
        assert not b.app.state.ownership.shared
        assert await b.catalogue() == []  # not A's cached page
        assert (await b.api.get(f"/courses/{first[0]['id']}")).status_code == 404
        assert not a_ids & await pop_members(shared_redis)  # A's rankings are gone
        course = await b.course("B 1")
        await b.enroll(course, "b_student")
        assert await b.catalogue() == [course["id"]]
        assert await b.catalogue() == [course["id"]]
        assert await b.popular() == [(course["id"], 1)]
        assert (await b.readyz())["checks"]["redis"] == "ok"
    assert await shared_redis.get(OWNER) is None  # given up on the way out
    assert await shared_redis.get(OWNER_LAST) is not None


async def test_at_the_same_time_the_second_runs_without_the_shared_keys_and_is_correct(
    stack: Servers,
    tmp_path: Path,
    shared_redis: aioredis.Redis,
    databases: None,
    rebind: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with deployment(stack, tmp_path, "oms_owner_a") as a:
        first = [await a.course(f"A {i}") for i in range(2)]
        await a.enroll(first[0], "a_student")
        await a.catalogue()
        assert await a.popular() == [(first[0]["id"], 1)]
        before = await settled(shared_redis)
        async with deployment(stack, tmp_path, "oms_owner_b") as b:
            assert b.app.state.ownership.shared
            ready = await b.readyz()
            assert ready["status"] == "degraded"
            assert ready["checks"]["redis"] == SHARED == "shared with another deployment"
            assert any("OMS_REDIS_URL=" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
            assert await b.catalogue() == []
            assert (await b.api.get(f"/courses/{first[0]['id']}")).status_code == 404
            course = await b.course("B 1")
            await b.enroll(course, "b_student")
            for _ in range(3):
                assert await b.catalogue() == [course["id"]]
                assert (await b.api.get(f"/courses/{course['id']}")).status_code == 200
            assert await b.popular() == [(course["id"], 1)]  # counted by MongoDB
            after = {key: await shared_redis.dump(key) for key in await shared_redis.keys("oms:*")}
            changed = {text(k) for k in after if before.get(k) != after[k]}  # (A's short-lived keys expire)
            # B touched none of A's cache or ranking keys (only its throttle counters, keyed by username)
            assert {k for k in changed if not k.startswith(("oms:throttle:", "oms:owner"))} == set()
            assert b.app.state.throttle.guard.fenced is None
        # B was stopped first: A still owns the keys
        assert await shared_redis.get(OWNER) == await shared_redis.get(OWNER_LAST)

    async with deployment(stack, tmp_path, "oms_owner_b") as b:  # A has stopped: B takes the keys over
        assert not b.app.state.ownership.shared
        assert (await b.readyz())["checks"]["redis"] == "ok"
        assert not {c["id"] for c in first} & await pop_members(shared_redis)
        ids = await b.catalogue()
        assert len(ids) == 1 and ids == await b.catalogue()


async def test_a_deployment_that_stopped_hands_over_to_one_that_waited(
    stack: Servers, tmp_path: Path, shared_redis: aioredis.Redis, databases: None, rebind: None
) -> None:
    """B started while A ran (so without the keys); when A stops, B's renewal takes them over, clearing A's."""
    async with deployment(stack, tmp_path, "oms_owner_a") as a:
        ids = {(await a.course("A 1"))["id"]}
        await a.catalogue()
        epoch = int(await shared_redis.get(EPOCH) or 0)
    await shared_redis.set(OWNER, b"a-deployment-still-running", ex=60)  # as if A had not stopped
    async with deployment(stack, tmp_path, "oms_owner_b") as b:
        ownership: Ownership = b.app.state.ownership
        assert ownership.shared
        await shared_redis.delete(OWNER)  # A's claim expired
        assert await ownership.check() is Claim.cleared
        assert not ownership.shared and (await b.readyz())["checks"]["redis"] == "ok"
        assert int(await shared_redis.get(EPOCH) or 0) == epoch + 1  # every page A cached is retired
        assert await b.catalogue() == [] == await b.catalogue()
        assert not ids & await pop_members(shared_redis)
        assert await ownership.check() is Claim.owner  # renewing clears nothing


async def test_a_wiped_database_gets_a_new_id_and_the_cache_is_cleared(
    stack: Servers, tmp_path: Path, shared_redis: aioredis.Redis, databases: None, rebind: None
) -> None:
    async with deployment(stack, tmp_path, "oms_owner_a") as a:
        old = await a.course("Before the wipe")
        await a.enroll(old, "a_student")
        await a.catalogue()
        await a.popular()
        old_id = await deployment_id(a.app.state.db)
    MongoClient(stack["mongo"]).drop_database("oms_owner_a")
    async with deployment(stack, tmp_path, "oms_owner_a") as again:
        assert await deployment_id(again.app.state.db) != old_id
        assert await again.catalogue() == []
        assert (await again.api.get(f"/courses/{old['id']}")).status_code == 404
        assert await again.popular() == []
        assert old["id"] not in await pop_members(shared_redis)


async def test_every_worker_of_a_database_gets_the_same_id(stack: Servers, databases: None) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack["mongo"])
    try:
        db = client["oms_owner_a"]
        ids = await asyncio.gather(*(deployment_id(db) for _ in range(8)))
        assert len(set(ids)) == 1 and len(ids[0]) == 32
        doc = await db.deployment.find_one()
        assert doc is not None and doc["id"] == ids[0] and "created_at" in doc
    finally:
        await client.close()


async def test_losing_the_claim_fences_the_owned_keys_only(shared_redis: aioredis.Redis) -> None:
    """A worker whose claim lapsed (paused past the TTL) while another deployment took the keys stops using
    them at its next renewal, and drops what it holds from them; per-user keys stay usable."""
    guard = RedisGuard(shared_redis)
    owned = guard.owned()
    dropped: list[bool] = []
    a = Ownership(guard, owned, "a" * 32, "redis://h:6379/5", on_fence=lambda: dropped.append(True))
    assert await a.start() is Claim.cleared
    try:
        await shared_redis.delete(OWNER)
        other = RedisGuard(shared_redis)
        b = Ownership(other, other.owned(), "b" * 32, "redis://h:6379/5")
        assert await b.check() is Claim.cleared
        assert await a.check() is Claim.shared
        assert a.shared and dropped == [True]
        assert await owned.run(lambda r: r.set(CATALOGUE_GEN, 99), None) is None  # not sent
        assert await shared_redis.get(CATALOGUE_GEN) is None
        assert await guard.run(lambda r: r.ping(), None)  # the unfenced guard still works
    finally:
        await a.stop()


async def test_rebuild_rankings_refuses_while_another_deployment_runs(
    stack: Servers, tmp_path: Path, shared_redis: aioredis.Redis, databases: None, rebind: None
) -> None:
    async with deployment(stack, tmp_path, "oms_owner_a") as a:
        course = await a.course("A 1")
        await a.enroll(course, "a_student")
        assert await a.popular() == [(course["id"], 1)]
        env = process_env(stack, "oms_owner_b", tmp_path, redis_url(stack))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "oms.cli.main", "rebuild-rankings", env=env, stderr=asyncio.subprocess.PIPE
        )
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 1
        assert f"OMS_REDIS_URL={redis_url(stack).rsplit('/', 1)[0]}/{REDIS_DB + 1}" in stderr.decode()
        assert course["id"] in await pop_members(shared_redis)  # A's rankings untouched
    process = await asyncio.create_subprocess_exec(  # A has stopped: B's rankings replace A's
        sys.executable, "-m", "oms.cli.main", "rebuild-rankings", env=env, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    assert course["id"] not in await pop_members(shared_redis)
    assert await shared_redis.exists(POP_BUILT)


async def test_an_import_while_another_deployment_runs_leaves_its_keys_alone(
    stack: Servers, tmp_path: Path, shared_redis: aioredis.Redis, databases: None, rebind: None
) -> None:
    source = tmp_path / "courses.ndjson"
    source.write_bytes(ndjson(course_item("imported-1"), course_item("imported-2")))
    env = process_env(stack, "oms_owner_b", tmp_path, redis_url(stack))
    async with deployment(stack, tmp_path, "oms_owner_a") as a:
        await a.course("A 1")
        await a.catalogue()
        before = await settled(shared_redis)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "oms.cli.main", "import-courses", str(source), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, stderr = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, stderr.decode()
        assert "OMS_REDIS_URL=" in stderr.decode()  # says why the cache was left alone
        after = {key: await shared_redis.dump(key) for key in await shared_redis.keys("oms:*")}
        changed = {text(k) for k in after if before.get(k) != after[k]}
        assert {k for k in changed if not k.startswith("oms:owner")} == set()  # (A renews its own claim)
    async with deployment(stack, tmp_path, "oms_owner_b") as b:  # and B serves what it imported
        assert len(await b.catalogue()) == 2


async def test_started_while_redis_was_down_it_claims_the_keys_when_redis_is_back(
    make_app: MakeApp, redis_process: RedisProcess
) -> None:
    redis_process.stop()
    app: FastAPI = await make_app(redis_url=redis_process.url, redis_retry_s=0.05)
    api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t/api/v1")
    async with api:
        assert (await api.get("/courses")).status_code == 200
        assert (await api.get("/readyz")).json()["checks"]["redis"] == "down"
        redis_process.start()
        await asyncio.sleep(0.2)
        await api.get("/courses")  # probes Redis: the claim comes first, then caching resumes
        hits = app.state.cache.stats.get("hits", 0)
        await api.get("/courses")
        assert app.state.cache.stats.get("hits", 0) == hits + 1
        assert (await api.get("/readyz")).json()["checks"]["redis"] == "ok"
        owner = await app.state.redis.get(OWNER)
        assert owner is not None and owner.decode() == app.state.ownership.deployment


async def test_back_after_an_outage_it_checks_whose_the_keys_are_before_using_them(
    make_app: MakeApp, redis_process: RedisProcess
) -> None:
    """An outage longer than the claim's TTL: another deployment took the keys meanwhile."""
    app: FastAPI = await make_app(redis_url=redis_process.url, redis_retry_s=0.05)
    api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t/api/v1")
    async with api:
        await api.get("/courses")
        redis_process.stop()
        await api.get("/courses")  # the breaker opens
        redis_process.start()
        other = aioredis.from_url(redis_process.url)
        await other.set(OWNER, "another-deployment", ex=60)
        await other.set(OWNER_LAST, "another-deployment")
        await other.set("oms:c:0:courses:x:0", b"not this database's page")
        await other.aclose()
        await asyncio.sleep(0.2)
        for _ in range(3):
            reply = await api.get("/courses")
            assert reply.status_code == 200 and reply.json()["items"] == []
        assert app.state.ownership.shared
        assert app.state.cache.stats.get("hits", 0) == 0
        assert (await api.get("/readyz")).json()["checks"]["redis"] == SHARED


async def test_the_live_claim_goes_with_the_last_worker(shared_redis: aioredis.Redis) -> None:
    """A worker that stops (a restart, a scale-down) leaves its deployment's claim to the others."""
    workers = []
    for _ in range(2):
        guard = RedisGuard(shared_redis)
        workers.append(Ownership(guard, guard.owned(), "a" * 32, "redis://h:6379/5"))
    for worker in workers:
        assert await worker.start() in (Claim.cleared, Claim.owner)
    await workers[0].stop()
    assert await shared_redis.get(OWNER) == b"a" * 32
    await workers[1].stop()
    assert await shared_redis.get(OWNER) is None

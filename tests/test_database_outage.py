"""The database stops mid-run: clear 503s within about a second, never a hang, and recovery by itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.support.api import PASSWORD
from tests.support.factories import MakeApp
from tests.support.servers import MongoProcess


@pytest.fixture
def database(tmp_path: Path) -> Iterator[MongoProcess]:
    """A database this test stops and starts under the app."""
    process = MongoProcess(tmp_path, "oms_outage")
    yield process
    process.stop()


async def test_database_stop_gives_503_fast_and_recovers(make_app: MakeApp, database: MongoProcess) -> None:
    url = database.start()
    app: FastAPI = await make_app(mongodb_url=url, cache_enabled=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        reply = await c.post("/api/v1/auth/register", json={"username": "survivor", "password": PASSWORD})
        assert reply.status_code == 201
        assert (await c.get("/api/v1/courses")).status_code == 200

        database.stop()
        for path in ("/api/v1/courses", "/api/v1/courses/some-course", "/readyz"):
            start = time.monotonic()
            reply = await c.get(path)
            elapsed = time.monotonic() - start
            assert reply.status_code == 503, (path, reply.text)
            assert elapsed < 2.5, (path, elapsed)
            if path != "/readyz":  # readiness answers with its own status document
                assert reply.headers["content-type"] == "application/problem+json"
            else:
                assert reply.json()["checks"]["mongodb"] == "down"
        login = await c.post("/api/v1/auth/login", json={"username": "survivor", "password": PASSWORD})
        assert login.status_code == 503
        assert login.headers["retry-after"]

        database.start()
        recovered = False
        for _ in range(50):
            if (await c.get("/readyz")).status_code == 200:
                recovered = True
                break
        assert recovered
        again = await c.post("/api/v1/auth/login", json={"username": "survivor", "password": PASSWORD})
        assert again.status_code == 200

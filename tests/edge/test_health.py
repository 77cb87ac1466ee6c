"""Liveness and readiness, including a database that is down and a Redis that is down."""

import time

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from oms.cli.devstack import free_port
from oms.config import Settings
from oms.db import make_client


@pytest.mark.redis
async def test_healthz_at_root_and_under_api(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        for path in ("/healthz", "/api/v1/healthz", "/readyz", "/api/v1/readyz"):
            reply = await c.get(path)
            assert reply.status_code == 200, path
            assert reply.json()["status"] == "ok"


@pytest.mark.redis
async def test_readyz_503_quickly_when_mongodb_is_down(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    dead = make_client(settings.model_copy(update={"mongodb_url": f"mongodb://127.0.0.1:{free_port()}/oms"}))
    real, app.state.mongo = app.state.mongo, dead
    try:
        start = time.monotonic()
        reply = await client.get("/readyz")
        elapsed = time.monotonic() - start
    finally:
        app.state.mongo = real
        await dead.close()
    assert reply.status_code == 503
    body = reply.json()
    assert body.pop("search")["state"] == "ready"  # the index still answers from memory
    assert body == {"status": "unavailable", "checks": {"mongodb": "down", "redis": "ok"}}
    assert elapsed < 2.0


async def test_readyz_degraded_when_only_redis_is_down(app: FastAPI, client: httpx.AsyncClient) -> None:
    dead = aioredis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.2)
    real, app.state.redis = app.state.redis, dead
    try:
        reply = await client.get("/readyz")
    finally:
        app.state.redis = real
        await dead.aclose()
    assert reply.status_code == 200
    body = reply.json()
    assert body.pop("search")["state"] == "ready"
    assert body == {"status": "degraded", "checks": {"mongodb": "ok", "redis": "down"}}

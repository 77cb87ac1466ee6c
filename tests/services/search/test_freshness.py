"""The embedded index follows MongoDB's change stream: writes by another worker (or straight to the
database) are searchable within a second, a restarted worker resumes from its saved token instead of
rebuilding, and a lost token means a rebuild."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from beanie import init_beanie
from bson import ObjectId
from fastapi import FastAPI

from oms.clock import utcnow
from oms.documents import DOCUMENT_MODELS
from oms.main import create_app
from tests.support.api import Actor
from tests.support.settings import make_settings


def api(application: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://w/api/v1")


async def found(application: FastAPI, q: str, within_s: float = 1.0) -> float | None:
    """Seconds until `q` finds something on this app (None if not within the time)."""
    start = time.monotonic()
    async with api(application) as c:
        while time.monotonic() - start < within_s:
            if (await c.get("/courses", params={"q": q})).json()["total"]:
                return time.monotonic() - start
            await asyncio.sleep(0.01)
    return None


async def gone(application: FastAPI, q: str, within_s: float = 1.0) -> bool:
    start = time.monotonic()
    async with api(application) as c:
        while time.monotonic() - start < within_s:
            if (await c.get("/courses", params={"q": q})).json()["total"] == 0:
                return True
            await asyncio.sleep(0.01)
    return False


def raw_course(name: str, **fields: Any) -> dict[str, Any]:
    now = utcnow()
    return {
        "slug": f"c-{ObjectId()}",
        "name": name,
        "description": "",
        "content": "",
        "tags": [],
        "status": "published",
        "sections": [],
        "created_at": now,
        "updated_at": now,
        "version": 1,
        **fields,
    }


async def test_edits_on_one_worker_are_searchable_on_another_within_a_second(
    app: FastAPI, client: httpx.AsyncClient, admin: Actor, make_app: Any
) -> None:
    other = await make_app()
    course = (
        await client.post(
            "/courses", json={"name": "Quantum Basics", "status": "published"}, headers=admin.headers
        )
    ).json()
    assert await found(other, "quantum") is not None
    renamed = await client.patch(
        f"/courses/{course['id']}", json={"name": "Photonics Basics"}, headers=admin.headers
    )
    assert renamed.status_code == 200
    assert await found(other, "photonics") is not None
    assert await gone(other, "quantum")
    assert (await client.delete(f"/courses/{course['id']}", headers=admin.headers)).status_code == 204
    assert await gone(other, "photonics")
    # and a page the other worker cached before the edit is not served after it
    async with api(other) as c:
        assert (await c.get("/courses")).json()["total"] == 0


async def test_direct_database_writes_reach_every_worker(app: FastAPI, make_app: Any) -> None:
    other = await make_app()
    courses = app.state.db["courses"]
    inserted = await courses.insert_one(raw_course("Volcanology Field Trip"))
    assert await found(app, "volcanology") is not None
    assert await found(other, "volcanology") is not None
    await courses.update_one(
        {"_id": inserted.inserted_id}, {"$set": {"status": "archived"}, "$inc": {"version": 1}}
    )
    assert await gone(app, "volcanology") and await gone(other, "volcanology")
    status = app.state.search.status()
    assert status.state == "ready" and status.lag_s is not None and status.lag_s < 1


async def test_restarted_worker_resumes_from_its_token(
    app: FastAPI, stack: dict[str, str], tmp_path: Path
) -> None:
    settings = make_settings(stack, tmp_path)
    courses = app.state.db["courses"]
    await courses.insert_one(raw_course("Glaciology"))
    first = create_app(settings)
    try:
        async with LifespanManager(first):
            assert await found(first, "glaciology") is not None
            await asyncio.sleep(1.2)  # an idle follower still saves its token now and then
        token = json.loads((tmp_path / "search" / "worker-0" / "token.json").read_text())
        assert token["token"]
        await courses.insert_one(raw_course("Seismology"))  # written while the worker is down
        second = create_app(settings)
        async with LifespanManager(second):
            assert await found(second, "seismology", within_s=3) is not None
            assert await found(second, "glaciology") is not None
            assert second.state.search.follower.rebuilds == 0  # caught up from the token, no full read
        (tmp_path / "search" / "worker-0" / "token.json").write_text(
            '{"schema": 1, "token": {"_data": "zz"}}'
        )
        third = create_app(settings)
        async with LifespanManager(third):  # a token the server refuses: rebuilt instead
            follower = third.state.search.follower
            for _ in range(300):  # the rebuild runs in the background
                if follower.rebuilds == 1 and third.state.search.status().state == "ready":
                    break
                await asyncio.sleep(0.01)
            assert follower.rebuilds == 1
            assert await found(third, "seismology", within_s=3) is not None
    finally:
        await init_beanie(database=app.state.db, document_models=DOCUMENT_MODELS)


async def test_readyz_reports_the_index(client: httpx.AsyncClient, app: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://w") as c:
        body = (await c.get("/readyz")).json()
    assert body["search"]["backend"] == "embedded"
    assert body["search"]["state"] == "ready"
    assert isinstance(body["search"]["documents"], int)

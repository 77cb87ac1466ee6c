"""Cache-aside on real Redis: hits skip MongoDB, writes are never hidden, concurrent misses load once."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oms.services import courses as course_service
from tests.support.api import Actor
from tests.support.factories import MakeApp, MakeCourse


def stats(app: FastAPI) -> dict[str, Any]:
    return dict(app.state.cache.stats)


@pytest.mark.redis
async def test_second_read_is_a_hit_that_skips_mongodb(
    app: FastAPI, client: httpx.AsyncClient, make_course: MakeCourse, loads: list[str]
) -> None:
    course = await make_course()
    first = await client.get(f"/courses/{course['id']}")
    before = stats(app)
    second = await client.get(f"/courses/{course['id']}")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {**course, "sections": course["sections"]}
    assert second.headers["etag"] == first.headers["etag"] == course_etag(course)
    assert second.headers["content-type"] == "application/json"
    assert loads == [course["id"]]
    assert stats(app)["hits"] == before.get("hits", 0) + 1


def course_etag(course: dict[str, Any]) -> str:
    return f'"{course["id"]}-{course["version"]}"'


async def test_304_from_a_cached_reply(
    client: httpx.AsyncClient, make_course: MakeCourse, loads: list[str]
) -> None:
    course = await make_course()
    etag = (await client.get(f"/courses/{course['slug']}")).headers["etag"]
    await client.get(f"/courses/{course['slug']}")
    reply = await client.get(f"/courses/{course['slug']}", headers={"If-None-Match": etag})
    assert reply.status_code == 304
    assert reply.content == b""
    assert reply.headers["etag"] == etag


async def test_every_write_shows_at_once(
    client: httpx.AsyncClient, admin: Actor, make_course: MakeCourse
) -> None:
    course = await make_course(sections=2)
    ref, slug = f"/courses/{course['id']}", f"/courses/{course['slug']}"

    async def both() -> tuple[dict[str, Any], dict[str, Any]]:
        by_id, by_slug = await client.get(ref), await client.get(slug)
        assert by_id.status_code == by_slug.status_code == 200
        return by_id.json(), by_slug.json()

    await both()
    await both()  # cached now
    assert (await client.patch(ref, json={"name": "Renamed"}, headers=admin.headers)).status_code == 200
    assert all(c["name"] == "Renamed" for c in await both())

    added = await client.post(f"{ref}/sections", json={"title": "Extra"}, headers=admin.headers)
    assert added.status_code == 201
    assert all(c["sections"][-1]["title"] == "Extra" for c in await both())

    sid = course["sections"][0]["section_id"]
    edited = await client.patch(f"{ref}/sections/{sid}", json={"title": "First!"}, headers=admin.headers)
    assert edited.status_code == 200
    assert all(c["sections"][0]["title"] == "First!" for c in await both())

    order = [s["section_id"] for s in reversed((await both())[0]["sections"])]
    assert (
        await client.put(f"{ref}/sections/order", json={"section_ids": order}, headers=admin.headers)
    ).is_success
    assert all([s["section_id"] for s in c["sections"]] == order for c in await both())

    assert (await client.delete(f"{ref}/sections/{sid}", headers=admin.headers)).status_code == 204
    assert all(sid not in [s["section_id"] for s in c["sections"]] for c in await both())

    etag = (await client.get(ref)).headers["etag"]
    assert etag == f'"{course["id"]}-{(await both())[0]["version"]}"'

    assert (await client.delete(ref, headers=admin.headers)).status_code == 204
    assert (await client.get(ref)).status_code == 404
    assert (await client.get(slug)).status_code == 404


async def test_slug_change_and_publish_show_at_once(
    client: httpx.AsyncClient, admin: Actor, make_course: MakeCourse
) -> None:
    course = await make_course()
    old = f"/courses/{course['slug']}"
    await client.get(old)
    await client.get(old)
    moved = await client.patch(f"/courses/{course['id']}", json={"slug": "brand-new"}, headers=admin.headers)
    assert moved.status_code == 200
    assert (await client.get(old)).status_code == 404
    assert (await client.get("/courses/brand-new")).json()["id"] == course["id"]

    draft = await make_course(status="draft")
    assert (await client.get(f"/courses/{draft['id']}")).status_code == 404
    assert (await client.get(f"/courses/{draft['id']}")).status_code == 404
    published = await client.patch(
        f"/courses/{draft['id']}", json={"status": "published"}, headers=admin.headers
    )
    assert published.status_code == 200
    assert (await client.get(f"/courses/{draft['id']}")).status_code == 200


@pytest.mark.redis
async def test_catalogue_pages_are_cached_and_invalidated(
    app: FastAPI, client: httpx.AsyncClient, admin: Actor, make_course: MakeCourse
) -> None:
    first = await make_course(name="Alpha course")
    page = await client.get("/courses", params={"q": "alpha"})
    hits = stats(app).get("hits", 0)
    again = await client.get("/courses", params={"q": "  ALPHA  "})  # normalised to the same page
    assert again.json() == page.json()
    assert stats(app)["hits"] == hits + 1
    assert again.json()["total"] == 1

    await make_course(name="Alpha two")
    assert (await client.get("/courses", params={"q": "alpha"})).json()["total"] == 2
    await client.patch(f"/courses/{first['id']}", json={"name": "Beta"}, headers=admin.headers)
    names = [c["name"] for c in (await client.get("/courses", params={"q": "alpha"})).json()["items"]]
    assert names == ["Alpha two"]


async def test_admins_still_see_drafts_and_their_own_filters(
    client: httpx.AsyncClient, admin: Actor, make_course: MakeCourse
) -> None:
    draft = await make_course(status="draft")
    await client.get("/courses")
    listed = await client.get("/courses", headers=admin.headers)
    assert draft["id"] in [c["id"] for c in listed.json()["items"]]
    assert (await client.get(f"/courses/{draft['id']}", headers=admin.headers)).status_code == 200


@pytest.mark.redis
async def test_no_user_text_in_redis_keys(
    app: FastAPI, client: httpx.AsyncClient, make_course: MakeCourse
) -> None:
    course = await make_course()
    marker = "zz<script>drop"
    await client.get("/courses", params={"q": marker, "tag": "evil tag"})
    await client.get(f"/courses/{course['slug']}")
    await client.get(f"/courses/{course['slug']}")
    await client.get("/courses/no-such-course-zz")
    keys = [k.decode() async for k in app.state.redis.scan_iter(match="*")]
    assert keys
    assert not [k for k in keys if "script" in k or "evil" in k or "no-such" in k]


async def test_fifty_concurrent_misses_cause_one_database_read(
    client: httpx.AsyncClient, make_course: MakeCourse, loads: list[str]
) -> None:
    course = await make_course()
    replies = await asyncio.gather(*(client.get(f"/courses/{course['id']}") for _ in range(50)))
    assert {r.status_code for r in replies} == {200}
    assert {r.json()["id"] for r in replies} == {course["id"]}
    assert loads == [course["id"]]


@pytest.mark.redis
async def test_concurrent_catalogue_misses_cause_one_read(
    client: httpx.AsyncClient, make_course: MakeCourse, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_course()
    calls = 0
    real = course_service.catalogue

    async def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return await real(*args, **kwargs)

    monkeypatch.setattr(course_service, "catalogue", counting)
    replies = await asyncio.gather(*(client.get("/courses", params={"limit": 5}) for _ in range(30)))
    assert {r.status_code for r in replies} == {200}
    assert calls == 1


async def test_cache_can_be_turned_off(make_app: MakeApp, make_course: MakeCourse, loads: list[str]) -> None:
    app = await make_app(cache_enabled=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t/api/v1") as c:
        course = await make_course()
        for _ in range(3):
            assert (await c.get(f"/courses/{course['id']}")).status_code == 200
    assert len(loads) == 3


@pytest.mark.redis
async def test_cached_reads_by_id_skip_routing_but_not_logs_or_headers(
    client: httpx.AsyncClient, make_course: MakeCourse, loads: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    course = await make_course()
    path = f"/courses/{course['id']}"
    etag = (await client.get(path)).headers["etag"]
    with caplog.at_level("INFO", logger="oms.access"):
        hit = await client.get(path, headers={"X-Request-ID": "fast-1"})
        not_modified = await client.get(path, headers={"If-None-Match": f"W/{etag}"})
        head = await client.head(path)
    assert hit.status_code == 200 and hit.json()["id"] == course["id"]
    assert hit.headers["x-request-id"] == "fast-1"
    assert hit.headers["x-content-type-options"] == "nosniff"
    assert hit.headers["server-timing"].startswith("app;dur=")
    assert (not_modified.status_code, not_modified.content, not_modified.headers["etag"]) == (304, b"", etag)
    assert head.status_code == 405  # as on the route: the fast path answers exactly what the route would
    assert loads == [course["id"]]
    routes = {
        r.__dict__["route"]
        for r in caplog.records
        if r.name == "oms.access" and r.__dict__["method"] != "POST"
    }
    assert routes == {"/api/v1/courses/{course_ref}"}


@pytest.mark.redis
async def test_a_load_lock_is_released_only_by_its_owner(app: FastAPI) -> None:
    cache = app.state.cache
    assert await cache.lock("slow-page")
    await app.state.redis.set("oms:lock:slow-page", "another-process", px=2000)  # ours expired, theirs now
    await cache.unlock("slow-page")
    assert await app.state.redis.get("oms:lock:slow-page") == b"another-process"
    assert await cache.lock("own-page")
    await cache.unlock("own-page")
    assert await app.state.redis.get("oms:lock:own-page") is None


async def test_waiters_load_for_themselves_when_the_loading_request_is_cancelled(app: FastAPI) -> None:
    cache = app.state.cache
    started = asyncio.Event()

    async def stuck() -> str:
        started.set()
        await asyncio.sleep(60)
        return "never"

    async def quick() -> str:
        return "loaded by the waiter"

    loader = asyncio.create_task(cache.single_flight("page", stuck))
    await started.wait()
    waiter = asyncio.create_task(cache.single_flight("page", quick))
    await asyncio.sleep(0)
    loader.cancel()  # its client went away
    assert await asyncio.wait_for(waiter, 5) == "loaded by the waiter"
    with pytest.raises(asyncio.CancelledError):
        await loader

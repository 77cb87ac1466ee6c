"""Course pages held in the process: no Redis round trip on a hit, and still never stale.

Exactness comes from Redis CLIENT TRACKING (broadcast) on a real redis-server: writes from another app
process, a flush and a Redis restart are all seen.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from oms.clock import utcnow
from oms.redis_store import pop_bucket as bucket
from oms.services.pagecache.near_cache import INCOMPLETE, NearCache, NearPage, near_cache_for, parse_resp
from tests.support.api import Actor
from tests.support.factories import MakeApp, MakeCourse
from tests.support.servers import RedisProcess


async def until(condition: Any, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached in time")


def near_of(app: FastAPI) -> NearCache:
    near: NearCache | None = app.state.cache.near
    assert near is not None
    return near


async def held(app: FastAPI, client: httpx.AsyncClient, course_id: str) -> httpx.Response:
    """Read a course until this app holds its page (a miss, then a Redis hit that is kept)."""
    await until(lambda: near_of(app).live)
    for _ in range(20):  # a page read while an invalidation (say, the epoch bump after an outage) arrives
        reply = await client.get(f"/courses/{course_id}")  # is not kept: the next read keeps it
        assert reply.status_code == 200
        if near_of(app).get(course_id) is not None:
            return reply
        await asyncio.sleep(0.01)
    raise AssertionError("page never held")


def no_redis_reads(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a held page was read from Redis")

    monkeypatch.setattr(app.state.cache, "_read_course", refuse)


def test_resp_replies_are_parsed_across_fragments() -> None:
    message = b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$15\r\noms:cgen:abcdef\r\n"
    for cut in range(len(message)):
        value, end = parse_resp(message[:cut], 0)
        assert (value, end) == (INCOMPLETE, 0), cut  # nothing consumed until the reply is whole
    assert parse_resp(message, 0) == (
        [b"message", b"__redis__:invalidate", [b"oms:cgen:abcdef"]],
        len(message),
    )
    assert parse_resp(b"$-1\r\n:42\r\n", 0) == (None, 5)
    assert parse_resp(b"$-1\r\n:42\r\n", 5) == (42, 10)
    error, _ = parse_resp(b"-ERR unknown\r\n", 0)
    assert str(error) == "ERR unknown"
    with pytest.raises(ValueError, match="RESP2"):
        parse_resp(b"?what\r\n", 0)


def test_a_page_read_while_something_changed_is_not_kept() -> None:
    near = NearCache({}, max_bytes=1 << 20, ttl_s=60)
    near.live, near.heard_until = True, float("inf")
    page = NearPage("a" * 24, b"{}", '"e"', "slug", "0", "1", expires=float("inf"))
    seq = near.seq
    near.invalidate([b"oms:cgen:" + b"b" * 24])  # any invalidation while it was being read
    assert not near.put(seq, page)
    assert near.put(near.seq, page)
    assert near.get("slug", is_slug=True) is page
    near.invalidate(None)  # FLUSHALL / FLUSHDB
    assert near.get(page.course_id) is None


def test_held_pages_stay_within_their_budget() -> None:
    near = NearCache({}, max_bytes=8 * 1000, ttl_s=60)
    near.live, near.heard_until = True, float("inf")
    for i in range(20):
        assert near.put(near.seq, NearPage(f"{i:024x}", b"x" * 900, '"e"', f"s{i}", "0", "1", float("inf")))
    assert near.size <= 8 * 1000
    assert near.get(f"{19:024x}") is not None and near.get(f"{0:024x}") is None  # oldest went first


@pytest.mark.redis
async def test_a_held_page_is_served_without_redis(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_course: MakeCourse,
    loads: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    course = await make_course()
    first = await held(app, client, course["id"])
    no_redis_reads(app, monkeypatch)
    before = dict(app.state.cache.stats)
    again = await client.get(f"/courses/{course['id']}")
    by_slug = await client.get(f"/courses/{course['slug']}")
    assert again.content == by_slug.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert app.state.cache.stats["near_hits"] == before.get("near_hits", 0) + 2
    assert loads == [course["id"]]
    # the views of held pages reach the ranking: 1 enrollment-free course, 3 + views so far
    ranked = (await client.get("/courses/popular", params={"window": "7d"})).json()["items"]
    assert ranked[0]["course"]["id"] == course["id"] and ranked[0]["score"] > 0


@pytest.mark.redis
async def test_held_pages_are_served_only_while_redis_answers_heartbeats(
    app: FastAPI, client: httpx.AsyncClient, make_course: MakeCourse
) -> None:
    course = await make_course()
    await held(app, client, course["id"])
    near = near_of(app)
    near.heard_until = 0.0  # as if the connection had gone silent: invalidations might be missed
    assert near.get(course["id"]) is None
    await until(lambda: near.get(course["id"]) is not None)  # the next PONG: served again, nothing changed


@pytest.mark.redis
async def test_a_stray_publish_on_the_invalidation_channel_forgets_everything(
    app: FastAPI, client: httpx.AsyncClient, make_course: MakeCourse
) -> None:
    course = await make_course()
    await held(app, client, course["id"])
    await app.state.redis.publish("__redis__:invalidate", "not a list of keys")
    await until(lambda: near_of(app).get(course["id"]) is None)
    assert near_of(app).live  # and the subscription carries on
    assert (await client.get(f"/courses/{course['id']}")).json()["id"] == course["id"]


@pytest.mark.redis
async def test_a_write_from_another_process_is_seen_at_once(
    app: FastAPI, client: httpx.AsyncClient, make_app: MakeApp, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course()
    await held(app, client, course["id"])
    other = await make_app()  # another worker: same MongoDB and Redis, its own memory
    transport = httpx.ASGITransport(app=other)
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as other_client:
        for name in ("Renamed once", "Renamed twice"):
            path = f"/courses/{course['id']}"
            edit = await other_client.patch(path, json={"name": name}, headers=admin.headers)
            assert edit.status_code == 200
            assert (await client.get(path)).json()["name"] == name
            await held(app, client, course["id"])


async def test_held_pages_are_dropped_when_redis_goes_and_kept_again_when_it_returns(
    make_app: MakeApp,
    make_course: MakeCourse,
    admin: Actor,
    redis_process: RedisProcess,
) -> None:
    own = await make_app(redis_url=redis_process.url, redis_retry_s=0.05)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=own), base_url="http://t/api/v1") as api:
        course = await make_course()
        path = f"/courses/{course['id']}"
        await held(own, api, course["id"])
        redis_process.stop()
        await until(lambda: not near_of(own).live)
        assert near_of(own).get(course["id"]) is None
        edit = await api.patch(path, json={"name": "Edited while Redis was away"}, headers=admin.headers)
        assert edit.status_code == 200
        assert (await api.get(path)).json()["name"] == "Edited while Redis was away"
        redis_process.start()
        reply = await held(own, api, course["id"])
        assert reply.json()["name"] == "Edited while Redis was away"


async def test_the_near_cache_can_be_turned_off(
    make_app: MakeApp, client: httpx.AsyncClient, make_course: MakeCourse
) -> None:
    own = await make_app(near_cache_mb=0)
    assert own.state.cache.near is None
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=own), base_url="http://t/api/v1") as api:
        course = await make_course()
        for _ in range(3):
            assert (await api.get(f"/courses/{course['id']}")).json()["id"] == course["id"]
    assert own.state.cache.stats.get("near_hits", 0) == 0


@pytest.mark.redis
async def test_views_counted_in_memory_reach_the_day_and_all_time_sets(app: FastAPI) -> None:
    views = app.state.rankings.views
    redis = app.state.redis
    day = bucket("view", utcnow())
    await views.flush()  # views of earlier tests' course reads may still be buffered: send them, then
    await redis.delete(day, bucket("view", "all"))  # start both sets empty
    for course_id, n in (("a" * 24, 3), ("b" * 24, 1), ("c" * 24, 2)):
        for _ in range(n):
            views.add(course_id)
    assert views.pending == 6
    await views.flush()
    assert views.pending == 0
    for key in (day, bucket("view", "all")):
        rows = await redis.zrange(key, 0, -1, withscores=True)
        assert {m.decode(): s for m, s in rows} == {"a" * 24: 3.0, "b" * 24: 1.0, "c" * 24: 2.0}
    assert 0 < await redis.ttl(day) <= 40 * 24 * 3600


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://cache.internal:6380/2", {"host": "cache.internal", "port": 6380, "tls": False}),
        ("redis://:s3cret@cache.internal:6379/0", {"password": "s3cret", "tls": False}),
        ("rediss://cache.internal:6390/0", {"host": "cache.internal", "tls": True, "verify": True}),
        ("rediss://cache.internal:6390/0?ssl_cert_reqs=none", {"tls": True, "verify": False}),
        ("unix:///run/redis.sock", None),  # no TCP: the near cache stays off
    ],
)
def test_the_near_cache_connects_as_the_redis_url_says(url: str, expected: dict[str, Any] | None) -> None:
    near = near_cache_for(aioredis.from_url(url), max_bytes=1 << 20, ttl_s=60, timeout_s=1, retry_s=5)
    if expected is None:
        assert near is None
        return
    assert near is not None
    tls = near.connection["ssl"]
    seen = {**near.connection, "tls": tls is not None}
    if tls is not None:
        seen["verify"] = tls.verify_mode != ssl.CERT_NONE
    assert {k: seen[k] for k in expected} == expected


@pytest.mark.redis
async def test_a_page_kept_while_the_writer_tells_redis_is_dropped_even_if_redis_missed_the_write(
    app: FastAPI, client: httpx.AsyncClient, make_course: MakeCourse, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = await make_course()
    await held(app, client, course["id"])
    near, cache = near_of(app), app.state.cache
    old_page = near.get(course["id"])
    assert old_page is not None

    async def redis_missed_it(op: Any, default: Any) -> Any:
        assert near.put(near.seq, old_page)  # another request read the old page from Redis meanwhile
        return default  # and the generation bump never reached Redis: no broadcast will come

    monkeypatch.setattr(cache.guard, "run", redis_missed_it)
    await cache.invalidate_course(course["id"])
    monkeypatch.undo()
    assert near.get(course["id"]) is None


async def test_stop_ends_the_subscription_even_when_a_cancellation_is_swallowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On Python 3.11 `asyncio.wait_for` swallows a cancellation that arrives just as the connect it waits on
    fails (Redis just stopped): the app's shutdown must not wait on a loop that goes on reconnecting."""
    near = NearCache(
        {"host": "127.0.0.1", "port": 9, "ssl": None},
        max_bytes=1 << 20,
        ttl_s=60,
        timeout_s=1.0,
        retry_s=0.01,
    )
    swallowed: list[bool] = []

    async def session_whose_connect_failed_as_it_was_cancelled() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:  # as wait_for does when its inner future is already done
            swallowed.append(True)
            raise ConnectionRefusedError("connection refused") from None

    monkeypatch.setattr(near, "_session", session_whose_connect_failed_as_it_was_cancelled)
    near.start()
    await asyncio.sleep(0.05)
    await asyncio.wait_for(near.stop(), 5)
    assert swallowed == [True]

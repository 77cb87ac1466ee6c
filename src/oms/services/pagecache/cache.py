"""Cache-aside for hot reads: course pages, catalogue pages, the popular list.

Replies are stored as the exact JSON bytes sent to clients, so a hit costs one Redis round trip and no
MongoDB or model work. Staleness is ruled out by generations rather than by deleting keys (the keys are
named in `oms.redis_store`):

- a course's generation (`course_gen`) goes up on every write to it; its page is cached under that number;
- the catalogue generation goes up on every write to any course; catalogue and popular pages are cached
  under it;
- the epoch prefixes every cached key; it goes up when a write could not reach Redis, so after an outage
  nothing cached before it is ever read again.

A reader takes the generation *before* it reads MongoDB, so a page read before a write can only be stored
under the old generation, which no one reads any more. Keys hold only ids, numbers and hashes of
validated parameters, never raw user text. Course pages read from Redis are also held in the process
(`near_cache`) while Redis can tell it when they change; those hits cost no round trip, and the views they
count reach Redis within a second (`ViewBuffer`).
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from oms.redis_store import (
    CATALOGUE_GEN,
    COURSE,
    COURSE_GEN_PREFIX,
    EPOCH,
    PAGE_PREFIX,
    POP_BUCKET_TTL_S,
    SLUG,
    RedisGuard,
    course_gen,
    page_key,
    pop_bucket,
)
from oms.services.pagecache.load_once import LoadOnce
from oms.services.pagecache.near_cache import NearCache, NearPage
from oms.services.popularity.view_counts import ViewBuffer

# One round trip for a course page: epoch, slug -> id, the course's generation, the cached page; on a hit
# the view is counted in the popularity buckets.
# KEYS: the epoch, today's view bucket, the all-time view set.
# ARGV: the course id or slug, '1' if a slug, '1' to count a view, then _KEY_LAYOUT: the page prefix, the
# slug and course page kinds (keys built as `page_key` builds them), the course generation prefix, the view
# bucket's TTL.
_READ_COURSE = """
local epoch = redis.call('GET', KEYS[1]) or '0'
local pages = ARGV[4] .. epoch .. ':'
local id = ARGV[1]
if ARGV[2] == '1' then
  id = redis.call('GET', pages .. ARGV[5] .. ':' .. ARGV[1])
  if not id then return {epoch, false, false, false, false} end
end
local gen = redis.call('GET', ARGV[7] .. id) or '0'
local page = redis.call('HMGET', pages .. ARGV[6] .. ':' .. id .. ':' .. gen, 'body', 'etag', 'slug')
if not page[1] or (ARGV[2] == '1' and page[3] ~= ARGV[1]) then return {epoch, id, gen, false, false} end
if ARGV[3] == '1' then
  redis.call('ZINCRBY', KEYS[2], 1, id)
  redis.call('EXPIRE', KEYS[2], ARGV[8])
  redis.call('ZINCRBY', KEYS[3], 1, id)
end
return {epoch, id, gen, page[1], page[2], page[3]}
"""

# One round trip for a list page: epoch, catalogue generation, the cached page under both.
# KEYS: the epoch, the catalogue generation; ARGV: the page prefix, the page's parameters part.
_READ_LIST = """
local epoch = redis.call('GET', KEYS[1]) or '0'
local gen = redis.call('GET', KEYS[2]) or '0'
return {epoch, gen, redis.call('GET', ARGV[1] .. epoch .. ':' .. ARGV[2] .. ':' .. gen)}
"""
_KEY_LAYOUT: list[str | int] = [PAGE_PREFIX, SLUG, COURSE, COURSE_GEN_PREFIX, POP_BUCKET_TTL_S]


@dataclass(frozen=True)
class CoursePage:
    """A cached course reply, or where to store one after a miss."""

    epoch: str
    course_id: str | None
    gen: str | None
    body: bytes | None = None
    etag: str | None = None


@dataclass(frozen=True)
class ListPage:
    """A cached list reply (or None) and the key to store one under."""

    key: str
    body: bytes | None


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def params_key(kind: str, **params: Any) -> str:
    """A key part from validated parameters: a short hash, so no user text reaches Redis."""
    canonical = "&".join(f"{k}={params[k]}" for k in sorted(params))
    return f"{kind}:{hashlib.sha1(canonical.encode(), usedforsecurity=False).hexdigest()[:20]}"


class Cache(LoadOnce):
    """Course, catalogue and popular-list pages in Redis, with hit/miss counters."""

    def __init__(
        self,
        guard: RedisGuard,
        ttl_s: int = 300,
        enabled: bool = True,
        near: NearCache | None = None,
        views: ViewBuffer | None = None,
    ) -> None:
        super().__init__(guard)
        self.ttl_s = ttl_s
        self.enabled = enabled
        self.near = near if enabled else None
        self.views = views or ViewBuffer(guard)
        self._read_course = guard.client.register_script(_READ_COURSE)
        self._read_list = guard.client.register_script(_READ_LIST)
        guard.on_recovery(self._after_outage)

    @property
    def stats(self) -> dict[str, Any]:
        """Hits, misses, errors and the breaker's state."""
        return self.guard.snapshot()

    def _ttl(self) -> int:
        return max(1, int(self.ttl_s * random.uniform(0.9, 1.1)))  # noqa: S311  # jitter, not security

    def _count(self, hit: bool) -> None:
        self.guard.count("hits" if hit else "misses")

    # --- course pages -------------------------------------------------------------------------------

    def held(self, ref: str, is_slug: bool = False, count_view: bool = True) -> NearPage | None:
        """The page this process holds for a course id or slug (a hit, and a view when `count_view`), if
        any: no Redis round trip, no await."""
        page = self.near.get(ref, is_slug) if self.near is not None else None
        if page is not None:
            self.guard.count("near_hits")
            self._count(True)
            if count_view:
                self.views.add(page.course_id)
        return page

    async def course(
        self, ref: str, is_slug: bool, view_bucket: str = "", count_miss: bool = True
    ) -> CoursePage | None:
        """The cached page for a course id or slug (a hit counts a view in `view_bucket`);
        None when Redis is off or the cache disabled, and then nothing should be stored either."""
        if not self.enabled:
            return None
        near = self.near
        if near is not None:
            held = self.held(ref, is_slug, count_view=bool(view_bucket))
            if held is not None:
                return CoursePage(held.epoch, held.course_id, held.gen, held.body, held.etag)
            seq = near.seq

        views = [pop_bucket("view", view_bucket or "all"), pop_bucket("view", "all")]
        args = [ref, "1" if is_slug else "0", "1" if view_bucket else "0", *_KEY_LAYOUT]

        async def read(r: aioredis.Redis) -> list[Any]:
            return list(await self._read_course(keys=[EPOCH, *views], args=args))

        row = await self.guard.run(read, None)
        if row is None:
            return None
        epoch, course_id, gen = (v.decode() if v else "0" for v in row[:3])
        if row[3] or count_miss:
            self._count(bool(row[3]))
        if not row[3]:
            return CoursePage(epoch, course_id if row[1] else None, gen if row[2] else None)
        page = CoursePage(epoch, course_id, gen, row[3], row[4].decode())
        if near is not None:
            expires = time.monotonic() + self.ttl_s / 2
            near.put(seq, NearPage(course_id, row[3], row[4].decode(), row[5].decode(), epoch, gen, expires))
        return page

    async def remember_slug(self, epoch: str, slug: str, course_id: str) -> None:
        """Map a slug to its course id, so later reads by slug are one round trip."""

        async def write(r: aioredis.Redis) -> None:
            await r.set(page_key(epoch, SLUG, slug), course_id, ex=self._ttl())

        await self.guard.run(write, None)

    async def store_course(self, page: CoursePage, body: bytes, etag: str, slug: str) -> None:
        """Keep a course reply under the epoch and generation read before it was loaded."""
        key = page_key(page.epoch, COURSE, page.course_id or "", page.gen or "0")

        async def write(r: aioredis.Redis) -> None:
            async with r.pipeline(transaction=False) as pipe:
                pipe.hset(key, mapping={"body": body, "etag": etag, "slug": slug})
                pipe.expire(key, self._ttl())
                await pipe.execute()

        await self.guard.run(write, None)

    # --- list pages ---------------------------------------------------------------------------------

    async def page(self, kind: str, **params: Any) -> ListPage | None:
        """A cached list reply for these parameters (under the current catalogue generation)."""
        if not self.enabled:
            return None
        part = params_key(kind, **params)

        async def read(r: aioredis.Redis) -> list[Any]:
            return list(await self._read_list(keys=[EPOCH, CATALOGUE_GEN], args=[PAGE_PREFIX, part]))

        row = await self.guard.run(read, None)
        if row is None:
            return None
        epoch, gen, body = _text(row[0]), _text(row[1]), row[2]
        self._count(body is not None)
        return ListPage(page_key(epoch or "0", part, gen or "0"), body)

    async def read_page(self, key: str) -> bytes | None:
        """A stored list reply by the key `page()` gave, or None."""

        async def read(r: aioredis.Redis) -> bytes | None:
            value = await r.get(key)
            return value if isinstance(value, bytes) else None

        return await self.guard.run(read, None)

    async def store_page(self, page: ListPage, body: bytes, ttl_s: int | None = None) -> None:
        """Keep a list reply under the key `page()` gave before the load."""

        async def write(r: aioredis.Redis) -> None:
            await r.set(page.key, body, ex=ttl_s or self._ttl())

        await self.guard.run(write, None)

    # --- writes -------------------------------------------------------------------------------------

    async def invalidate_course(self, course_id: str | None) -> None:
        """After a write: no page cached before it is read again (all pages, if Redis cannot be told)."""

        def forget_held() -> None:
            if self.near is not None and course_id:
                self.near.forget(course_id)
            elif self.near is not None:
                self.near.invalidate(None)

        async def bump(r: aioredis.Redis) -> bool:
            async with r.pipeline(transaction=False) as pipe:
                if course_id:
                    pipe.incr(course_gen(course_id))
                pipe.incr(CATALOGUE_GEN)
                await pipe.execute()
            return True

        forget_held()
        try:  # if Redis misses the bump, the breaker is open now and its recovery bumps the epoch
            await self.guard.run(bump, False)
        finally:  # and again: a page another request read from Redis before the bump may have been kept
            forget_held()

    async def _after_outage(self) -> None:
        # Another worker may have written while Redis was unreachable for it: after any outage seen here,
        # retire every page cached before it (a colder cache for a moment, never a stale page).
        async def bump(r: aioredis.Redis) -> bool:
            await r.incr(EPOCH)
            return True

        await self.guard.run(bump, False)  # failing, it trips the breaker again: the next recovery retries

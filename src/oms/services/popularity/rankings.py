"""Popularity rankings in Redis sorted sets, rebuilt from MongoDB whenever Redis has lost them.

Enrollments and course views go into per-day buckets (sorted sets named by `redis_store.pop_bucket`, kept
40 days) and all-time sets. A window's ranking is the weighted union of its days' buckets:
score = enrollments + VIEW_WEIGHT × views. Enrollments are rebuilt from the `enrollments` collection
(`oms rebuild-rankings`, or by itself when the keys are missing); views are a soft signal kept only in Redis.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import redis.asyncio as aioredis
from beanie import PydanticObjectId

from oms.clock import utcnow
from oms.deadlines import job_deadline
from oms.documents import Enrollment
from oms.redis_store import (
    POP_BUCKET_TTL_S,
    POP_BUILT,
    POP_REBUILD_TTL_S,
    POP_REBUILDING,
    POP_REBUILT_PATTERNS,
    POP_UNION_TTL_S,
    RedisGuard,
    pop_bucket,
    pop_union,
)
from oms.services.popularity.view_counts import ViewBuffer

log = logging.getLogger(__name__)

VIEW_WEIGHT = 0.1


class Window(StrEnum):
    week = "7d"
    month = "30d"
    all = "all"

    @property
    def days(self) -> int | None:
        """How many days the window covers (None: all time)."""
        return {"7d": 7, "30d": 30}.get(self.value)


class _Today:
    """Today's (UTC) bucket suffix, worked out again only when the day changes (it is read per request)."""

    until = 0.0
    suffix = ""

    def __call__(self) -> str:
        if time.time() >= self.until:
            now = utcnow()
            self.suffix = now.strftime("%Y%m%d")
            midnight = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
            self.until = midnight.timestamp()
        return self.suffix


today_bucket = _Today()


def _window_keys(kind: str, window: Window) -> list[str]:
    if window.days is None:
        return [pop_bucket(kind, "all")]
    now = utcnow()
    return [pop_bucket(kind, now - timedelta(days=i)) for i in range(window.days)]


async def mongo_counts(window: Window, top: int | None = None) -> dict[PydanticObjectId, int]:
    """Enrollments per course in the window, counted by MongoDB (the source of truth); with `top`, only
    that many courses, most enrolled first."""
    pipeline: list[dict[str, Any]] = []
    if window.days is not None:
        since = (utcnow() - timedelta(days=window.days - 1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        pipeline.append({"$match": {"enrolled_at": {"$gte": since}}})
    pipeline.append({"$group": {"_id": "$course_id", "n": {"$sum": 1}}})
    if top is not None:
        pipeline += [{"$sort": {"n": -1, "_id": 1}}, {"$limit": top}]
    cursor = await Enrollment.get_pymongo_collection().aggregate(pipeline)
    return {row["_id"]: int(row["n"]) async for row in cursor}


class Rankings:
    """Records enrollments and views, and answers the top courses of a window."""

    def __init__(
        self, guard: RedisGuard, views: ViewBuffer, enabled: bool = True, deadline_s: float = 60.0
    ) -> None:
        self.guard = guard
        self.views = views
        self.enabled = enabled
        self.deadline_s = deadline_s  # for the MongoDB recount (within a request: the request's, if shorter)
        self._rebuild_pending = False
        guard.on_recovery(self._after_outage)

    async def record_enrollment(self, course_id: PydanticObjectId, at: datetime) -> None:
        """Count one new enrollment on its day; if Redis misses it, the ranking is rebuilt when it is back."""

        async def count(r: aioredis.Redis) -> bool:
            async with r.pipeline(transaction=False) as pipe:
                pipe.zincrby(pop_bucket("enroll", at), 1, str(course_id))
                pipe.expire(pop_bucket("enroll", at), POP_BUCKET_TTL_S)
                pipe.zincrby(pop_bucket("enroll", "all"), 1, str(course_id))
                await pipe.execute()
            return True

        if not await self.guard.run(count, False):
            self._rebuild_pending = True

    def record_view(self, course_id: str) -> None:
        """Count one view of a course page (Redis cache hits are counted by the cache's own script)."""
        self.views.add(course_id)

    async def top(self, window: Window, count: int) -> list[tuple[str, float, int]] | None:
        """The `count` best (course id, score, enrollments) of the window; None when Redis is unavailable
        (or not to be read from), and the caller should ask MongoDB."""
        if not self.enabled:
            return None
        await self.views.flush()  # this process's own views are in what it answers
        built = await self.guard.run(lambda r: r.exists(POP_BUILT), 0)
        if not built and (self.guard.state != "closed" or not await self.rebuild()):
            return None

        async def read(r: aioredis.Redis) -> list[tuple[str, float, int]]:
            score_key, enroll_key = pop_union(window.value, "score"), pop_union(window.value, "enroll")
            enroll_keys, view_keys = _window_keys("enroll", window), _window_keys("view", window)
            if not await r.exists(score_key):
                weights = {k: 1.0 for k in enroll_keys} | {k: VIEW_WEIGHT for k in view_keys}
                async with r.pipeline(transaction=False) as pipe:
                    pipe.zunionstore(score_key, weights)
                    pipe.zunionstore(enroll_key, enroll_keys)
                    pipe.expire(score_key, POP_UNION_TTL_S)
                    pipe.expire(enroll_key, POP_UNION_TTL_S)
                    await pipe.execute()
            ranked: list[Any] = await r.zrevrange(score_key, 0, count - 1, withscores=True)
            if not ranked:
                return []
            ids = [member.decode() for member, _ in ranked]
            enrollments = await r.zmscore(enroll_key, ids)
            return [(i, float(s), int(e or 0)) for i, (_, s), e in zip(ids, ranked, enrollments, strict=True)]

        return await self.guard.run(read, None)

    async def rebuild(self) -> bool:
        """Recount enrollments from MongoDB into the day buckets and the all-time set; True when done.
        Idempotent: the counts replace the enrollment keys in one Redis transaction, so a rebuild that
        timed out can simply run again."""

        async def take(r: aioredis.Redis) -> bool:
            return bool(await r.set(POP_REBUILDING, "1", nx=True, ex=POP_REBUILD_TTL_S))

        if not await self.guard.run(take, False):
            return False
        try:
            since = (utcnow() - timedelta(days=39)).replace(hour=0, minute=0, second=0, microsecond=0)
            daily = Enrollment.get_pymongo_collection().aggregate(
                [
                    {"$match": {"enrolled_at": {"$gte": since}}},
                    {
                        "$group": {
                            "_id": {
                                "c": "$course_id",
                                "d": {"$dateToString": {"format": "%Y%m%d", "date": "$enrolled_at"}},
                            },
                            "n": {"$sum": 1},
                        }
                    },
                ]
            )
            buckets: dict[str, dict[str, int]] = {}
            with job_deadline(self.deadline_s):
                async for row in await daily:
                    day = pop_bucket("enroll", row["_id"]["d"])
                    buckets.setdefault(day, {})[str(row["_id"]["c"])] = int(row["n"])
                totals = await mongo_counts(Window.all)
            buckets[pop_bucket("enroll", "all")] = {str(k): n for k, n in totals.items()}

            async def write(r: aioredis.Redis) -> bool:
                old = [
                    key for match in POP_REBUILT_PATTERNS async for key in r.scan_iter(match=match, count=500)
                ]
                async with r.pipeline(transaction=True) as pipe:
                    if old:
                        pipe.delete(*old)
                    for key, members in buckets.items():
                        if members:
                            pipe.zadd(key, members)
                            if not key.endswith(":all"):
                                pipe.expire(key, POP_BUCKET_TTL_S)
                    pipe.set(POP_BUILT, utcnow().isoformat())
                    await pipe.execute()
                return True

            done = await self.guard.run(write, False)
            log.info("popularity rankings rebuilt from MongoDB", extra={"buckets": len(buckets)})
            return done
        finally:
            await self.guard.run(lambda r: r.delete(POP_REBUILDING), None)

    async def _after_outage(self) -> None:
        if self._rebuild_pending and await self.rebuild():
            self._rebuild_pending = False

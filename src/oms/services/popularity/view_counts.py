"""Course views counted in memory and sent to the popularity buckets in one pipeline about once a second.

Views served from the near cache (no Redis round trip) are counted here; a lost second of views (a crash, or
Redis down at flush time) only nudges a soft popularity signal. Readers of the ranking flush first, so
this process's own views are always in what it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter

import redis.asyncio as aioredis

from oms.clock import utcnow
from oms.redis_store import POP_BUCKET_TTL_S, RedisGuard, pop_bucket

log = logging.getLogger(__name__)

# KEYS: today's bucket, the all-time set; ARGV: the bucket's TTL, then course id, count, course id, count...
_ADD_VIEWS = """
for i = 2, #ARGV, 2 do
  redis.call('ZINCRBY', KEYS[1], ARGV[i + 1], ARGV[i])
  redis.call('ZINCRBY', KEYS[2], ARGV[i + 1], ARGV[i])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return #ARGV
"""


class ViewBuffer:
    """Pending views per course id, flushed by `flush()` (and every `interval_s` once started)."""

    def __init__(self, guard: RedisGuard, interval_s: float = 1.0) -> None:
        self.guard = guard
        self.interval_s = interval_s
        self._pending: Counter[str] = Counter()
        self._add_views = guard.client.register_script(_ADD_VIEWS)
        self._task: asyncio.Task[None] | None = None

    def add(self, course_id: str) -> None:
        """Count one view, to be sent with the next flush."""
        self._pending[course_id] += 1

    @property
    def pending(self) -> int:
        """Views not sent yet."""
        return self._pending.total()

    async def flush(self) -> None:
        """Send the pending views to today's bucket and the all-time set (one command, however many)."""
        if not self._pending:
            return
        views, self._pending = self._pending, Counter()
        args = [part for course_id, n in views.items() for part in (course_id, n)]

        async def send(r: aioredis.Redis) -> None:
            await self._add_views(
                keys=[pop_bucket("view", utcnow()), pop_bucket("view", "all")], args=[POP_BUCKET_TTL_S, *args]
            )

        await self.guard.run(send, None)

    def start(self) -> None:
        """Flush in the background every `interval_s`."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="oms-view-counts")

    async def stop(self) -> None:
        """Stop the background flush, sending what is pending."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.flush()
            except Exception:  # never let the loop die; the guard already absorbs Redis faults
                log.exception("flushing view counts failed")

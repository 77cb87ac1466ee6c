"""Attempt counters for login and registration: in Redis, or in this process while Redis is down.

An attempt is counted *before* the work it guards (the password hash), so however many requests race,
at most `limit` of them per window get through; a successful login gives its attempt back. Counts live in
Redis (shared by every worker) and in this process, which also counts the attempts Redis missed: while Redis
answers, the count is Redis's plus those missed ones, so a Redis fault midway never resets it.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import redis.asyncio as aioredis

from oms import redis_store
from oms.redis_store import RedisGuard


@dataclass
class _LocalCounter:
    count: int = 0
    missed: int = 0  # attempts Redis did not count (it did not answer)
    expires: float = 0.0


@dataclass
class Throttle:
    """Fixed-window counters keyed by what is being limited (a username, a client address)."""

    guard: RedisGuard
    _local: dict[str, _LocalCounter] = field(default_factory=dict)

    @staticmethod
    def key(kind: str, subject: str) -> str:
        """A Redis key for `subject` that holds no user text (a hash of it)."""
        digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
        return redis_store.throttle(kind, digest)

    async def take(self, key: str, limit: int, window_s: int) -> int | None:
        """Count one attempt; None when it is allowed, else the seconds until the window ends."""

        async def incr(r: aioredis.Redis) -> tuple[int, int]:
            async with r.pipeline(transaction=True) as pipe:
                pipe.set(key, 0, ex=window_s, nx=True)  # the window starts with the first attempt
                pipe.incr(key)
                pipe.ttl(key)
                _, count, ttl = await pipe.execute()
            return int(count), int(ttl)

        # Not the larger of the two counts: concurrent attempts reach Redis in another order than they were
        # counted here, and the larger count would then refuse every one of a burst.
        local_count, local_ttl = self._take_local(key, window_s)
        counter = self._local[key]
        counted = await self.guard.run(incr, None)
        if counted is None:
            counter.missed += 1
            count, ttl = local_count, local_ttl
        else:
            count, ttl = counted[0] + counter.missed, counted[1]
        return None if count <= limit else max(ttl, 1)

    def _take_local(self, key: str, window_s: int) -> tuple[int, int]:
        now = time.monotonic()
        counter = self._local.get(key)
        if counter is None or counter.expires <= now:
            if len(self._local) > 100_000:  # an outage under attack: drop expired entries
                self._local = {k: c for k, c in self._local.items() if c.expires > now}
            counter = self._local[key] = _LocalCounter(expires=now + window_s)
        counter.count += 1
        return counter.count, int(counter.expires - now) + 1

    async def give_back(self, key: str) -> None:
        """Undo one counted attempt (a login that succeeded is not a failure)."""

        async def decr(r: aioredis.Redis) -> None:
            if int(await r.decr(key)) <= 0:
                await r.delete(key)

        await self.guard.run(decr, None)
        if (counter := self._local.get(key)) is not None:
            counter.count = max(counter.count - 1, 0)
            counter.missed = min(counter.missed, counter.count)

    async def reset(self, key: str) -> None:
        """Forget every attempt under `key`."""
        await self.guard.run(lambda r: r.delete(key), None)
        self._local.pop(key, None)

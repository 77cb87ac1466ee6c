"""A per-user hourly quota on LLM calls, counted in Redis (fixed one-hour windows)."""

from __future__ import annotations

import redis.asyncio as aioredis

from oms.clock import utcnow
from oms.exceptions import DomainError
from oms.redis_store import AI_QUOTA_TTL_S, AI_QUOTA_WINDOW_S, RedisGuard, ai_quota


class AIQuotaExceeded(DomainError):
    """429: the caller used up their LLM calls for this hour; `Retry-After` says when more are allowed."""

    status = 429
    title = "AI quota exceeded"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the hourly quota of AI-written replies is used up; retry in {retry_after} s")
        self.headers = {"Retry-After": str(max(1, retry_after))}


class Quota:
    """`take(user_id)`: count one LLM call; raises AIQuotaExceeded past the limit."""

    def __init__(self, guard: RedisGuard, per_hour: int) -> None:
        self.guard = guard
        self.per_hour = per_hour

    async def take(self, user_id: str) -> bool:
        """Count one call for `user_id`: True when allowed, False when Redis cannot count (the caller then
        avoids the LLM), AIQuotaExceeded when the hour's quota is spent."""
        now = int(utcnow().timestamp())
        window = now // AI_QUOTA_WINDOW_S
        key = ai_quota(user_id, window)

        async def count(r: aioredis.Redis) -> int:
            async with r.pipeline(transaction=False) as pipe:
                pipe.incr(key)
                pipe.expire(key, AI_QUOTA_TTL_S)
                used, _ = await pipe.execute()
            return int(used)

        used = await self.guard.run(count, -1)
        if used < 0:
            return False
        if used > self.per_hour:
            raise AIQuotaExceeded((window + 1) * AI_QUOTA_WINDOW_S - now)
        return True

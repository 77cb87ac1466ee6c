"""Two per-user hourly counters in Redis (fixed one-hour windows): the quota and the provider-call cap.

- The **quota** (`OMS_AI_QUOTA_PER_HOUR`) counts model-written replies a user received. A reply slot is
  reserved before the provider is asked (so concurrent requests cannot overshoot) and given back when the
  provider fails and the offline engine answers instead: a failing provider never uses up a learner's quota.
  Past the quota, advice is refused with 429.
- The **provider-call cap** (`OMS_AI_PROVIDER_CALLS_PER_HOUR`) is cost control: it counts requests sent to
  the provider on a user's behalf (each up to 1 + `OMS_AI_RETRIES` attempts), whatever their outcome. Past
  it the provider is not asked and the offline engine answers; it never causes a 429.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from oms.clock import utcnow
from oms.edge.metrics import AI_PROVIDER_CAP_SKIPS, AI_QUOTA_REJECTIONS
from oms.exceptions import DomainError
from oms.redis_store import AI_QUOTA_TTL_S, AI_QUOTA_WINDOW_S, RedisGuard, ai_provider_calls, ai_quota


class AIQuotaExceeded(DomainError):
    """429: the caller received their hourly number of model-written replies; `Retry-After` says when more
    are allowed."""

    status = 429
    title = "AI quota exceeded"

    def __init__(self, per_hour: int, retry_after: int) -> None:
        super().__init__(
            f"you received the {per_hour} model-written replies allowed per hour (offline and cached replies "
            f"are not counted); retry in {retry_after} s"
        )
        self.headers = {"Retry-After": str(max(1, retry_after))}


@dataclass(frozen=True)
class Ticket:
    """A reserved reply slot: `Quota.confirm` keeps it, `Quota.refund` gives it back."""

    key: str


class Quota:
    """`reserve` → ask the provider → `confirm` (a model-written reply) or `refund` (offline fallback)."""

    def __init__(self, guard: RedisGuard, per_hour: int, provider_calls_per_hour: int = 0) -> None:
        self.guard = guard
        self.per_hour = per_hour
        self.provider_calls_per_hour = provider_calls_per_hour or 4 * per_hour

    @staticmethod
    def _window() -> tuple[int, int]:
        now = int(utcnow().timestamp())
        return now // AI_QUOTA_WINDOW_S, (now // AI_QUOTA_WINDOW_S + 1) * AI_QUOTA_WINDOW_S - now

    async def _incr(self, key: str) -> int:
        async def count(r: aioredis.Redis) -> int:
            async with r.pipeline(transaction=False) as pipe:
                pipe.incr(key)
                pipe.expire(key, AI_QUOTA_TTL_S)
                used, _ = await pipe.execute()
            return int(used)

        return int(await self.guard.run(count, -1))

    async def _decr(self, key: str) -> None:
        async def give_back(r: aioredis.Redis) -> None:
            await r.decr(key)

        await self.guard.run(give_back, None)

    async def reserve(self, user_id: str, refuse: bool = True) -> Ticket | None:
        """Reserve one model-written reply for `user_id`: a Ticket, or None when Redis cannot count (the
        caller then avoids the model) or the quota is spent and `refuse` is False; AIQuotaExceeded (429)
        when the quota is spent and `refuse` is True."""
        window, retry_after = self._window()
        key = ai_quota(user_id, window)
        used = await self._incr(key)
        if used < 0:
            return None
        if used > self.per_hour:
            await self._decr(key)
            if not refuse:
                return None
            AI_QUOTA_REJECTIONS.inc()
            raise AIQuotaExceeded(self.per_hour, retry_after)
        return Ticket(key)

    async def refund(self, ticket: Ticket) -> None:
        """The provider gave no usable reply: the reserved slot is not used up."""
        await self._decr(ticket.key)

    async def provider_call_allowed(self, user_id: str) -> bool:
        """Count one provider request for `user_id`: False past the hourly cap (or when Redis cannot
        count), and the caller then answers offline."""
        window, _ = self._window()
        used = await self._incr(ai_provider_calls(user_id, window))
        if used < 0:
            return False
        if used > self.provider_calls_per_hour:
            AI_PROVIDER_CAP_SKIPS.inc()
            return False
        return True

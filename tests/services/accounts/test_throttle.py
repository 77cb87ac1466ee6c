"""The attempt counters on real Redis: a burst lets exactly `limit` attempts through in whatever order Redis
counts them, and attempts Redis missed while it did not answer still count once it answers again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from oms.redis_store import RedisGuard
from oms.services.accounts.throttle import Throttle

T = TypeVar("T")


class ReversedGuard(RedisGuard):
    """Holds `n` concurrent calls, then lets them reach Redis last-come first, one after the other."""

    def __init__(self, client: aioredis.Redis, n: int) -> None:
        super().__init__(client)
        self.n, self.arrived, self.turn = n, 0, n - 1
        self.cond = asyncio.Condition()

    async def run(self, op: Callable[[aioredis.Redis], Awaitable[T]], default: T) -> T:
        async with self.cond:
            mine, self.arrived = self.arrived, self.arrived + 1
            self.cond.notify_all()
            await self.cond.wait_for(lambda: self.arrived == self.n and self.turn == mine)
        result = await super().run(op, default)
        async with self.cond:
            self.turn -= 1
            self.cond.notify_all()
        return result


class MissingGuard(RedisGuard):
    """Redis does not answer the first `misses` calls."""

    def __init__(self, client: aioredis.Redis, misses: int) -> None:
        super().__init__(client)
        self.misses = misses

    async def run(self, op: Callable[[aioredis.Redis], Awaitable[T]], default: T) -> T:
        if self.misses:
            self.misses -= 1
            return default
        return await super().run(op, default)


async def test_a_burst_counted_in_reverse_by_redis_lets_exactly_the_limit_through(app: FastAPI) -> None:
    throttle = Throttle(ReversedGuard(app.state.redis, 20))
    key = Throttle.key("register-addr", "203.0.113.5")
    results = await asyncio.gather(*(throttle.take(key, 5, 60) for _ in range(20)))
    assert sum(r is None for r in results) == 5
    assert all(r is None or 0 < r <= 60 for r in results)


@pytest.mark.redis
async def test_attempts_redis_missed_still_count_when_it_answers(app: FastAPI) -> None:
    throttle = Throttle(MissingGuard(app.state.redis, 3))
    key = Throttle.key("register-addr", "203.0.113.6")
    results = [await throttle.take(key, 5, 60) for _ in range(10)]
    assert [r is None for r in results] == [True] * 5 + [False] * 5
    assert int(await app.state.redis.get(key)) == 7  # Redis saw the 7 attempts after it came back

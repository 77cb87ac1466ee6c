"""Redis behind a circuit breaker: a fault degrades a feature, never a request.

Every Redis call goes through `RedisGuard.run`, which returns a default instead of raising. After a failure
the breaker opens: Redis is not tried again for `retry_after` seconds (requests go straight to MongoDB), then
the next call probes it. One warning is logged per outage, and one line when Redis is back.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis.asyncio as aioredis
from prometheus_client import Counter as MetricCounter
from redis.exceptions import RedisError

from oms.edge.metrics import CACHE_EVENTS

log = logging.getLogger(__name__)
T = TypeVar("T")


class RedisGuard:
    """Runs Redis operations with a breaker, and counts what happened to them."""

    def __init__(self, client: aioredis.Redis, retry_after: float = 5.0) -> None:
        self.client = client
        self.retry_after = retry_after
        self.stats: Counter[str] = Counter()
        self.down = False
        self._open_until = 0.0
        self._recovery_hooks: list[Callable[[], Awaitable[None]]] = []
        self._series: dict[str, MetricCounter] = {}

    @property
    def state(self) -> str:
        """`closed` (using Redis), `open` (skipping it) or `half-open` (the next call probes it)."""
        if not self.down:
            return "closed"
        return "open" if time.monotonic() < self._open_until else "half-open"

    def count(self, event: str) -> None:
        """Count a cache or Redis event (hits, misses, errors, skipped), here and in the metrics."""
        self.stats[event] += 1
        series = self._series.get(event)
        if series is None:
            series = self._series[event] = CACHE_EVENTS.labels(event)
        series.inc()

    def on_recovery(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run `hook` (with Redis usable) each time Redis comes back after an outage."""
        self._recovery_hooks.append(hook)

    async def run(self, op: Callable[[aioredis.Redis], Awaitable[T]], default: T) -> T:
        """`op(client)`, or `default` when the breaker is open or the call fails."""
        if self.down and not await self._probe():
            self.count("skipped")
            return default
        try:
            return await op(self.client)
        except (TimeoutError, RedisError, OSError) as exc:
            self._trip(exc)
            return default

    async def _probe(self) -> bool:
        """While open: False until `retry_after` has passed; then PING, and on success run the recovery
        hooks (before any cached data is read again) and close the breaker."""
        if time.monotonic() < self._open_until:
            return False
        self._open_until = time.monotonic() + self.retry_after  # one prober at a time
        try:
            await self.client.connection_pool.disconnect()  # pooled sockets may point at the old server
            await self.client.ping()
        except (TimeoutError, RedisError, OSError) as exc:
            self._trip(exc)
            return False
        self.down = False
        log.warning("redis is reachable again; caching resumes")
        for hook in self._recovery_hooks:
            try:
                await hook()
            except (
                Exception
            ):  # e.g. a ranking rebuild while MongoDB is away: that feature waits, not the request
                log.exception("a redis recovery step failed")
        return True

    def _trip(self, exc: Exception) -> None:
        self.count("errors")
        if not self.down:
            log.warning(
                "redis unavailable; serving from MongoDB and retrying every %.0f s",
                self.retry_after,
                extra={"error": f"{type(exc).__name__}: {exc}"},
            )
        self.down = True
        self._open_until = time.monotonic() + self.retry_after

    def snapshot(self) -> dict[str, Any]:
        """Counters and breaker state, for metrics."""
        return {"state": self.state, **self.stats}

"""The AI objects an app holds: advice writer, recommender, and the recommender's rebuild schedule."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from typing import Any

from oms.config import Settings
from oms.redis_store import RedisGuard
from oms.services.ai.advice import AdviceService
from oms.services.ai.builder import BuildReport, Database, Unsettled, rebuild
from oms.services.ai.provider import LLMProvider
from oms.services.ai.quota import Quota
from oms.services.ai.recommendations import Recommender
from oms.services.ai.rewrite import ReasonWriter
from oms.services.popularity.rankings import Rankings

log = logging.getLogger(__name__)


class Refresher:
    """The rebuild schedule: every `interval_s`, rebuild if the data changed and has settled.

    A build waits until two looks `settle_s` apart see the same data (a bulk load is not built half-way),
    and leaves `BACKOFF` × its duration (at most `MAX_BACKOFF_S`) before the next one, so a large catalogue
    cannot eat the CPU; when the data changed while it ran, the next check comes after `interval_s`."""

    BACKOFF, MAX_BACKOFF_S = 10, 300.0

    def __init__(
        self, db: Database, interval_s: float, settle_s: float = 3.0, batch_timeout_s: float = 120.0
    ) -> None:
        self.batch_timeout_s = batch_timeout_s
        self.db = db
        self.interval_s = interval_s
        self.settle_s = settle_s
        self._task: asyncio.Task[None] | None = None
        self._next_allowed = 0.0

    def start(self) -> None:
        """Start checking in the background (nothing when the interval is 0)."""
        if self.interval_s > 0:
            self._task = asyncio.create_task(self._run(), name="recommender-refresh")

    async def stop(self) -> None:
        """Stop the background task (a build in progress is cancelled; its thread stops on its own)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def tick(self) -> BuildReport | None:
        """One scheduled check: build when the data changed and settled; None otherwise."""
        if time.monotonic() < self._next_allowed:
            return None
        try:
            report = await rebuild(self.db, settle_s=self.settle_s, batch_timeout_s=self.batch_timeout_s)
        except Unsettled:
            log.info("recommender rebuild postponed: the data is still changing")
            return None
        if report is not None and not report.changed_during:
            pause = min(self.MAX_BACKOFF_S, self.BACKOFF * report.seconds)
            self._next_allowed = time.monotonic() + max(self.interval_s, pause)
        return report

    async def _run(self) -> None:
        await asyncio.sleep(self.interval_s * random.uniform(0.2, 1.0))  # noqa: S311  # workers spread out
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed build must not stop the schedule; the next tick tries again
                log.exception("recommender rebuild failed")
            await asyncio.sleep(self.interval_s)


def start(state: Any, settings: Settings, guard: RedisGuard, rankings: Rankings) -> None:
    """Put `advice`, `recommender` and `refresher` on the app state and start the schedule."""
    provider = LLMProvider.from_settings(settings)
    quota = Quota(guard, settings.ai_quota_per_hour, settings.ai_provider_calls_per_hour)
    state.ai_provider = provider
    state.advice = AdviceService(guard, quota, provider, settings.ai_cache_ttl_s)
    writer = ReasonWriter(provider, quota) if provider and settings.ai_rewrite_reasons else None
    state.recommender = Recommender(rankings, writer=writer)
    state.recommender.impressions.start()
    state.refresher = Refresher(  # its own client, not Beanie's
        state.db, settings.recommender_refresh_s, batch_timeout_s=settings.recommender_batch_deadline_s
    )
    state.refresher.start()


async def stop(state: Any) -> None:
    """Stop the schedule and close the provider's connections."""
    refresher: Refresher | None = getattr(state, "refresher", None)
    if refresher is not None:
        await refresher.stop()
    recommender: Recommender | None = getattr(state, "recommender", None)
    if recommender is not None:
        await recommender.impressions.stop()
    provider: LLMProvider | None = getattr(state, "ai_provider", None)
    if provider is not None:
        await provider.aclose()

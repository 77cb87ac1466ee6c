"""Search in the running app: picks the backend, starts the follower, feeds the popularity prior, and
lets writes in this process reach its index before their reply (other workers follow within a second).

Each worker claims a slot directory under `<data_dir>/search/` (a lock file held while it runs), so a
restarted worker reopens an index and a resume token that no other live worker is using.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import math
import time
import weakref
from pathlib import Path
from typing import IO, Any

from oms.config import Settings
from oms.redis_store import CATALOGUE_GEN, POP_BUILT
from oms.services.pagecache.cache import Cache
from oms.services.popularity.rankings import Rankings, Window
from oms.services.search.atlas import AtlasSearchIndex
from oms.services.search.base import IndexStatus, SearchIndex
from oms.services.search.embedded import EmbeddedIndex
from oms.services.search.follower import Follower

log = logging.getLogger(__name__)
POPULARITY_REFRESH_S = 60
MAX_PRIOR_UPDATES = 5000
REACHABLE_TTL_S = 0.05
CLOSE_WAIT_S = 2.0
STARTUP_WAIT_S = 2.0  # larger catalogues finish building in the background (`/readyz` says "building")
MAX_SLOTS = 256
_live: weakref.WeakSet[SearchRuntime] = weakref.WeakSet()


def claim_slot(base: Path) -> tuple[Path, IO[str]]:
    """The first slot directory no live process holds, and the open lock file that holds it."""
    base.mkdir(parents=True, exist_ok=True)
    for n in range(MAX_SLOTS):
        slot = base / f"worker-{n}"
        slot.mkdir(exist_ok=True)
        handle = (slot / "lock").open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        return slot, handle
    raise RuntimeError(f"no free search slot under {base}")


class SearchRuntime:
    """The app's index and what keeps it fresh."""

    def __init__(self, settings: Settings, db: Any, cache: Cache, rankings: Rankings | None) -> None:
        self.cache = cache
        self.rankings = rankings
        self.follower: Follower | None = None
        self._lock_file: IO[str] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._ping: asyncio.Future[None] | None = None
        collection = db["courses"]
        self.index: SearchIndex
        if settings.search_backend == "atlas":
            self.index = AtlasSearchIndex(collection, settings.atlas_search_index)
            return
        slot: Path | None = None
        if not settings.search_in_memory:
            slot, self._lock_file = claim_slot(settings.data_dir / "search")
        embedded = EmbeddedIndex(slot / "index" if slot else None)
        embedded.source_check = self.database_reachable
        self._db = db
        self._reachable_at = 0.0
        self.index = embedded
        self.follower = Follower(embedded, collection, slot / "token.json" if slot else None, self._bump)

    async def database_reachable(self) -> None:
        """Raise ConnectionFailure (503) when MongoDB is down, as any other read would: pages served from
        the index keep the API's outage behaviour. One ping per 50 ms at most, shared by all requests."""
        failed = self.follower is not None and self.follower.failed
        if not failed and time.monotonic() - self._reachable_at < REACHABLE_TTL_S:
            return

        async def ping() -> None:
            await self._db.command("ping")
            self._reachable_at = time.monotonic()

        if self._ping is None or self._ping.done():
            self._ping = asyncio.ensure_future(ping())
        await asyncio.shield(self._ping)

    async def _bump(self) -> None:
        """Changes from other workers reached this index: retire catalogue pages cached before, which
        may have been built by a worker that had not seen them yet."""

        async def incr(r: Any) -> bool:
            await r.incr(CATALOGUE_GEN)
            return True

        await self.cache.guard.run(incr, False)

    async def start(self) -> None:
        """Start following and feeding popularity (the first build runs in the background)."""
        _live.add(self)
        if self.follower is not None:
            with contextlib.suppress(Exception):  # the prior for the first build, if Redis answers quickly
                await asyncio.wait_for(self.refresh_popularity(), 2.0)
            self.follower.start()
            self._tasks.append(asyncio.create_task(self._popularity(), name="search-popularity"))
            for _ in range(int(STARTUP_WAIT_S / 0.02)):  # a small catalogue is ready before the first request
                if self.index.status().ready:
                    break
                await asyncio.sleep(0.02)

    async def stop(self) -> None:
        """Stop background work and release the slot."""
        _live.discard(self)
        if self.follower is not None:
            await self.follower.stop()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.follower is not None:  # merges finish in a thread; shutdown does not wait long for them
            closing = asyncio.ensure_future(asyncio.to_thread(self.follower.index.close))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(closing), CLOSE_WAIT_S)
        if self._lock_file is not None:
            self._lock_file.close()

    async def _popularity(self) -> None:
        """After the first minute, every minute, the 30-day ranking becomes the prior; courses whose score moved by a step (a
        quarter on a log scale) are re-indexed with it."""
        while True:
            await asyncio.sleep(POPULARITY_REFRESH_S)
            try:
                await self.refresh_popularity()
            except Exception:  # Redis or MongoDB away: the prior waits for the next round
                log.debug("popularity prior not refreshed", exc_info=True)

    async def refresh_popularity(self) -> int:
        """Load the 30-day ranking into the index's prior; how many courses were re-indexed for it."""
        if self.rankings is None or self.follower is None or not isinstance(self.index, EmbeddedIndex):
            return 0
        if not await self.cache.guard.run(lambda r: r.exists(POP_BUILT), 0):
            return 0  # no ranking yet: the prior waits rather than cause a recount of every enrollment
        ranked = await self.rankings.top(Window.month, 100_000)
        if ranked is None:
            return 0
        old, new = self.index.popularity, {course_id: score for course_id, score, _ in ranked}
        self.index.popularity = new
        moved = [i for i in old.keys() | new.keys() if _step(old.get(i, 0.0)) != _step(new.get(i, 0.0))]
        if not moved or self.index.state != "ready" or len(moved) > MAX_PRIOR_UPDATES:
            return 0
        return await self.follower.refresh(moved[:MAX_PRIOR_UPDATES], force=True)

    def status(self) -> IndexStatus:
        """The index's state for readiness."""
        return self.index.status()

    async def sync(self) -> None:
        """Bring this index fully up to date now (tests, and `oms reindex` on a live worker)."""
        if self.follower is not None and isinstance(self.index, EmbeddedIndex):
            await self.follower.rebuild()


def _step(score: float) -> int:
    return int(math.log1p(max(score, 0.0)) * 4)


async def course_changed(*course_ids: str) -> None:
    """A write in this process changed these courses: update this process's indexes before replying."""
    for runtime in list(_live):
        if runtime.follower is not None and runtime.index.status().ready:
            try:
                await runtime.follower.refresh([str(i) for i in course_ids])
            except Exception:  # the follower will apply it from the stream
                log.warning("search index refresh failed", exc_info=True)

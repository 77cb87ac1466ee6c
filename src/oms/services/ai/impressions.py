"""Recording what recommendations were shown, write-behind: the request never waits for MongoDB.

`ImpressionLog.record` puts the list on a bounded asyncio queue and returns its id at once; a background
task writes queued impressions in batches (every `FLUSH_S` or `BATCH` lists, each write under its own
deadline). When the queue is full (MongoDB slow or down), the impression is dropped and counted
(`oms_recommendation_impressions_total{outcome="dropped"}`), never the request slowed. On shutdown the queue is written
out within `CLOSE_S`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import pymongo
from bson import ObjectId

from oms.clock import utcnow
from oms.documents.impressions import RecommendationImpression
from oms.edge.metrics import RECOMMENDATION_IMPRESSIONS

log = logging.getLogger(__name__)
FLUSH_S, BATCH, WRITE_TIMEOUT_S, CLOSE_S = 1.0, 500, 5.0, 2.0


class ImpressionLog:
    """A bounded queue of impressions and the task that writes them."""

    def __init__(self, max_pending: int = 10_000) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=max_pending)
        self.dropped = 0
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def start(self) -> None:
        """Start the writer task."""
        self._task = asyncio.create_task(self._run(), name="impression-writer")

    async def stop(self) -> None:
        """Stop the writer, writing what is queued first (within CLOSE_S)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if not self.queue.empty():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.flush(), CLOSE_S)

    def record(
        self, user_id: ObjectId | None, course_ids: list[ObjectId], strategy: str, model_version: int
    ) -> ObjectId:
        """Queue one served list (positions 1..n in order) and return its impression id; never blocks."""
        impression_id = ObjectId()
        doc = {
            "_id": impression_id,
            "user_id": user_id,
            "at": utcnow(),
            "strategy": strategy,
            "model_version": model_version,
            "items": [{"course_id": cid, "position": i + 1} for i, cid in enumerate(course_ids)],
        }
        try:
            self.queue.put_nowait(doc)
            RECOMMENDATION_IMPRESSIONS.labels(outcome="queued").inc()
        except asyncio.QueueFull:
            self.dropped += 1
            RECOMMENDATION_IMPRESSIONS.labels(outcome="dropped").inc()
        return impression_id

    def pending(self, impression_id: ObjectId) -> bool:
        """Whether `impression_id` is still queued in this process (not yet written)."""
        return any(doc["_id"] == impression_id for doc in list(self.queue._queue))  # type: ignore[attr-defined]

    async def flush(self) -> int:
        """Write everything queued now, in batches (after any write in progress); the number written."""
        written = 0
        async with self._lock:
            while not self.queue.empty():
                batch = [self.queue.get_nowait() for _ in range(min(BATCH, self.queue.qsize()))]
                written += await self._write(batch)
        return written

    async def _write(self, batch: list[dict[str, Any]]) -> int:
        collection = RecommendationImpression.get_pymongo_collection()
        try:
            with pymongo.timeout(WRITE_TIMEOUT_S):
                await collection.insert_many(batch, ordered=False)
        except pymongo.errors.BulkWriteError as exc:  # a retried batch: the duplicates are already there
            failed = [e for e in exc.details.get("writeErrors", []) if e.get("code") != 11000]
            if failed:
                self._lost(len(failed), exc)
            return len(batch) - len(failed)
        except Exception as exc:  # MongoDB slow or down: these impressions are lost, requests are not
            self._lost(len(batch), exc)
            return 0
        RECOMMENDATION_IMPRESSIONS.labels(outcome="written").inc(len(batch))
        return len(batch)

    def _lost(self, count: int, exc: Exception) -> None:
        self.dropped += count
        RECOMMENDATION_IMPRESSIONS.labels(outcome="dropped").inc(count)
        log.warning("recommendation impressions not written", extra={"count": count, "error": repr(exc)})

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_S)
            if not self.queue.empty():
                await self.flush()

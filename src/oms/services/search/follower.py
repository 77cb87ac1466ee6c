"""Keeps a worker's embedded index in step with MongoDB by following the change stream on `courses`.

Every event names a course; the follower reads the current state of the named courses (so events applied
twice or late never go back in time), re-indexes those whose version changed and drops deleted ones, then
records the resume token in a file beside the index. A restarted worker resumes from that token and
catches up; without one (or when the server no longer has it) the index is rebuilt from a full read,
with the stream opened first so nothing written during the read is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import OperationFailure, PyMongoError

from oms.services.search.documents import PROJECTION, SCHEMA_VERSION
from oms.services.search.embedded import EmbeddedIndex

log = logging.getLogger(__name__)
AWAIT_MS = 100  # how long one poll of the stream waits for news
MAX_BATCH = 1000
REINDEX_FILE = "reindex"  # `oms reindex` drops it beside the token of a running worker
REBUILD_EVENTS = {"drop", "dropDatabase", "rename", "invalidate"}


class _Rebuild(Exception):
    """The stream cannot continue: start again from a full read."""


class Follower:
    """One worker's change-stream follower; `on_applied` runs after changes reach the index."""

    def __init__(
        self,
        index: EmbeddedIndex,
        collection: AsyncCollection[dict[str, Any]],
        token_file: Path | None,
        on_applied: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.index = index
        self.collection = collection
        self.token_file = token_file
        self.on_applied = on_applied
        self.caught_up_at: float | None = None
        self.rebuilds = 0
        self.applied = 0
        self.failed = False  # the last poll of the stream failed (MongoDB unreachable)
        self._task: asyncio.Task[None] | None = None
        index.lag = self.lag

    def lag(self) -> float | None:
        """Seconds since the follower last saw the end of the stream (None before it first did)."""
        if self.caught_up_at is None:
            return None
        return round(max(0.0, time.monotonic() - self.caught_up_at - AWAIT_MS / 1000), 3)

    def start(self) -> None:
        """Follow in the background until `stop`."""
        self._task = asyncio.create_task(self._run(), name="search-follower")

    async def stop(self) -> None:
        """Stop following (the token on disk stays for the next start)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def load_token(self) -> dict[str, Any] | None:
        """The saved resume token, when it belongs to this index's schema and the index has data."""
        if self.token_file is None or not self.token_file.exists():
            return None
        try:
            saved = json.loads(self.token_file.read_text())
        except (OSError, ValueError):
            return None
        if saved.get("schema") != SCHEMA_VERSION or not isinstance(saved.get("token"), dict):
            return None
        token: dict[str, Any] = saved["token"]
        return token

    def save_token(self, token: Any) -> None:
        """Write the token atomically (a crash leaves the old one or the new one)."""
        if self.token_file is None or token is None:
            return
        temp = self.token_file.with_suffix(".tmp")
        temp.write_text(json.dumps({"schema": SCHEMA_VERSION, "token": dict(token), "at": time.time()}))
        os.replace(temp, self.token_file)

    def forget_token(self) -> None:
        """Drop the saved token (the next start rebuilds)."""
        if self.token_file is not None:
            self.token_file.unlink(missing_ok=True)

    async def all_courses(self) -> AsyncIterator[dict[str, Any]]:
        """Every course, as the index needs it."""
        async for raw in self.collection.find({}, PROJECTION, batch_size=1000):
            yield raw

    async def rebuild(self) -> int:
        """A full read of the collection into the index."""
        started = time.perf_counter()
        self.rebuilds += 1
        count = await self.index.rebuild(self.all_courses())
        log.info(
            "search index built", extra={"courses": count, "seconds": round(time.perf_counter() - started, 2)}
        )
        return count

    async def refresh(self, ids: list[str], *, force: bool = False) -> int:
        """Bring the named courses up to date from MongoDB; how many index entries changed (`force`:
        re-index them even when their version is the indexed one)."""
        oids = [ObjectId(i) for i in dict.fromkeys(ids) if ObjectId.is_valid(i)]
        if not oids:
            return 0
        found = {
            str(raw["_id"]): raw async for raw in self.collection.find({"_id": {"$in": oids}}, PROJECTION)
        }
        known = self.index.versions([str(o) for o in oids])
        changed = [raw for i, raw in found.items() if force or known.get(i) != raw.get("version")]
        deleted = [i for i in known if i not in found]
        if changed or deleted:
            await self.index.apply(changed, deleted)
            self.applied += len(changed) + len(deleted)
        return len(changed) + len(deleted)

    async def _follow(self) -> None:
        token = self.load_token() if self.index.documents else None
        try:
            stream = await self.collection.watch(max_await_time_ms=AWAIT_MS, resume_after=token)
        except OperationFailure as exc:
            if not token:
                raise
            log.warning("search resume token refused; rebuilding", extra={"error": str(exc)[:200]})
            self.forget_token()
            raise _Rebuild() from exc
        async with stream:
            if not token:
                await self.rebuild()
                self.save_token(stream.resume_token)
            self.index.state = "ready"
            saved = time.monotonic()
            while True:
                events: list[str] = []
                while len(events) < MAX_BATCH:
                    event = await stream.try_next()
                    self.failed = False
                    if event is None:
                        self.caught_up_at = time.monotonic()
                        break
                    if event.get("operationType") in REBUILD_EVENTS:
                        raise _Rebuild()
                    key = (event.get("documentKey") or {}).get("_id")
                    if key is not None:
                        events.append(str(key))
                if events and await self.refresh(events) and self.on_applied is not None:
                    await self.on_applied()
                if events or time.monotonic() - saved > 1:  # idle: the token still moves on, now and then
                    self.save_token(stream.resume_token)
                    saved = time.monotonic()
                    if (
                        self.token_file is not None
                        and (asked := self.token_file.parent / REINDEX_FILE).exists()
                    ):
                        asked.unlink(missing_ok=True)
                        raise _Rebuild()

    async def _run(self) -> None:
        while True:
            try:
                await self._follow()
            except _Rebuild:
                self.forget_token()
                continue
            except (PyMongoError, OSError) as exc:
                self.failed = True
                if isinstance(exc, OperationFailure) and exc.code in (
                    260,
                    280,
                    286,
                ):  # history lost / invalid
                    self.forget_token()
                log.warning("search follower interrupted; retrying", extra={"error": str(exc)[:200]})
                await asyncio.sleep(1.0)

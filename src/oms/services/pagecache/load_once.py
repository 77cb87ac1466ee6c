"""One load per page: single flight within a process, a short Redis lock across processes.

`LoadOnce.load_once` is the whole protocol. Concurrent misses for one key in a process share one load
(`single_flight`); across processes one caller takes the page's load lock (redis-py's `Lock`, not
blocking: a token that only its owner can release, expiring by itself if the owner dies) and loads, while
the others poll briefly for the page it stores, then load for themselves. A loader whose request is
cancelled hands the load to the next waiter instead of its error. When Redis cannot say, everyone loads.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from oms import redis_store
from oms.redis_store import RedisGuard

LOCK_WAIT_S = 1.0  # how long other processes wait for the loader's page (the lock lives twice that)
LOCK_POLL_S = 0.02
T = TypeVar("T")


class LoadOnce:
    """Single flight and the cross-process load lock, over a guarded Redis client."""

    def __init__(self, guard: RedisGuard) -> None:
        self.guard = guard
        self._flights: dict[str, asyncio.Future[Any]] = {}
        self._locks: dict[str, Lock] = {}

    async def load_once(
        self, key: str, read_cached: Callable[[], Awaitable[T | None]], load: Callable[[], Awaitable[T]]
    ) -> T:
        """`load()` once for this key: one caller per process (single flight), one process at a time (the
        lock); a caller that finds the lock taken polls `read_cached()` for the loader's result and loads
        itself only if nothing came within `LOCK_WAIT_S`."""

        async def guarded() -> T:
            if await self.lock(key):
                try:
                    return await load()
                finally:
                    await self.unlock(key)
            for _ in range(int(LOCK_WAIT_S / LOCK_POLL_S)):  # another process is loading it
                await asyncio.sleep(LOCK_POLL_S)
                if (cached := await read_cached()) is not None:
                    return cached
            return await load()

        result: T = await self.single_flight(key, guarded)
        return result

    async def single_flight(self, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
        """Run `load` once for concurrent callers with the same key in this process."""
        while key in self._flights:
            try:
                return await asyncio.shield(self._flights[key])
            except _LoadAbandoned:
                continue  # the loading request went away (client gone): the next caller loads
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._flights[key] = future
        try:
            result = await load()
        except asyncio.CancelledError:
            future.set_exception(_LoadAbandoned())
            future.exception()  # mark retrieved: no waiter is bound to look at it
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it, nobody else must
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._flights[key]

    async def lock(self, key: str) -> bool:
        """Try to take the cross-process load lock for `key`; True when this caller should load (also when
        Redis cannot say). Only one caller per key and process asks (single flight)."""
        lock = Lock(
            self.guard.client,
            redis_store.load_lock(key),
            timeout=redis_store.LOAD_LOCK_TTL_S,
            blocking=False,
            thread_local=False,  # one Lock per load, awaited by one task
        )

        async def take(r: aioredis.Redis) -> bool:
            return bool(await lock.acquire())

        taken = await self.guard.run(take, None)
        if taken:
            self._locks[key] = lock
        return taken is not False

    async def unlock(self, key: str) -> None:
        """Release the load lock if it is still ours (a slow load's lock may have expired and been taken:
        then it is left to its new owner)."""
        lock = self._locks.pop(key, None)
        if lock is None:
            return

        async def release(r: aioredis.Redis) -> None:
            with contextlib.suppress(
                LockError
            ):  # no longer ours: not a Redis fault, the breaker stays closed
                await lock.release()

        await self.guard.run(release, None)


class _LoadAbandoned(Exception):
    """The request loading a page was cancelled; a waiter should load it itself."""

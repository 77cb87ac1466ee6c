"""One load per page: single flight within a process, a short Redis lock across processes.

Concurrent misses for one key in a process share one load (`single_flight`); across processes one caller
takes `oms:lock:<key>` (with a token, released only by its owner) while the others poll briefly for the
page it stores. A loader whose request is cancelled hands the load to the next waiter instead of its error.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis

from oms.redis_store import RedisGuard

LOCK_WAIT_S = 1.0
LOCK_POLL_S = 0.02

# Delete a lock only if it still holds our token.
_RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LoadOnce:
    """Single flight and the cross-process load lock, over a guarded Redis client."""

    def __init__(self, guard: RedisGuard) -> None:
        self.guard = guard
        self._flights: dict[str, asyncio.Future[Any]] = {}
        self._release_lock = guard.client.register_script(_RELEASE_LOCK)
        self._lock_tokens: dict[str, str] = {}

    async def single_flight(self, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
        """Run `load` once for concurrent callers with the same key in this process, and across
        processes let one caller load while the others wait briefly for its result."""
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
        """Try to take the short cross-process load lock for `key`; True when this caller should load
        (also when Redis cannot say). Only one caller per key and process asks (single flight)."""
        token = secrets.token_hex(8)

        async def take(r: aioredis.Redis) -> bool:
            return bool(await r.set(f"oms:lock:{key}", token, nx=True, px=int(LOCK_WAIT_S * 2000)))

        taken = await self.guard.run(take, True)
        if taken:
            self._lock_tokens[key] = token
        return taken

    async def unlock(self, key: str) -> None:
        """Release the load lock, if it is still ours (a slow load's lock may have expired and been taken)."""
        token = self._lock_tokens.pop(key, None)
        if token is None:
            return

        async def release(r: aioredis.Redis) -> None:
            await self._release_lock(keys=[f"oms:lock:{key}"], args=[token])

        await self.guard.run(release, None)


class _LoadAbandoned(Exception):
    """The request loading a page was cancelled; a waiter should load it itself."""

"""Which MongoDB database's data the shared Redis keys hold, so one Redis never serves another database's.

The page cache and the rankings use fixed keys (`oms.redis_store`). Two deployments on different
databases pointed at one Redis database (a wiped data directory, `make run` then `make stack`) would
otherwise read each other's pages and rankings. So:

- each MongoDB database has a deployment id, created once (`deployment_id`: a singleton document in the
  `deployment` collection; a wiped database gets a new one);
- Redis records the deployment whose data its keys hold (`OWNER_LAST`) and the one running now
  (`OWNER`, a key with a TTL that every worker of that deployment renews);
- at start-up and every `OWNER_RENEW_S` each worker runs `_CLAIM`, one atomic script: when another
  deployment is live it answers `shared`, and this process stops using those keys (`RedisGuard.fence`:
  the code path of OMS without Redis, still correct, one error logged, `/readyz` degraded) until that
  deployment has stopped; otherwise, when the keys hold another database's data, it retires every cached
  page (the epoch) and deletes the rankings (rebuilt from MongoDB on first use) before claiming them.

Per-user keys (login throttling, AI quota and cached AI replies) are named by ids and hashes that do not
collide across databases, so their guard is never fenced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from oms.clock import utcnow
from oms.documents.deployment import COLLECTION, SINGLETON_ID
from oms.redis_store import (
    EPOCH,
    OWNER,
    OWNER_LAST,
    OWNER_RENEW_S,
    OWNER_TTL_S,
    OWNER_WORKERS,
    POP_BUCKET_TTL_S,
    POP_BUILT,
    POP_REBUILDING,
    RedisGuard,
    pop_bucket,
    pop_union,
)
from oms.services.popularity.rankings import Window

log = logging.getLogger(__name__)

SHARED = "shared with another deployment"

# KEYS: the live owner, the last owner, the page epoch, the live owner's workers, then the ranking keys to
# delete on a change of hands (named, not scanned for, and unlinked: the script holds Redis for a moment however
# much is cached); without them (a renewal) a change of hands answers {'stale'} and changes nothing, and the
# caller asks again with them.
# ARGV: this deployment's id, the live key's TTL (0: do not take it, for one-off commands), this worker's id.
# Returns {'shared', other id} or {'owner', 1 if the keys were cleared (another database's, or whose was not
# recorded: a flushed Redis, an OMS that did not record it) else 0}.
_CLAIM = """
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then return {'shared', owner} end
local cleared = 0
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  if #KEYS == 4 then return {'stale'} end
  redis.call('INCR', KEYS[3])
  for i = 5, #KEYS, 100 do
    redis.call('UNLINK', unpack(KEYS, i, math.min(i + 99, #KEYS)))
  end
  redis.call('SET', KEYS[2], ARGV[1])
  cleared = 1
end
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  if not owner then redis.call('DEL', KEYS[4]) end
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
  redis.call('ZADD', KEYS[4], tonumber(redis.call('TIME')[1]) + ttl, ARGV[3])
  redis.call('EXPIRE', KEYS[4], ttl)
end
return {'owner', cleared}
"""

# KEYS: the live owner, its workers; ARGV: this deployment's id, this worker's id. The worker leaves; the
# live key goes only with the deployment's last live worker (the others would not renew it for a while).
_RELEASE = """
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(redis.call('TIME')[1]))
if redis.call('ZCARD', KEYS[2]) == 0 and redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class Claim(StrEnum):
    owner = "owner"  # the shared keys hold this database's data: use them
    cleared = "cleared"  # they held another database's (or unknown) data, now gone: use them
    shared = "shared"  # another deployment is running on them: leave them alone
    unknown = "unknown"  # Redis did not answer (the breaker now governs every call)


async def deployment_id(db: AsyncDatabase[dict[str, Any]]) -> str:
    """This database's deployment id, created by the first process to ask (insert-if-absent; any number
    of workers may race, all get the same id)."""
    collection = db[COLLECTION]
    fresh = {"id": uuid.uuid4().hex, "created_at": utcnow()}
    try:
        doc = await collection.find_one_and_update(
            {"_id": SINGLETON_ID},
            {"$setOnInsert": fresh},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:  # another worker inserted it between our lookup and our insert
        doc = None
    for _ in range(50):  # some servers (SecantusDB) return no document from an upsert that lost a race
        if doc is not None:
            return str(doc["id"])
        doc = await collection.find_one({"_id": SINGLETON_ID})
        if doc is None:
            await asyncio.sleep(0.02)
    raise RuntimeError("the deployment id could not be read back after it was written")


def separate_redis_hint(redis_url: str) -> str:
    """`OMS_REDIS_URL` for the same server's next database (credentials left out), to put in the error."""
    parts = urlsplit(redis_url)
    try:
        db = int(parts.path.strip("/") or 0)
    except ValueError:
        db = 0
    host = parts.hostname or "127.0.0.1"
    return f"OMS_REDIS_URL={parts.scheme or 'redis'}://{host}:{parts.port or 6379}/{db + 1}"


def ranking_keys(now: datetime) -> list[str]:
    """Every ranking key that can exist: the day buckets still alive (a rebuild gives a bucket up to 39 days
    old `POP_BUCKET_TTL_S` more), two days ahead for clocks that differ, the all-time sets, the windows'
    unions and the rebuild markers. Pages need no list: the epoch retires them all."""
    days = range(-2, 2 * POP_BUCKET_TTL_S // 86_400 + 2)
    buckets = [pop_bucket(kind, now - timedelta(days=d)) for d in days for kind in ("enroll", "view")]
    unions = [pop_union(window.value, what) for window in Window for what in ("score", "enroll")]
    alltime = [pop_bucket("enroll", "all"), pop_bucket("view", "all")]
    return [*buckets, *alltime, *unions, POP_BUILT, POP_REBUILDING]


def shared_message(redis_url: str) -> str:
    """The error when another deployment holds the keys: what it means and how to fix it."""
    return (
        "another OMS deployment (on another MongoDB database) is using this Redis database: this process "
        "runs without the shared page cache and Redis rankings while it does. Give each deployment its own "
        f"Redis database, e.g. {separate_redis_hint(redis_url)}"
    )


async def claim(guard: RedisGuard, deployment: str, ttl_s: int, worker: str = "") -> Claim:
    """Run the claim once through `guard` (never fenced): see `_CLAIM`."""
    script = guard.client.register_script(_CLAIM)
    args: list[str | int] = [deployment, ttl_s, worker]

    async def run(r: aioredis.Redis) -> Claim:
        reply = await script(keys=[OWNER, OWNER_LAST, EPOCH, OWNER_WORKERS], args=args)
        if reply[0] == b"stale":
            keys = [OWNER, OWNER_LAST, EPOCH, OWNER_WORKERS, *ranking_keys(utcnow())]
            reply = await script(keys=keys, args=args)
        if reply[0] == b"shared":
            return Claim.shared
        return Claim.cleared if int(reply[1]) else Claim.owner

    return await guard.run(run, Claim.unknown)


async def claim_once(guard: RedisGuard, db: AsyncDatabase[dict[str, Any]]) -> Claim:
    """For one-off commands that write the keys (`oms import-courses`, `oms rebuild-rankings`): clear
    another database's data and record this one's, without the live key (nothing would renew it); while
    another deployment is live, `guard` is fenced (the caller says so: `shared_message`)."""
    result = await claim(guard, await deployment_id(db), 0)
    if result is Claim.shared:
        guard.fence(SHARED)
    return result


class Ownership:
    """Keeps this process's claim on the shared keys, and fences `owned` while another deployment has them.

    `guard` is the unfenced guard over the same client and breaker; `on_fence` runs when this process stops
    using the keys (it drops what it holds from them)."""

    def __init__(
        self,
        guard: RedisGuard,
        owned: RedisGuard,
        deployment: str,
        redis_url: str,
        on_fence: Callable[[], None] | None = None,
        renew_s: float = OWNER_RENEW_S,
        ttl_s: int = OWNER_TTL_S,
    ) -> None:
        self.guard = guard
        self.owned = owned
        self.deployment = deployment
        self.redis_url = redis_url
        self.on_fence = on_fence
        self.renew_s = renew_s
        self.ttl_s = ttl_s
        self.worker = uuid.uuid4().hex
        self._task: asyncio.Task[None] | None = None
        guard.on_recovery(self._recovered, first=True)  # before any other recovery step touches the keys

    @property
    def shared(self) -> bool:
        """Whether another deployment holds the keys (this process runs without them)."""
        return self.owned.fenced == SHARED

    async def check(self) -> Claim:
        """Claim (or renew the claim on) the keys; fence `owned` while another deployment holds them."""
        result = await claim(self.guard, self.deployment, self.ttl_s, self.worker)
        if result is Claim.shared and not self.shared:
            self.owned.fence(SHARED)
            if self.on_fence is not None:
                self.on_fence()
            log.error(shared_message(self.redis_url), extra={"deployment": self.deployment})
        elif result in (Claim.owner, Claim.cleared) and self.owned.fenced is not None:
            if self.shared:
                log.warning(
                    "the other deployment has stopped: this one now uses the Redis cache and rankings",
                    extra={"deployment": self.deployment},
                )
            self.owned.fence(None)
        if result is Claim.cleared:
            log.warning(
                "Redis held the cache and rankings of another database (or of one it did not record): "
                "cached pages retired, rankings will be rebuilt from MongoDB",
                extra={"deployment": self.deployment},
            )
        return result

    async def start(self) -> Claim:
        """The first claim (before anything reads the keys), then renewals in the background."""
        result = await self._settle("starting")
        self._task = asyncio.create_task(self._renew(), name="oms-redis-owner")
        return result

    async def _recovered(self) -> None:
        """Redis is back: whose keys they are may have changed meanwhile (an outage longer than the claim's
        TTL lets another deployment take them), so nothing touches them until the claim says."""
        await self._settle("checking")

    async def _settle(self, reason: str) -> Claim:
        """Claim with `owned` fenced meanwhile; when Redis does not answer, the breaker (now open) keeps
        every call away from Redis instead, and its recovery runs `_recovered` before any other step."""
        if not self.shared:
            self.owned.fence(reason)
        result = await self.check()
        if result is Claim.unknown and self.owned.fenced == reason:
            self.owned.fence(None)
        return result

    async def stop(self) -> None:
        """Stop renewing and leave; the last live worker of the deployment gives the live claim up."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if not self.shared:
            release = self.guard.client.register_script(_RELEASE)

            async def run(r: aioredis.Redis) -> None:
                await release(keys=[OWNER, OWNER_WORKERS], args=[self.deployment, self.worker])

            await self.guard.run(run, None)

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.renew_s)
            try:
                await self.check()
            except Exception:  # never let the loop die; the guard already absorbs Redis faults
                log.exception("renewing the Redis claim failed")

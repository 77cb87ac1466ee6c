"""Redis, in one place: the client factory, the breaker every call goes through, and every key and TTL.

- `connect` builds the one kind of client the API and the command line use; `tcp_settings` says how to
  open a raw connection to the same server (the near cache's invalidation stream), TLS and credentials
  included.
- `RedisGuard.run` returns a default instead of raising. After a failure the breaker opens: Redis is not
  tried again for `retry_after` seconds (requests go straight to MongoDB), then the next call probes it.
  One warning is logged per outage, and one line when Redis is back.
- The keys section names every `oms:*` key and its lifetime; Lua scripts get theirs through KEYS/ARGV.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import redis.asyncio as aioredis
from prometheus_client import Counter as MetricCounter
from redis.exceptions import RedisError

from oms.config import Settings
from oms.edge.metrics import CACHE_EVENTS

log = logging.getLogger(__name__)
T = TypeVar("T")


def connect(settings: Settings, timeout_s: float | None = None) -> aioredis.Redis:
    """A pooled client for `settings.redis_url`; short timeouts (Redis must never hold a request up)."""
    timeout = timeout_s or settings.redis_timeout_s
    return aioredis.from_url(
        settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
    )


def tcp_settings(client: aioredis.Redis) -> dict[str, Any] | None:
    """host, port, username, password and an `ssl` context (or None) to reach the server `client` talks
    to as it does; None when that is not over TCP (a unix socket)."""
    kwargs = client.connection_pool.connection_kwargs
    kind = client.connection_pool.connection_class
    if "host" not in kwargs or kind not in (aioredis.Connection, aioredis.SSLConnection):
        return None
    tls = None
    if kind is aioredis.SSLConnection:
        tls = ssl.create_default_context(
            cafile=kwargs.get("ssl_ca_certs"),
            capath=kwargs.get("ssl_ca_path"),
            cadata=kwargs.get("ssl_ca_data"),
        )
        if kwargs.get("ssl_certfile"):
            tls.load_cert_chain(kwargs["ssl_certfile"], kwargs.get("ssl_keyfile"), kwargs.get("ssl_password"))
        tls.check_hostname = bool(kwargs.get("ssl_check_hostname", True))
        if kwargs.get("ssl_cert_reqs") in ("none", ssl.CERT_NONE):
            tls.check_hostname = False
            tls.verify_mode = ssl.CERT_NONE
    return {k: kwargs.get(k) for k in ("host", "port", "username", "password")} | {"ssl": tls}


class _Breaker:
    """What every guard over one client shares: whether Redis is up, the counters, the recovery hooks."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        self.down = False
        self.open_until = 0.0
        self.stats: Counter[str] = Counter()
        self.recovery_hooks: list[Callable[[], Awaitable[object]]] = []
        self.series: dict[str, MetricCounter] = {}


class RedisGuard:
    """Runs Redis operations with a breaker, and counts what happened to them.

    `owned()` gives a second guard over the same client and breaker for the keys one deployment owns (the
    page cache and the rankings): `fence(reason)` stops its calls, not those of per-user keys (throttling,
    AI quota), while another deployment's data is in this Redis (`oms.redis_owner`)."""

    def __init__(
        self, client: aioredis.Redis, retry_after: float = 5.0, breaker: _Breaker | None = None
    ) -> None:
        self.client = client
        self._breaker = breaker or _Breaker(retry_after)
        self.fenced: str | None = None

    @property
    def retry_after(self) -> float:
        """Seconds Redis is skipped after a failure."""
        return self._breaker.retry_after

    @retry_after.setter
    def retry_after(self, seconds: float) -> None:
        self._breaker.retry_after = seconds

    @property
    def down(self) -> bool:
        """Whether the last call failed (the breaker is open or half-open)."""
        return self._breaker.down

    @property
    def stats(self) -> Counter[str]:
        """Cache and Redis events so far (shared by the guards over one client)."""
        return self._breaker.stats

    @property
    def state(self) -> str:
        """`closed` (using Redis), `open` (skipping it) or `half-open` (the next call probes it)."""
        if not self.down:
            return "closed"
        return "open" if time.monotonic() < self._breaker.open_until else "half-open"

    def owned(self) -> RedisGuard:
        """A guard over the same client and breaker that `fence` can stop without stopping this one."""
        return RedisGuard(self.client, breaker=self._breaker)

    def fence(self, reason: str | None) -> None:
        """Stop (`reason`) or resume (None) every call through this guard: while fenced, `run` returns its
        default at once, as with Redis down."""
        self.fenced = reason

    def count(self, event: str) -> None:
        """Count a cache or Redis event (hits, misses, errors, skipped), here and in the metrics."""
        self.stats[event] += 1
        series = self._breaker.series.get(event)
        if series is None:
            series = self._breaker.series[event] = CACHE_EVENTS.labels(event)
        series.inc()

    def on_recovery(self, hook: Callable[[], Awaitable[object]], first: bool = False) -> None:
        """Run `hook` (with Redis usable) each time Redis comes back after an outage (`first`: before the
        hooks added so far)."""
        self._breaker.recovery_hooks.insert(0 if first else len(self._breaker.recovery_hooks), hook)

    async def run(self, op: Callable[[aioredis.Redis], Awaitable[T]], default: T) -> T:
        """`op(client)`, or `default` when fenced, when the breaker is open or when the call fails."""
        if self.fenced is None and self.down and not await self._probe():
            self.count("skipped")
            return default
        if self.fenced is not None:  # (checked after the probe too: its recovery steps may fence)
            self.count("fenced")
            return default
        try:
            return await op(self.client)
        except (TimeoutError, RedisError, OSError) as exc:
            self._trip(exc)
            return default

    async def _probe(self) -> bool:
        """While open: False until `retry_after` has passed; then PING, and on success run the recovery
        hooks (before any cached data is read again) and close the breaker."""
        breaker = self._breaker
        if time.monotonic() < breaker.open_until:
            return False
        breaker.open_until = time.monotonic() + breaker.retry_after  # one prober at a time
        try:
            await self.client.connection_pool.disconnect()  # pooled sockets may point at the old server
            await self.client.ping()
        except (TimeoutError, RedisError, OSError) as exc:
            self._trip(exc)
            return False
        breaker.down = False
        log.warning("redis is reachable again; caching resumes")
        for hook in list(breaker.recovery_hooks):
            try:
                await hook()
            except (
                Exception
            ):  # e.g. a ranking rebuild while MongoDB is away: that feature waits, not the request
                log.exception("a redis recovery step failed")
        return True

    def _trip(self, exc: Exception) -> None:
        self.count("errors")
        breaker = self._breaker
        if not breaker.down:
            log.warning(
                "redis unavailable; serving from MongoDB and retrying every %.0f s",
                breaker.retry_after,
                extra={"error": f"{type(exc).__name__}: {exc}"},
            )
        breaker.down = True
        breaker.open_until = time.monotonic() + breaker.retry_after

    def snapshot(self) -> dict[str, Any]:
        """Counters and breaker state, for metrics."""
        return {"state": self.state, **self.stats}


# --- keys ------------------------------------------------------------------------------------------------
# Page cache (services/pagecache): cached replies live under `oms:c:<epoch>:...`, so bumping the epoch
# retires them all; a course page also carries its course's generation, list pages the catalogue's.

EPOCH = "oms:epoch"  # goes up after an outage in which a write could not reach Redis
CATALOGUE_GEN = "oms:catgen"  # goes up on every write to any course
COURSE_GEN_PREFIX = "oms:cgen:"  # + course id: goes up on every write to that course
PAGE_PREFIX = "oms:c:"  # + epoch + ":" + parts joined by ":" (page_key)
SLUG, COURSE = "slug", "course"  # page kinds: a slug's course id, a course page (a hash: body, etag, slug)
LOAD_LOCK_PREFIX = "oms:lock:"  # + a page's load key: one loader across processes
LOAD_LOCK_TTL_S = 2.0  # twice what waiters wait for the loader (load_once.LOCK_WAIT_S)
POPULAR_TTL_S = 30  # popular lists and the catalogue sorted by popularity: rankings move


def course_gen(course_id: str) -> str:
    """The generation counter of one course."""
    return f"{COURSE_GEN_PREFIX}{course_id}"


def page_key(epoch: str, *parts: str) -> str:
    """A cached page (or slug mapping) under `epoch`; the read scripts build the same from ARGV."""
    return f"{PAGE_PREFIX}{epoch}:" + ":".join(parts)


def load_lock(key: str) -> str:
    """The cross-process lock of one page load."""
    return f"{LOAD_LOCK_PREFIX}{key}"


# Popularity (services/popularity): per-day sorted sets of enrollments and views, plus all-time sets.

POP_PREFIX = "oms:pop:"
POP_BUCKET_TTL_S = 40 * 24 * 3600  # day buckets outlive the longest window (30 days)
POP_UNION_TTL_S = 30  # a window's union, recomputed at most this often
POP_BUILT = "oms:pop:built"  # present once the enrollment buckets were rebuilt from MongoDB
POP_REBUILDING = "oms:pop:rebuilding"  # one rebuild at a time
POP_REBUILD_TTL_S = 60


def pop_bucket(kind: str, day: datetime | str) -> str:
    """The sorted set of one day's `kind` (enroll|view) counts (day as a datetime or YYYYMMDD), or the
    all-time set for 'all'."""
    suffix = day if isinstance(day, str) else day.strftime("%Y%m%d")
    return f"{POP_PREFIX}{kind}:{suffix}"


def pop_union(window: str, what: str) -> str:
    """A window's union of day buckets: `score` (weighted) or `enroll`."""
    return f"{POP_PREFIX}u:{window}:{what}"


POP_REBUILT_PATTERNS = (f"{POP_PREFIX}enroll:*", f"{POP_PREFIX}u:*")  # what a rebuild replaces

# Ownership (oms.redis_owner): which MongoDB database's data the shared keys above hold. Only the keys of
# the page cache and the rankings are one deployment's; the keys below are per user or per content hash.

OWNER = "oms:owner"  # the live owner's deployment id, renewed by each of its workers
OWNER_LAST = "oms:owner:last"  # the deployment whose data the keys hold (no TTL)
OWNER_WORKERS = "oms:owner:workers"  # the live owner's workers (a sorted set: worker id by expiry time)
OWNER_TTL_S = 60
OWNER_RENEW_S = 10

# Accounts and AI: attempt counters, LLM quota, cached AI replies. Parts are ids, numbers and hashes only.


def throttle(kind: str, digest: str) -> str:
    """A login/registration attempt counter (`digest`: a hash of the username or address)."""
    return f"oms:throttle:{kind}:{digest}"


AI_QUOTA_WINDOW_S = 3600
AI_QUOTA_TTL_S = AI_QUOTA_WINDOW_S + 60
AI_ADVICE_FALLBACK_TTL_S = 60  # offline advice written because the model failed: ask it again soon
AI_REASONS_TTL_S = 6 * 3600


def ai_quota(user_id: str, window: int) -> str:
    """One user's model-written replies in one hour window (the quota)."""
    return f"oms:ai:quota:{user_id}:{window}"


def ai_provider_calls(user_id: str, window: int) -> str:
    """Requests sent to the provider for one user in one hour window (the cost cap)."""
    return f"oms:ai:calls:{user_id}:{window}"


def ai_advice(enrollment_id: str, digest: str, lang: str) -> str:
    """One version of an enrollment's advice, in one language."""
    return f"oms:ai:advice:{enrollment_id}:{digest}:{lang}"


def ai_reasons(digest: str) -> str:
    """Reworded recommendation reasons for one page of items."""
    return f"oms:ai:reasons:{digest}"

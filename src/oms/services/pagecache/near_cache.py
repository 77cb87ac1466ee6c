"""Course pages held in this process, kept exact by Redis server-assisted invalidation.

A page held here is served with no Redis round trip. What keeps it exact is Redis `CLIENT TRACKING` in
broadcast mode: one connection per process turns tracking on for the course generation and epoch prefixes,
redirected to itself, and subscribes to `__redis__:invalidate`. Every change to a course's generation (any
write to the course, from any process) or to the epoch then reaches every process: Redis queues the message
in the same event-loop cycle as the write, so it is on its way before the writer hears back. The asyncio
protocol drops the page inside `data_received`, so an invalidation that reached this process's socket
before a request is applied before that request's handler runs (both are read in the same event-loop turn,
and handlers run in a later one). The process that writes drops its own copy before and after it tells
Redis, so its own reads never see the old page.

Pages are served only while that connection is up, subscribed, and answered a heartbeat (PING, every
second) within the last two seconds: a connection gone silent (a lost packet, a one-way partition) cannot
keep a page past a write for longer than that. When it drops, everything held is forgotten and reads go
back to Redis until a new subscription is in place. A page read from Redis is kept only if no invalidation
at all arrived while it was being read (`seq`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, cast

import redis.asyncio as aioredis

from oms import redis_store

log = logging.getLogger(__name__)

CHANNEL = b"__redis__:invalidate"
COURSE_GEN_PREFIX = redis_store.COURSE_GEN_PREFIX.encode()
TRACKED = (COURSE_GEN_PREFIX, redis_store.EPOCH.encode())
INCOMPLETE = object()


class RespError(Exception):
    """An error reply from Redis."""


def _encode(*args: str | bytes | int) -> bytes:
    parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def parse_resp(buf: bytes | bytearray, pos: int) -> tuple[Any, int]:
    """One RESP2 value at `buf[pos:]` and the position after it; `(INCOMPLETE, pos)` when more bytes are
    needed. Errors come back as `RespError` values, nulls as None."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        return INCOMPLETE, pos
    kind, line, after = buf[pos : pos + 1], bytes(buf[pos + 1 : end]), end + 2
    if kind == b"+":
        return line, after
    if kind == b"-":
        return RespError(line.decode(errors="replace")), after
    if kind == b":":
        return int(line), after
    if kind == b"$":
        size = int(line)
        if size < 0:
            return None, after
        if len(buf) < after + size + 2:
            return INCOMPLETE, pos
        return bytes(buf[after : after + size]), after + size + 2
    if kind == b"*":
        count = int(line)
        if count < 0:
            return None, after
        items = []
        for _ in range(count):
            item, after = parse_resp(buf, after)
            if item is INCOMPLETE:
                return INCOMPLETE, pos
            items.append(item)
        return items, after
    raise ValueError(f"not a RESP2 reply: {bytes(buf[pos : pos + 16])!r}")


@dataclass(frozen=True, slots=True)
class NearPage:
    """A course reply held in this process."""

    course_id: str
    body: bytes
    etag: str
    slug: str
    epoch: str
    gen: str
    expires: float


class _Invalidations(asyncio.Protocol):
    """The tracking connection: replies go to waiting commands, invalidations straight to the cache."""

    def __init__(self, near: NearCache) -> None:
        self.near = near
        self.buffer = bytearray()
        self.replies: deque[asyncio.Future[Any]] = deque()
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's

    def command(self, *args: str | bytes | int) -> asyncio.Future[Any]:
        """Send a command; the future gets its reply."""
        assert self.transport is not None
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.replies.append(reply)
        self.transport.write(_encode(*args))
        return reply

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        pos = 0
        try:
            while True:
                value, pos = parse_resp(self.buffer, pos)
                if value is INCOMPLETE:
                    break
                self._dispatch(value)
        except ValueError as exc:
            self.near.forget_all()
            assert self.transport is not None
            self.transport.abort()
            log.warning("redis invalidation stream unreadable; near cache off until reconnected: %s", exc)
        del self.buffer[:pos]

    def _dispatch(self, value: Any) -> None:
        if isinstance(value, list) and len(value) == 3 and value[0] == b"message" and value[1] == CHANNEL:
            keys = value[2]  # a list of keys; None after a flush; anything else (a stray PUBLISH): all
            self.near.invalidate(
                keys if isinstance(keys, list) and all(isinstance(k, bytes) for k in keys) else None
            )
        elif self.replies:
            reply = self.replies.popleft()
            if not reply.done():
                reply.set_result(value)

    def connection_lost(self, exc: Exception | None) -> None:
        self.near.forget_all()
        for reply in self.replies:
            if not reply.done():
                reply.set_exception(ConnectionError("redis connection lost"))
        self.replies.clear()
        if not self.closed.done():
            self.closed.set_result(None)


class NearCache:
    """Course pages by id (and slug), valid while the invalidation subscription is live."""

    def __init__(
        self,
        connection: dict[str, Any],
        max_bytes: int,
        ttl_s: float,
        timeout_s: float = 1.0,
        retry_s: float = 5.0,
        heartbeat_s: float = 1.0,
    ) -> None:
        self.connection = connection
        self.max_bytes = max_bytes
        self.ttl_s = ttl_s
        self.timeout_s = timeout_s
        self.retry_s = retry_s
        self.heartbeat_s = heartbeat_s
        self.seq = 0  # goes up with every invalidation, connect and disconnect
        self.live = False
        self.heard_until = 0.0  # held pages are served only while Redis answered a heartbeat lately
        self.size = 0
        self._pages: dict[str, NearPage] = {}
        self._slugs: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._reported = False

    # --- reads and writes (synchronous: no await between a check and its use) -------------------------

    def get(self, ref: str, is_slug: bool = False) -> NearPage | None:
        """The page held for a course id (or slug), if any and still valid."""
        if not self.live:
            return None
        course_id = self._slugs.get(ref) if is_slug else ref
        page = self._pages.get(course_id) if course_id else None
        if page is None or (is_slug and page.slug != ref):
            return None
        now = time.monotonic()
        if now > self.heard_until:  # a silent connection may be missing invalidations
            return None
        if page.expires < now:
            self._drop(page.course_id)
            return None
        return page

    def put(self, seq: int, page: NearPage) -> bool:
        """Hold `page`, read from Redis since `seq` was taken, unless something was invalidated meanwhile."""
        if not self.live or seq != self.seq or len(page.body) > self.max_bytes // 8:
            return False
        self._drop(page.course_id)
        self._pages[page.course_id] = page
        self._slugs[page.slug] = page.course_id
        self.size += len(page.body)
        while self.size > self.max_bytes:  # oldest first
            self._drop(next(iter(self._pages)))
        return True

    def invalidate(self, keys: list[bytes] | None) -> None:
        """Apply one invalidation message: a course generation drops that course; anything else, all."""
        self.seq += 1
        for key in keys or [b""]:
            if key.startswith(COURSE_GEN_PREFIX):
                self._drop(key[len(COURSE_GEN_PREFIX) :].decode(errors="replace"))
            else:
                self._clear()
                return

    def forget(self, course_id: str) -> None:
        """This process wrote to the course: drop its page now, before the broadcast comes back."""
        self.invalidate([COURSE_GEN_PREFIX + course_id.encode()])

    def forget_all(self) -> None:
        """Stop serving anything held (the subscription is gone or cannot be trusted)."""
        self.seq += 1
        self.live = False
        self._clear()

    def _drop(self, course_id: str) -> None:
        page = self._pages.pop(course_id, None)
        if page is not None:
            self.size -= len(page.body)
            if self._slugs.get(page.slug) == course_id:
                del self._slugs[page.slug]

    def _clear(self) -> None:
        self._pages.clear()
        self._slugs.clear()
        self.size = 0

    # --- the subscription -------------------------------------------------------------------------------

    def start(self) -> None:
        """Keep a subscription up in the background (reconnecting after faults)."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="oms-near-cache")

    async def stop(self) -> None:
        """End the subscription and forget everything."""
        if self._task is not None:
            # the flag as well as the cancel: Python 3.11's wait_for swallows a cancellation that arrives
            # as the connect it waits on fails (refused, Redis just stopped), and the loop would go on
            self._stopping = True
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        self.forget_all()

    async def _run(self) -> None:
        self._reported = False
        while not self._stopping:
            try:
                await self._session()
            except Exception as exc:  # whatever it was, hold nothing and try again later
                if not self._reported:  # once per outage, like the breaker
                    log.warning("near cache off until redis invalidations can be subscribed: %r", exc)
                self._reported = True
            self.forget_all()
            await asyncio.sleep(self.retry_s)

    async def _session(self) -> None:
        loop = asyncio.get_running_loop()
        c = self.connection
        connecting = loop.create_connection(
            lambda: _Invalidations(self), c["host"], c["port"], ssl=c.get("ssl")
        )
        _, proto = await asyncio.wait_for(connecting, self.timeout_s)
        try:
            if c.get("password"):
                auth = (c["username"], c["password"]) if c.get("username") else (c["password"],)
                await self._expect_ok(proto.command("AUTH", *auth))
            client_id = await asyncio.wait_for(proto.command("CLIENT", "ID"), self.timeout_s)
            if not isinstance(client_id, int):
                raise RespError(f"unexpected reply to CLIENT ID: {client_id!r}")
            prefixes = [part for prefix in TRACKED for part in (b"PREFIX", prefix)]
            tracking: list[str | bytes | int] = ["CLIENT", "TRACKING", "ON", "REDIRECT", client_id, "BCAST"]
            await self._expect_ok(proto.command(*tracking, *prefixes))
            subscribed = await asyncio.wait_for(proto.command("SUBSCRIBE", CHANNEL), self.timeout_s)
            if not (isinstance(subscribed, list) and subscribed[:1] == [b"subscribe"]):
                raise RespError(f"unexpected reply to SUBSCRIBE: {subscribed!r}")
            self.forget_all()  # whatever changed while we were not listening
            self.heard_until = time.monotonic() + 2 * self.heartbeat_s
            self.live = True
            self._reported = False
            log.info("near cache on: redis invalidations subscribed")
            while True:
                done, _ = await asyncio.wait({proto.closed}, timeout=self.heartbeat_s)
                if done:
                    raise ConnectionError("redis closed the invalidation connection")
                await asyncio.wait_for(proto.command("PING"), self.timeout_s)
                self.heard_until = time.monotonic() + 2 * self.heartbeat_s
        finally:
            self.forget_all()
            if proto.transport is not None:
                proto.transport.abort()

    async def _expect_ok(self, reply: asyncio.Future[Any]) -> None:
        value = await asyncio.wait_for(reply, self.timeout_s)
        if isinstance(value, RespError):
            raise value


def near_cache_for(
    client: aioredis.Redis, *, max_bytes: int, ttl_s: float, timeout_s: float, retry_s: float
) -> NearCache | None:
    """A near cache for the Redis that `client` talks to, connecting as it does (TCP or TLS, with the same
    credentials and certificates); None when it is not wanted (`max_bytes` 0) or Redis is not over TCP."""
    connection = redis_store.tcp_settings(client)
    if max_bytes <= 0 or connection is None:
        return None
    return NearCache(connection, max_bytes=max_bytes, ttl_s=ttl_s, timeout_s=timeout_s, retry_s=retry_s)

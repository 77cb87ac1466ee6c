"""The bundled load generator: N keep-alive HTTP/1.1 connections on asyncio for D seconds.

Records each request's latency and status, and can check each reply's body. Used when wrk is missing, and
always for the Redis-outage run, where every body is checked.
"""

from __future__ import annotations

import asyncio
import http.client
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Check = Callable[[str, int, bytes], bool]  # (path, status, body) -> the reply is correct
TIMEOUT_S = 30.0  # above the app's own MongoDB socket timeout (10 s), so slow replies are measured


@dataclass
class Result:
    """One measured run: throughput, latency percentiles and what went wrong."""

    label: str
    server: str
    tool: str
    connections: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int = 0
    errors: int = 0  # socket errors and timeouts
    status_5xx: int | None = None  # None: the tool cannot tell (wrk counts non-2xx/3xx only)
    wrong: int | None = None  # bodies that failed the check; None: not checked
    cpu_us: dict[str, float] = field(default_factory=dict)  # process -> CPU microseconds per request
    other_load_pct: float = 0.0  # CPU used meanwhile by processes outside the benchmark, % of the machine

    @property
    def rps(self) -> float:
        """Successful (2xx) replies per second: errors do not count as throughput."""
        return (self.requests - self.non_2xx) / self.seconds if self.seconds else 0.0


def median(runs: list[Result]) -> Result:
    """The run with the median throughput (the lower middle one of an even count)."""
    return sorted(runs, key=lambda r: r.rps)[(len(runs) - 1) // 2]


@dataclass
class Samples:
    """Every request of a run: when it ended (s since start), its latency (s), status (0: no reply), check."""

    done_at: list[float] = field(default_factory=list)
    latency: list[float] = field(default_factory=list)
    status: list[int] = field(default_factory=list)
    correct: list[bool] = field(default_factory=list)
    seconds: float = 0.0
    connections: int = 0

    def result(self, label: str, server: str, start: float = 0.0, end: float | None = None) -> Result:
        """Figures for the requests that ended in [start, end)."""
        end = self.seconds if end is None else end
        picked = [i for i, t in enumerate(self.done_at) if start <= t < end]
        lat = sorted(self.latency[i] for i in picked)
        statuses = [self.status[i] for i in picked]
        return Result(
            label,
            server,
            "python",
            connections=self.connections,
            requests=sum(1 for s in statuses if s),
            seconds=end - start,
            p50_ms=percentile(lat, 50) * 1000,
            p99_ms=percentile(lat, 99) * 1000,
            non_2xx=sum(1 for s in statuses if s and not 200 <= s < 300),
            errors=sum(1 for s in statuses if not s),
            status_5xx=sum(1 for s in statuses if s >= 500),
            wrong=sum(1 for i in picked if not self.correct[i]),
        )


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of sorted values (0 for none)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


class _Connection:
    """One keep-alive connection; reconnects after an error."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(request)
        head = (await self.reader.readuntil(b"\r\n\r\n")).lower()
        status = int(head[9:12])
        length = head.find(b"\r\ncontent-length:")
        if length >= 0:
            body = await self.reader.readexactly(int(head[length + 17 : head.index(b"\r\n", length + 2)]))
        elif b"transfer-encoding: chunked" in head:
            body = await self._chunked()
        else:
            body = b""
        if b"connection: close" in head:
            self.close()
        return status, body

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts = []
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await self.reader.readexactly(size + 2))
        await self.reader.readuntil(b"\r\n")
        return b"".join(p[:-2] for p in parts)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _drive(
    port: int, paths: list[str], connections: int, seconds: float, check: Check | None
) -> Samples:
    samples = Samples(connections=connections)
    requests = {p: f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode() for p in paths}
    rng = random.Random(7)
    start = time.perf_counter()
    deadline = start + seconds

    async def worker() -> None:
        conn = _Connection(port)
        try:
            while (began := time.perf_counter()) < deadline:
                path = paths[rng.randrange(len(paths))]
                try:
                    async with asyncio.timeout(TIMEOUT_S):
                        status, body = await conn.get(requests[path])
                except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
                    conn.close()
                    status, body = 0, b""
                    await asyncio.sleep(0.01)
                ended = time.perf_counter()
                samples.done_at.append(ended - start)
                samples.latency.append(ended - began)
                samples.status.append(status)
                samples.correct.append(check(path, status, body) if check and status else True)
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    samples.seconds = time.perf_counter() - start
    return samples


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def drive(
    port: int, paths: list[str], connections: int, seconds: float, check: Check | None = None
) -> Samples:
    """Send GETs for random `paths` to 127.0.0.1:`port` over `connections` connections for `seconds`."""
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(_drive(port, paths, connections, seconds, check))


def fetch_all(port: int, paths: list[str]) -> dict[str, tuple[int, bytes]]:
    """Each path once, in order, over one connection: (status, body) by path."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        replies = {}
        for path in paths:
            conn.request("GET", path)
            reply = conn.getresponse()
            replies[path] = (reply.status, reply.read())
        return replies
    finally:
        conn.close()

"""The load of `scripts/bench-deadlines`: keep-alive clients mixing cached and database-bound GETs.

Each client is one HTTP/1.1 connection on asyncio; every reply's latency, status and whether it is a
problem+json are recorded, and summarised per kind of request (`phase`).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

from oms_bench.load import percentile

API = "/api/v1"


class Connection:
    """One keep-alive HTTP/1.1 connection (reconnects after an error)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes, bytes]:
        """Send a prepared request; (status, lower-cased head, body)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = (await self.reader.readuntil(b"\r\n\r\n")).lower()
        at = head.find(b"\r\ncontent-length:")
        length = int(head[at + 17 : head.index(b"\r\n", at + 2)]) if at >= 0 else 0
        return int(head[9:12]), head, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def get(port: int, path: str, token: str | None = None) -> bytes:
    """A prepared GET, with a bearer token when given."""
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}\r\n".encode()


@dataclass
class Sample:
    """One request: cached or database-bound, when it began (s into the run), its latency, its reply."""

    kind: str  # cached | db
    began: float
    seconds: float
    status: int
    problem: bool


@dataclass
class Phase:
    """Figures of one kind of request in one phase."""

    requests: int
    ok_200: int
    status_503_problem: int
    other: int
    p50_ms: float
    p99_ms: float
    max_ms: float


def phase(samples: list[Sample], kind: str) -> Phase:
    """The figures of the `kind` requests among `samples`."""
    picked = [s for s in samples if s.kind == kind]
    lat = sorted(s.seconds for s in picked)
    return Phase(
        requests=len(picked),
        ok_200=sum(s.status == 200 for s in picked),
        status_503_problem=sum(s.status == 503 and s.problem for s in picked),
        other=sum(s.status not in (200, 503) or (s.status == 503 and not s.problem) for s in picked),
        p50_ms=round(percentile(lat, 50) * 1000, 1),
        p99_ms=round(percentile(lat, 99) * 1000, 1),
        max_ms=round((lat[-1] if lat else 0) * 1000, 1),
    )


async def drive(
    port: int, students: list[dict[str, str]], courses: list[str], seconds: float, think_s: float
) -> list[Sample]:
    """One client per student for `seconds`, each choosing a cached or a database-bound request at random
    and pausing `think_s` after each reply (0: flat out, which keeps the worker saturated)."""
    cached = [get(port, f"{API}/courses/{c}") for c in courses] + [get(port, f"{API}/courses/popular")]
    samples: list[Sample] = []
    start = time.perf_counter()
    until = start + seconds

    async def client(student: dict[str, str], seed: int) -> None:
        rng = random.Random(seed)
        bound = [get(port, f"{API}/me/enrollments", student["token"])]
        bound.append(get(port, f"{API}/enrollments/{student['enrollment']}", student["token"]))
        conn = Connection(port)
        try:
            while (began := time.perf_counter()) < until:
                kind = "db" if rng.random() < 0.5 else "cached"
                raw = rng.choice(bound if kind == "db" else cached)
                try:
                    status, head, _ = await asyncio.wait_for(conn.request(raw), 30)
                except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
                    conn.close()
                    status, head = 0, b""
                problem = b"content-type: application/problem+json" in head
                samples.append(Sample(kind, began - start, time.perf_counter() - began, status, problem))
                if think_s:
                    await asyncio.sleep(think_s)
        finally:
            conn.close()

    await asyncio.gather(*(client(s, i) for i, s in enumerate(students)))
    return samples


def run_load(
    port: int, students: list[dict[str, str]], courses: list[str], seconds: float, think_s: float
) -> list[Sample]:
    """`drive` on a fresh event loop (callable from any thread)."""
    return asyncio.run(drive(port, students, courses, seconds, think_s))

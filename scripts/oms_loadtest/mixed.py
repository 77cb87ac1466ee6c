"""The mixed workload: browse 60%, course detail 25%, login 5%, enroll + progress 10%, by real users.

Setup (not measured): an admin creates published courses; each virtual user registers and logs in from its
own loopback address (127.n.x.y), so Nginx's per-address rate limits see separate clients.
"""

from __future__ import annotations

import asyncio
import csv
import json
import math
import random
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from oms_loadtest.http import Connection, HttpError

T = TypeVar("T")
API = "/api/v1"
MIX = (("browse", 0.60), ("detail", 0.25), ("login", 0.05), ("enroll_progress", 0.10))
PASSWORD = "load-test-password-1"
BROWSE = [
    f"{API}/courses?sort={s}&limit=20&offset={o}" for s in ("newest", "name", "popular") for o in (0, 20)
]


def source_ip(i: int, net: int) -> str:
    """The loopback address of virtual user `i` (0-based) in 127.`net`.0.0/16 (a new /16 for each run)."""
    return f"127.{net}.{i // 250}.{i % 250 + 1}"


@dataclass
class Course:
    """A course the workload reads and enrolls in."""

    id: str
    slug: str
    sections: list[str]


@dataclass
class User:
    """A virtual user: its connection, token and enrollments (course id -> enrollment id)."""

    name: str
    conn: Connection
    token: str = ""
    enrollments: dict[str, str] = field(default_factory=dict)

    @property
    def auth(self) -> dict[str, str]:
        """The Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Sample:
    """One measured request: kind, start (s since the run began), latency (s), status (0: no reply)."""

    kind: str
    start: float
    latency: float
    status: int
    error: str = ""  # what went wrong when no reply came


class SetupError(RuntimeError):
    """The workload could not be prepared (the message says which request failed)."""


async def _expect(conn: Connection, method: str, path: str, status: int, **kw: Any) -> Any:
    got, body = await conn.request(method, path, **kw)
    if got != status:
        raise SetupError(f"{method} {path} -> {got} (wanted {status}): {body[:300]!r}")
    return json.loads(body) if body else None


async def _login(conn: Connection, username: str, password: str) -> str:
    reply = await _expect(
        conn, "POST", f"{API}/auth/login", 200, body={"username": username, "password": password}
    )
    return str(reply["access_token"])


async def setup(
    host: str, port: int, admin: tuple[str, str], users: int, courses: int
) -> tuple[list[Course], list[User]]:
    """Create `courses` published courses (as admin) and `users` logged-in students."""
    run = secrets.token_hex(3)
    conn = Connection(host, port)
    token = await _login(conn, *admin)
    made: list[Course] = []
    for i in range(courses):
        body = {
            "name": f"Load test {run} course {i}",
            "slug": f"lt-{run}-{i}",
            "description": "created by scripts/loadtest",
            "status": "published",
            "tags": ["loadtest", f"lt-{i % 4}"],
            "sections": [
                {"title": f"Part {j}", "body": "text " * 50, "duration_minutes": 10} for j in range(4)
            ],
        }
        reply = await _expect(
            conn, "POST", f"{API}/courses", 201, body=body, headers={"Authorization": f"Bearer {token}"}
        )
        made.append(Course(reply["id"], reply["slug"], [s["section_id"] for s in reply["sections"]]))
    await conn.close()
    net = secrets.randbelow(250) + 2  # fresh addresses: the app limits registrations per address and hour
    people = [User(f"lt{run}u{i}", Connection(host, port, source_ip(i, net))) for i in range(users)]
    gate = asyncio.Semaphore(8)

    async def enrol(user: User) -> None:
        async with gate:
            body = {"username": user.name, "password": PASSWORD}
            await _expect(user.conn, "POST", f"{API}/auth/register", 201, body=body)
            user.token = await _login(user.conn, user.name, PASSWORD)

    await asyncio.gather(*(enrol(u) for u in people))
    return made, people


async def archive(host: str, port: int, admin: tuple[str, str], courses: list[Course]) -> None:
    """Archive the courses the run created, so they leave the public catalogue (enrollments stay)."""
    conn = Connection(host, port)
    auth = {"Authorization": f"Bearer {await _login(conn, *admin)}"}
    for course in courses:
        await _expect(conn, "DELETE", f"{API}/courses/{course.id}", 204, headers=auth)
    await conn.close()


def _pick(rng: random.Random) -> str:
    roll = rng.random()
    for kind, share in MIX:
        if roll < share:
            return kind
        roll -= share
    return MIX[-1][0]


async def _one(user: User, kind: str, courses: list[Course], rng: random.Random) -> int:
    """Do one request of `kind` for `user`; its status."""
    conn = user.conn
    if kind == "browse":
        return (await conn.request("GET", rng.choice(BROWSE)))[0]
    if kind == "detail":
        course = rng.choice(courses)
        return (await conn.request("GET", f"{API}/courses/{rng.choice((course.id, course.slug))}"))[0]
    if kind == "login":
        body = {"username": user.name, "password": PASSWORD}
        status, raw = await conn.request("POST", f"{API}/auth/login", body=body)
        if status == 200:
            user.token = json.loads(raw)["access_token"]
        return status
    open_courses = [c for c in courses if c.id not in user.enrollments]
    if open_courses and (not user.enrollments or rng.random() < 0.3):
        course = rng.choice(open_courses)
        status, raw = await conn.request("POST", f"{API}/courses/{course.id}/enrollments", headers=user.auth)
        if status == 201:
            user.enrollments[course.id] = json.loads(raw)["id"]
        return status
    course_id, enrollment = rng.choice(list(user.enrollments.items()))
    section = rng.choice(next(c.sections for c in courses if c.id == course_id))
    change = {"section_id": section, "completed": rng.random() < 0.8}
    return (
        await conn.request("POST", f"{API}/enrollments/{enrollment}/progress", body=change, headers=user.auth)
    )[0]


async def run(users: list[User], courses: list[Course], seconds: float, seed: int = 7) -> list[Sample]:
    """Every user loops over the mix, back to back, for `seconds`; every request's sample."""
    samples: list[Sample] = []
    t0 = time.perf_counter()
    deadline = t0 + seconds

    async def loop(user: User, rng: random.Random) -> None:
        while (start := time.perf_counter()) < deadline:
            kind = _pick(rng)
            error = ""
            try:
                status = await _one(user, kind, courses, rng)
            except HttpError as exc:
                status, error = 0, str(exc)
            samples.append(Sample(kind, start - t0, time.perf_counter() - start, status, error))

    await asyncio.gather(*(loop(u, random.Random(seed + i)) for i, u in enumerate(users)))
    for user in users:
        await user.conn.close()
    return samples


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` on uvloop when it is installed (more of the CPU left to the stack under test)."""
    try:
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of `values` (0 when empty)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[max(1, math.ceil(len(ordered) * pct / 100)) - 1]


def ok(status: int) -> bool:
    """Whether a status counts as success (2xx; a 304 too)."""
    return 200 <= status < 300 or status == 304


def summarise(samples: list[Sample], seconds: float) -> list[dict[str, Any]]:
    """One row per kind and one for all: requests, req/s, errors (by status), p50/p95/p99/max in ms."""
    rows = []
    for kind in [*(k for k, _ in MIX), "all"]:
        picked = [s for s in samples if kind in ("all", s.kind)]
        lat = [s.latency * 1000 for s in picked]
        bad = [s.status for s in picked if not ok(s.status)]
        rows.append(
            {
                "kind": kind,
                "requests": len(picked),
                "rps": round(len(picked) / seconds, 1),
                "errors": len(bad),
                "error_statuses": " ".join(f"{st}x{bad.count(st)}" for st in sorted(set(bad))),
                "p50_ms": round(percentile(lat, 50), 2),
                "p95_ms": round(percentile(lat, 95), 2),
                "p99_ms": round(percentile(lat, 99), 2),
                "max_ms": round(max(lat, default=0.0), 2),
            }
        )
    return rows


def transport_errors(samples: list[Sample], limit: int = 5) -> list[str]:
    """The first few distinct errors of requests that got no reply."""
    seen: list[str] = []
    for sample in samples:
        if sample.error and sample.error not in seen:
            seen.append(sample.error)
    return seen[:limit]


def write_csv(rows: list[dict[str, Any]], samples: list[Sample], path: Path) -> Path:
    """The summary rows to `path`, and per-second throughput, errors and p99 to `<stem>-history.csv`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as out:
        summary = csv.DictWriter(out, fieldnames=list(rows[0]))
        summary.writeheader()
        summary.writerows(rows)
    history = path.with_name(f"{path.stem}-history.csv")
    with history.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["second", "requests", "errors", "p50_ms", "p99_ms"])
        for sec in range(int(max((s.start for s in samples), default=0)) + 1):
            picked = [s for s in samples if sec <= s.start < sec + 1]
            lat = [s.latency * 1000 for s in picked]
            bad = sum(1 for s in picked if not ok(s.status))
            writer.writerow(
                [sec, len(picked), bad, round(percentile(lat, 50), 2), round(percentile(lat, 99), 2)]
            )
    return path

"""A SecantusDB a test freezes, thaws, kills and restarts, and concurrent clients to load an app while it does.

`tests/test_database_deadlines.py` uses them; the load runs in the test's own event loop (ASGI transport),
so `Load.stall` reports how long that loop itself stood still.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from fastapi import FastAPI

from oms.cli.devstack import Stack, free_port

CLIENTS = 32
THINK_S = 0.25


@dataclass
class PrivateDatabase:
    """A test module's own SecantusDB: frozen, thawed, killed and restarted on the same port and storage."""

    root: Path
    port: int = field(default_factory=free_port)
    stack: Stack = field(default_factory=Stack)
    frozen: bool = False

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/oms_deadlines"

    @property
    def pid(self) -> int:
        return self.stack.processes[-1].pid

    def start(self) -> None:
        self.stack.start_mongo(self.port, self.root / "data", self.root / "mongo.log")

    def freeze(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        if self.frozen:
            os.kill(self.pid, signal.SIGCONT)
            self.frozen = False

    def kill(self) -> None:
        process = self.stack.processes.pop()
        process.kill()
        process.wait(timeout=10)


@dataclass
class Scene:
    """An app on the private database with a published course, an enrolled student, and warm caches."""

    app: FastAPI
    client: httpx.AsyncClient
    student: dict[str, str]
    course_id: str
    enrollment_id: str
    section_ids: list[str]

    @property
    def database_bound(self) -> list[str]:
        return ["/me/enrollments", f"/enrollments/{self.enrollment_id}"]

    @property
    def cached(self) -> list[str]:
        return [f"/courses/{self.course_id}", "/courses/popular", "/courses"]


@dataclass
class Sample:
    kind: str
    path: str
    at: float
    elapsed: float
    status: int
    content_type: str
    detail: str


@dataclass
class Load:
    """What the clients saw, and the longest the test process itself stood still meanwhile (its event
    loop did not run: the machine was busy elsewhere, or a garbage collection). The app shares that loop,
    so time it could not run is not time it took to answer."""

    samples: list[Sample]
    stall: float


async def stalls(until: float) -> float:
    """The longest delay of a 10 ms sleep beyond its 10 ms, until `until`."""
    worst = 0.0
    while (began := time.monotonic()) < until:
        await asyncio.sleep(0.01)
        worst = max(worst, time.monotonic() - began - 0.01)
    return worst


async def load(scene: Scene, seconds: float) -> Load:
    """CLIENTS concurrent clients for `seconds`, each going round the cached and database-bound paths with
    THINK_S between requests (the clients share the app's event loop here: without a pause they would
    measure how busy they keep it; `scripts/bench-deadlines` drives a real worker)."""
    begin = time.monotonic()
    until = begin + seconds
    samples: list[Sample] = []
    none: dict[str, str] = {}
    paths = [("cached", p, none) for p in scene.cached] + [
        ("db", p, scene.student) for p in scene.database_bound
    ]

    async def client(i: int) -> None:
        n = i
        while time.monotonic() < until:
            kind, path, headers = paths[n % len(paths)]
            n += 1
            start = time.monotonic()
            reply = await scene.client.get(path, headers=headers)
            detail = reply.json().get("detail", "") if reply.status_code >= 400 else ""
            content_type = reply.headers.get("content-type", "")
            samples.append(
                Sample(
                    kind,
                    path,
                    start - begin,
                    time.monotonic() - start,
                    reply.status_code,
                    content_type,
                    detail,
                )
            )

    watch = asyncio.create_task(stalls(until))
    await asyncio.gather(*(client(i) for i in range(CLIENTS)))
    return Load(samples, await watch)

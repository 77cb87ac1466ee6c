"""Every API request runs under a database deadline; while the database is not answering, requests skip it.

One ASGI middleware, inside the request-id middleware and outside the error mapping (so a timeout raised
anywhere in the request, dependencies included, becomes a 503 problem that knows whether the request was
refused). The deadline is PyMongo's `pymongo.timeout()`, a context variable: it covers every PyMongo and
Beanie call awaited in the request, retries of retryable reads and writes included. Routes that wait on
something else too (AI advice waits on a model) have a longer deadline of their own; long jobs (import,
export) have none for the request and an explicit one per batch instead (`oms.deadlines.job_deadline`).
Readiness checks are never refused: they are how the database is seen to be back. A request still running
`GRACE_S` after its deadline (PyMongo gave up, but the request waits its turn on a busy event loop) is
answered 503 here, so the deadline holds whatever the driver does.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Collection, Sequence

import pymongo
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oms.deadlines import DatabaseBreaker, refused
from oms.edge.problems import TIMED_OUT_DETAIL, send_problem

log = logging.getLogger(__name__)
GRACE_S = 0.1  # past its deadline, a request still waiting is ended by the middleware itself


class DatabaseDeadlineMiddleware:
    """Runs each HTTP request under its route's database deadline, or refused while the breaker is open."""

    def __init__(
        self,
        app: ASGIApp,
        breaker: DatabaseBreaker,
        deadline_s: float,
        routes: Sequence[tuple[str, float | None]] = (),
        never_refused: Collection[str] = (),
    ) -> None:
        self.app = app
        self.breaker = breaker
        self.deadline_s = deadline_s
        self.routes = [(re.compile(pattern), seconds) for pattern, seconds in routes]
        self.never_refused = frozenset(never_refused)

    def deadline_for(self, path: str) -> float | None:
        """The deadline of a request to `path` in seconds (None: per batch, inside the route)."""
        for pattern, seconds in self.routes:
            if pattern.fullmatch(path):
                return seconds
        return self.deadline_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path not in self.never_refused and not self.breaker.admit():
            if any(name == b"authorization" for name, _ in scope["headers"]):
                # a bearer token is always checked against the database: answer without routing it
                await send_problem(send, 503, TIMED_OUT_DETAIL, self._retry_headers())
                return
            with refused():
                await self.app(scope, receive, send)
            return
        seconds = self.deadline_for(path)
        if seconds is None:
            await self.app(scope, receive, send)
            return
        await self._within(seconds, scope, receive, send)

    async def _within(self, seconds: float, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request in its own task under `pymongo.timeout(seconds)`; if it has not begun its reply
        `GRACE_S` after the deadline, answer 503 and leave the task to end by itself (its late reply is
        dropped). PyMongo has given up by then, but a busy event loop hands a pool's lock to one waiter at
        a time, so its error can come late; cancelling the task instead could leave the pool's locks held."""
        started = abandoned = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if abandoned:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with pymongo.timeout(seconds):  # the task's context is a copy of this one, deadline included
            task = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        done, _ = await asyncio.wait({task}, timeout=seconds + GRACE_S)
        if done or started:
            await task
            return
        abandoned = True
        task.add_done_callback(_forget)
        self.breaker.failed(TimeoutError(f"a request waited {seconds + GRACE_S:.2f} s for the database"))
        await send_problem(send, 503, TIMED_OUT_DETAIL, self._retry_headers())

    def _retry_headers(self) -> list[tuple[bytes, bytes]]:
        retry_after = str(max(1, math.ceil(self.breaker.retry_s))).encode()
        return [(b"cache-control", b"no-store"), (b"retry-after", retry_after)]


def _forget(task: asyncio.Future[None]) -> None:
    """Collect an abandoned request's outcome (its reply was already given)."""
    if not task.cancelled() and task.exception() is not None:
        log.debug("abandoned request ended with an error", exc_info=task.exception())

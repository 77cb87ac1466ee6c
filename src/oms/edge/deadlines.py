"""Every API request runs under a database deadline; while the database is not answering, requests skip it.

One ASGI middleware, inside the request-id middleware and outside the error mapping (so a timeout raised
anywhere in the request, dependencies included, becomes a 503 problem that knows whether the request was
refused). The deadline is PyMongo's `pymongo.timeout()`, a context variable: it covers every PyMongo and
Beanie call awaited in the request, retries of retryable reads and writes included. Routes that wait on
something else too (AI advice waits on a model) have a longer deadline of their own; long jobs (import,
export) have none for the request and an explicit one per batch instead (`oms.deadlines.job_deadline`).
Readiness checks are never refused: they are how the database is seen to be back.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

import pymongo
from starlette.types import ASGIApp, Receive, Scope, Send

from oms.deadlines import DatabaseBreaker, refused


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
            with refused():
                await self.app(scope, receive, send)
            return
        seconds = self.deadline_for(path)
        if seconds is None:
            await self.app(scope, receive, send)
            return
        with pymongo.timeout(seconds):
            await self.app(scope, receive, send)

"""The hottest, simplest requests, answered before the framework: liveness, and held course pages by id.

`GET /healthz` and an anonymous `GET /api/v1/courses/{id}` whose page this process holds in memory (the
near cache) get what every reply gets — request id, Server-Timing, the security headers, metrics and one
access-log line — without Starlette's middleware stack, routing, dependency resolution or any I/O before the
reply. Anything out of the ordinary goes on to the app, which gives the same answer: a token, a query
string, a body, an `Origin` when CORS is on, a host list to check, a page not held (the route reads Redis,
and a Redis hit is held for the next request).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from starlette.types import Scope, Send

from oms.config import Settings
from oms.edge.hardening import ALWAYS
from oms.edge.observability import finish_request, new_request_id, trace_headers
from oms.routers import API_PREFIX
from oms.services.pagecache.course_pages import etag_matches

COURSE_BY_ID = re.compile(rf"^{API_PREFIX}/courses/([0-9a-f]{{24}})$")
HEALTHZ = "/healthz"
_HEALTHY = b'{"status":"ok"}'
_DEFERRED = (b"authorization", b"content-length", b"transfer-encoding")


@dataclass(frozen=True)
class _Route:
    """What logs and metrics read from `scope["route"]`."""

    path: str


COURSE_ROUTE = _Route(f"{API_PREFIX}/courses/{{course_ref}}")
HEALTH_ROUTE = _Route(HEALTHZ)


def _first(scope: Scope, name: bytes) -> str:
    """The first value of a request header, as Starlette's `Headers.get` reads it."""
    return next((value.decode("latin-1") for key, value in scope["headers"] if key == name), "")


class FrontDoor:
    """Answers the requests it can and returns True; returns False (having sent nothing) for the rest."""

    def __init__(self, state: Any, settings: Settings) -> None:
        self.state = state
        self.defer_origin = bool(settings.cors_origins)
        self.check_hosts = "*" not in settings.trusted_hosts
        self.slow_request_ms = settings.slow_request_ms

    def _ordinary(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        if scope["query_string"] or self.check_hosts or any(h in headers for h in _DEFERRED):
            return False
        return not (self.defer_origin and b"origin" in headers)

    async def __call__(self, scope: Scope, send: Send) -> bool:
        """Serve `scope` if it is one of ours and the answer is at hand."""
        if scope["method"] != "GET":
            return False
        start = time.perf_counter()
        path = scope["path"]
        if path == HEALTHZ:
            headers = dict(scope["headers"])
            if not self._ordinary(scope, headers):
                return False
            await self._send(scope, send, start, headers, HEALTH_ROUTE, _HEALTHY, None)
            return True
        match = COURSE_BY_ID.match(path)
        if match is None:
            return False
        headers = dict(scope["headers"])
        cache = getattr(self.state, "cache", None)
        if cache is None or not self._ordinary(scope, headers):
            return False
        page = cache.held(match[1])  # in memory or not at all: nothing here waits on Redis
        if page is None:
            return False
        await self._send(scope, send, start, headers, COURSE_ROUTE, page.body, page.etag)
        return True

    async def _send(
        self,
        scope: Scope,
        send: Send,
        start: float,
        headers: dict[bytes, bytes],
        route: _Route,
        body: bytes,
        etag: str | None,
    ) -> None:
        rid = new_request_id(headers)
        status = 500
        try:
            if etag is not None and etag_matches(etag, _first(scope, b"if-none-match")):
                status, body = 304, b""
                reply = [(b"etag", etag.encode())]
            else:
                status = 200
                reply = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
                if etag is not None:
                    reply.append((b"etag", etag.encode()))
            reply += [*ALWAYS, *trace_headers(rid, start)]
            await send({"type": "http.response.start", "status": status, "headers": reply})
            await send({"type": "http.response.body", "body": body})
        finally:
            scope["route"] = route
            finish_request(scope, route.path, status, start, rid, self.slow_request_ms)

"""The hottest read, served before routing: an anonymous GET of a course by id that the cache holds.

It skips FastAPI's routing and dependency resolution (and MongoDB), sending the stored reply bytes with
their ETag (or 304), the view counted by the cache's own Redis call. Everything else — misses, slugs,
query strings, requests with a token — goes on to the normal route, which gives the same answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from oms.routers import API_PREFIX
from oms.services.cache import Cache
from oms.services.course_pages import etag_matches
from oms.services.rankings import today_bucket

COURSE_BY_ID = re.compile(rf"^{API_PREFIX}/courses/([0-9a-f]{{24}})$")


@dataclass(frozen=True)
class _Route:
    """What logs and metrics read from `scope["route"]`."""

    path: str = f"{API_PREFIX}/courses/{{course_ref}}"


ROUTE = _Route()


class CachedCourseFastPath:
    """ASGI middleware answering cached anonymous course reads by id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = COURSE_BY_ID.match(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] != "GET" or scope.get("query_string"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if b"authorization" in headers:
            await self.app(scope, receive, send)
            return
        cache: Cache = scope["app"].state.cache
        page = await cache.course(match[1], False, today_bucket(), count_miss=False)
        if page is None or page.body is None or page.etag is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = ROUTE
        etag = page.etag.encode()
        if etag_matches(page.etag, headers.get(b"if-none-match", b"").decode("latin-1") or None):
            await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", etag)]})
            await send({"type": "http.response.body", "body": b""})
            return
        response_headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(page.body)).encode()),
            (b"etag", etag),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": response_headers})
        await send({"type": "http.response.body", "body": page.body})

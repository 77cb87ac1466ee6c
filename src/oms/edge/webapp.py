"""The built web app (web/dist) served by the API process, so `make run` is the whole product on one port.

Under `make stack` Nginx serves these files itself (deploy/nginx/nginx.conf.template) with the same headers;
this is the development and single-process path. A GET or HEAD outside the API's own paths (/api, /docs,
/redoc, /static/docs, /healthz, /readyz, /metrics) is answered from the dist directory:

- a file that exists: that file; hashed files under /assets/ are cached for a year (`immutable`: a new build
  has new names), anything else (index.html, favicon, ...) is revalidated on every use (`no-cache`);
- a path that is no file, from a client asking for HTML: index.html, and the app's router draws the page
  (the SPA fallback; /assets/ never falls back, a missing script is a 404);
- anything else: on to the API, whose 404 is a problem+json like every other.

Nothing outside the dist directory is ever served: dot segments, dotfiles (.vite/...), backslashes and
symlinks that lead out are all treated as "no such file". The app's pages carry a strict
Content-Security-Policy (no inline script, no other origin) and `Referrer-Policy: same-origin` (the Fetch
standard has a `no-referrer` page send `Origin: null` on its POSTs, which the session's CSRF check refuses;
`same-origin` keeps Origin and Referer for the app's own calls and sends neither to other sites).
When the app has not been built, `/` says how to build it; the API works either way.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
PAGE_HEADERS = {"Content-Security-Policy": CSP, "Referrer-Policy": "same-origin"}
NOT_THE_APP = ("/api", "/docs", "/redoc", "/static/docs", "/healthz", "/readyz", "/metrics")
MEDIA_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain",
}
NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OMS</title></head>
<body><main><h1>OMS</h1>
<p>The web app has not been built. Run <code>make web</code> (or <code>make run</code>, which builds it
first), then reload this page.</p>
<p>The API is running: see <a href="/docs">/docs</a>.</p></main></body></html>
"""


@dataclass(frozen=True)
class _Route:
    """What logs and metrics read from `scope["route"]` (one series for all app pages, one for assets)."""

    path: str


PAGE_ROUTE, ASSET_ROUTE, FILE_ROUTE = _Route("/{app page}"), _Route("/assets/{file}"), _Route("/{file}")


def is_app_path(path: str) -> bool:
    """Whether `path` may be the web app's (everything but the API's own paths)."""
    return not any(path == prefix or path.startswith(prefix + "/") for prefix in NOT_THE_APP)


def find_file(root: Path, path: str) -> tuple[Path, os.stat_result] | None:
    """The regular file `path` names inside `root`, with its stat; None for anything else or outside."""
    parts = [part for part in path.split("/") if part]
    if not parts or any(part.startswith(".") or "\\" in part or "\0" in part for part in parts):
        return None
    try:
        base = root.resolve(strict=True)
        real = base.joinpath(*parts).resolve(strict=True)
        if not real.is_relative_to(base):  # a symlink leading out
            return None
        info = real.stat()
    except (OSError, RuntimeError, ValueError):
        return None
    return (real, info) if stat.S_ISREG(info.st_mode) else None


def _not_modified(response: Response, request: Headers) -> bool:
    tags = request.get("if-none-match")
    if not tags:
        return False
    etag = response.headers["etag"]
    return tags.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in tags.split(",")]


def file_reply(found: tuple[Path, os.stat_result], cache: str, scope: Scope, page: bool) -> Response:
    """The file with its cache policy (and the page headers for HTML), or 304 when the client has it."""
    path, info = found
    headers = {"Cache-Control": cache, **(PAGE_HEADERS if page else {})}
    media_type = MEDIA_TYPES.get(path.suffix.lower())
    response = FileResponse(path, stat_result=info, headers=headers, media_type=media_type)
    if _not_modified(response, Headers(scope=scope)):
        kept = ("cache-control", "etag", "content-security-policy", "referrer-policy")
        return Response(status_code=304, headers={k: v for k, v in response.headers.items() if k in kept})
    return response


class WebAppMiddleware:
    """Serves the built app from `dist` for GET/HEAD outside the API's paths; passes everything else on."""

    def __init__(self, app: ASGIApp, dist: Path | None) -> None:
        self.app = app
        self.dist = dist

    def _reply(self, scope: Scope) -> Response | None:
        path: str = scope["path"]
        found = find_file(self.dist, path) if self.dist else None
        if found is not None:
            is_page = found[0].suffix.lower() == ".html"
            immutable = path.startswith("/assets/") and not is_page
            scope["route"] = ASSET_ROUTE if immutable else FILE_ROUTE
            return file_reply(found, IMMUTABLE if immutable else REVALIDATE, scope, is_page)
        if path.startswith("/assets/"):
            return None
        accepts_html = "text/html" in Headers(scope=scope).get("accept", "")
        if path != "/" and not accepts_html:
            return None
        index = find_file(self.dist, "/index.html") if self.dist else None
        scope["route"] = PAGE_ROUTE
        if index is not None:
            return file_reply(index, REVALIDATE, scope, page=True)
        if path == "/":
            return HTMLResponse(NOT_BUILT, headers={"Cache-Control": REVALIDATE, **PAGE_HEADERS})
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not is_app_path(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        reply = await anyio.to_thread.run_sync(self._reply, scope)  # file lookups block: off the loop
        if reply is None:
            scope.pop("route", None)
            await self.app(scope, receive, send)
            return
        await reply(scope, receive, send)

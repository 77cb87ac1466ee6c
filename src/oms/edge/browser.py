"""The browser's session: the refresh-token cookie, and the Origin check that makes cookie calls CSRF-safe.

A web app keeps its access token in memory only; the refresh token lives in an `HttpOnly` cookie that
scripts cannot read, scoped to `/api/v1/auth` so no other request carries it, `SameSite=Strict` so other
sites' pages never send it, and `Secure` whenever the request came over https (the scheme uvicorn took from
the trusted proxy's `X-Forwarded-Proto`, or the connection's own). SameSite is not the whole defence (a
sibling subdomain is "same site", older browsers ignore it), so every call the cookie authenticates must also
come from a page of this origin, or of one listed in `OMS_CORS_ORIGINS`: its `Origin` header (or, when a
browser sends none, its `Referer`) is compared with the request's own scheme, host and port.

Beside it the server sets `oms_session=1`, a cookie that holds no secret and that scripts may read: it only
tells the web app that a refresh cookie may exist, so a visitor who never signed in is not sent to
`/auth/session/refresh` for a certain 401 on every page load.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from oms.config import Settings
from oms.exceptions import Forbidden
from oms.routers import API_PREFIX

COOKIE_NAME = "oms_refresh"
COOKIE_PATH = f"{API_PREFIX}/auth"
HINT_NAME = "oms_session"
_DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


def is_https(request: Request) -> bool:
    """Whether the client reached us over https (through a trusted proxy's X-Forwarded-Proto or directly)."""
    return request.url.scheme == "https"


def session_cookie(request: Request, token: str, max_age_s: int) -> str:
    """The `Set-Cookie` value that stores refresh token `token` for `max_age_s` seconds."""
    secure = "; Secure" if is_https(request) else ""
    return (
        f"{COOKIE_NAME}={token}; HttpOnly; SameSite=Strict; Path={COOKIE_PATH}; Max-Age={max_age_s}{secure}"
    )


def cleared_cookie(request: Request) -> str:
    """The `Set-Cookie` value that makes the browser forget the refresh token."""
    secure = "; Secure" if is_https(request) else ""
    return (
        f"{COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path={COOKIE_PATH}; Max-Age=0; "
        f"Expires=Thu, 01 Jan 1970 00:00:00 GMT{secure}"
    )


def hint_cookie(request: Request, max_age_s: int) -> str:
    """The `Set-Cookie` value of the readable "a session may exist" hint, living as long as the refresh token."""
    secure = "; Secure" if is_https(request) else ""
    return f"{HINT_NAME}=1; SameSite=Lax; Path=/; Max-Age={max_age_s}{secure}"


def cleared_hint(request: Request) -> str:
    """The `Set-Cookie` value that removes the hint."""
    secure = "; Secure" if is_https(request) else ""
    return f"{HINT_NAME}=; SameSite=Lax; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT{secure}"


def origin_of(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL, the port filled in from the scheme; None for anything else
    (`null`, a relative or malformed URL, another scheme)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def allowed_origins(request: Request, settings: Settings) -> set[Origin]:
    """This request's own origin (its scheme and Host header) and the configured CORS origins."""
    candidates = [f"{request.url.scheme}://{request.headers.get('host', '')}", *settings.cors_origins]
    return {origin for origin in map(origin_of, candidates) if origin is not None}


async def require_same_origin(request: Request) -> None:
    """Refuse (403) a cookie-authenticated call that a page of another origin may have sent.

    The `Origin` header decides when present (even `null`, which is refused); only when a browser sends
    no Origin does the `Referer` stand in. A request with neither is refused: browsers send at least one
    on every POST and DELETE, so only a forged or stripped request lacks both.
    """
    settings: Settings = request.app.state.settings
    sent = request.headers.get("origin")
    if sent is None:
        sent = request.headers.get("referer")
    if sent is None:
        raise Forbidden("cookie sessions need an Origin or Referer header from this site")
    origin = origin_of(sent)
    if origin is None or origin not in allowed_origins(request, settings):
        raise Forbidden("cross-site request refused: the page calling this is not from this site")

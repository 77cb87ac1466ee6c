"""HTTP hardening: security headers on every reply, no caching of personal replies, no TRACE, known hosts."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oms.edge.problems import send_problem

ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
PERSONAL_PREFIXES = (
    "/api/v1/auth/",
    "/api/v1/users",
    "/api/v1/me/",
    "/api/v1/enrollments",
    "/api/v1/submissions",
)
REFUSED_METHODS = {"TRACE", "TRACK", "CONNECT"}


class SecurityHeadersMiddleware:
    """Adds the headers every reply carries, and `Cache-Control: no-store` on authenticated or personal
    replies (unless the route chose its own); answers TRACE with 405."""

    def __init__(self, app: ASGIApp, trusted_hosts: list[str] | None = None) -> None:
        self.app = app
        self.trusted_hosts = [h.lower() for h in trusted_hosts or ["*"]]

    def _host_allowed(self, scope: Scope) -> bool:
        if "*" in self.trusted_hosts:
            return True
        raw = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
        host = raw.rsplit(":", 1)[0] if not raw.endswith("]") else raw
        return any(host == h or (h.startswith("*.") and host.endswith(h[1:])) for h in self.trusted_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in REFUSED_METHODS:
            allow = (b"allow", b"GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
            await send_problem(send, 405, f"{scope['method']} is not allowed", [allow, *ALWAYS])
            return
        if not self._host_allowed(scope):
            await send_problem(send, 400, "this server does not answer for that host name", ALWAYS)
            return
        personal = scope["path"].startswith(PERSONAL_PREFIXES) or any(
            name == b"authorization" for name, _ in scope["headers"]
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in ALWAYS if name not in present]
                if personal and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""Request ids, timing and JSON logs: one ASGI middleware and the log formatter it writes through."""

from __future__ import annotations

import logging
import random
import re
import sys
import time
from typing import Any

import orjson
from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oms.edge.context import DbTimer, current_user_id, db_time, request_id
from oms.edge.hardening import ALWAYS
from oms.edge.metrics import HTTP_IN_FLIGHT, observe_request
from oms.edge.problems import send_problem

access_log = logging.getLogger("oms.access")
slow_log = logging.getLogger("oms.slow")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        entry.update(
            {k: v for k, v in record.__dict__.items() if k not in _RESERVED and not k.startswith("_")}
        )
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


JsonFormatter.converter = time.gmtime


_configured = False


def setup_logging(level: str = "INFO", json_lines: bool = True) -> None:
    """Route every log record to stderr, as JSON lines unless told otherwise (once per process)."""
    global _configured
    if _configured:
        return
    _configured = True
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if json_lines else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn.access",):  # our own access log replaces it
        logging.getLogger(name).disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def new_request_id(headers: dict[bytes, bytes]) -> str:
    """The caller's `X-Request-ID` when it is a sane one, else a fresh id."""
    incoming = headers.get(b"x-request-id", b"").decode("latin-1")
    if _REQUEST_ID.match(incoming):
        return incoming
    return f"{random.getrandbits(128):032x}"  # an id, not a secret: 32 hex digits, no syscall


def trace_headers(rid: str, start: float) -> list[tuple[bytes, bytes]]:
    """`X-Request-ID` and `Server-Timing: app;dur=<ms>` for a reply starting now."""
    elapsed = (time.perf_counter() - start) * 1000
    return [(b"x-request-id", rid.encode()), (b"server-timing", f"app;dur={elapsed:.1f}".encode())]


def finish_request(
    scope: Scope,
    route: str | None,
    status: int,
    start: float,
    rid: str,
    slow_request_ms: float,
    timer: DbTimer | None = None,
) -> None:
    """Metrics and the one access-log line of a finished request (and a warning when it was slow)."""
    observe_request(scope["method"], route, status, start)
    duration_ms = round((time.perf_counter() - start) * 1000, 2)
    slow = duration_ms > slow_request_ms
    if not slow and not access_log.isEnabledFor(logging.INFO):
        return
    fields = {
        "method": scope["method"],
        "path": scope["path"],
        "route": route,
        "status": status,
        "duration_ms": duration_ms,
        "db_ms": round(timer.seconds * 1000, 2) if timer else 0.0,
        "db_commands": timer.commands if timer else 0,
        "user_id": scope.get("state", {}).get("user_id"),
        "request_id": rid,
    }
    access_log.info("request", extra=fields)
    if slow:
        slow_log.warning("slow request", extra=fields)


class BodyTooLarge(HTTPException):
    """The request body went past the configured limit (an HTTPException so body parsing passes it on)."""

    def __init__(self) -> None:
        super().__init__(413, "the request body is larger than this server accepts")


class RequestContextMiddleware:
    """Gives each request an id, times it, caps its body, and logs one line when it ends.

    Adds `X-Request-ID` and `Server-Timing: app;dur=<ms>` to every response.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        slow_request_ms: float = 500,
        path_limits: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.slow_request_ms = slow_request_ms
        self.path_limits = path_limits or {}  # paths with a body limit of their own (bulk import)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        headers = dict(scope["headers"])
        rid = new_request_id(headers)
        rid_token = request_id.set(rid)
        user_token = current_user_id.set(None)
        timer = DbTimer()
        timer_token = db_time.set(timer)
        HTTP_IN_FLIGHT.inc()
        scope.setdefault("state", {})["request_id"] = rid
        status = 500
        started = False
        received = 0
        limit = self.path_limits.get(scope["path"], self.max_body_bytes)

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *trace_headers(rid, start)]
            await send(message)

        length = headers.get(b"content-length", b"0")
        try:
            if length.isdigit() and int(length) > limit:
                raise BodyTooLarge()
            await self.app(scope, limited_receive, send_with_headers)
        except Exception as exc:
            if status != 500 or started:
                raise
            too_large = isinstance(exc, BodyTooLarge)
            if not too_large:
                logging.getLogger("oms.edge.problems").error("unhandled error", exc_info=exc)
            await send_problem(
                send_with_headers,
                413 if too_large else 500,
                "the request body is larger than this server accepts"
                if too_large
                else "an unexpected error occurred; quote the request id when reporting it",
                [*ALWAYS, (b"cache-control", b"no-store")],
            )
        finally:
            HTTP_IN_FLIGHT.dec()
            route: str | None = getattr(scope.get("route"), "path", None)
            finish_request(scope, route, status, start, rid, self.slow_request_ms, timer)
            request_id.reset(rid_token)
            current_user_id.reset(user_token)
            db_time.reset(timer_token)

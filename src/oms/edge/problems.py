"""Every error reply is `application/problem+json` (RFC 9457); the mapping lives here, in one place."""

from __future__ import annotations

import logging
import math
import re
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pymongo.errors import ConnectionFailure, ExecutionTimeout, NotPrimaryError, WTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import Send

from oms.deadlines import REFUSED, DatabaseBreaker
from oms.edge.context import request_id
from oms.exceptions import DomainError

log = logging.getLogger(__name__)
PROBLEM_TYPE = "about:blank"
TIMED_OUT_DETAIL = "the database did not answer in time; try again shortly"


def problem_body(
    status: int,
    detail: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    title: str | None = None,
    code: str | None = None,
) -> bytes:
    """The JSON bytes of a problem document; `code` (when the problem has one) is its stable name."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE,
        "title": title or phrase,
        "status": status,
        "detail": detail or title or phrase,
        "request_id": request_id.get(),
    }
    if code is not None:
        body["code"] = code
    if errors is not None:
        body["errors"] = errors
    return orjson.dumps(body)


async def send_problem(
    send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Send a problem reply straight over ASGI (for middleware that answers before routing)."""
    body = problem_body(status, detail)
    start_headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": start_headers})
    await send({"type": "http.response.body", "body": body})


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    code: str | None = None,
) -> Response:
    """A problem+json reply."""
    return Response(
        problem_body(status, detail, errors, title, code),
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


def _context(error: Any) -> dict[str, str | int | float] | None:
    """The limits of a field error (`min_length`, `max_length`, `ge`, `le`, `pattern`, ...), so a client can
    word the message itself; only plain values (never the exception behind a `value_error`)."""
    ctx = error.get("ctx") or {}
    plain = {k: v for k, v in ctx.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
    return plain or None


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for e in exc.errors():
        item: dict[str, Any] = {
            "loc": list(e.get("loc", ())),
            "msg": e.get("msg", "invalid"),
            "type": e.get("type"),
        }
        ctx = _context(e)
        if ctx is not None:
            item["ctx"] = ctx
        out.append(item)
    return out


async def _domain(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return problem(
        exc.status, exc.detail, errors=exc.errors, title=exc.title, headers=exc.headers or None, code=exc.code
    )


def _is_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    if not _is_json(request) and any(e["loc"] == ["body"] for e in errors):
        return problem(415, "send the body as application/json", title="Unsupported media type")
    if any(e["type"] == "json_invalid" for e in errors):
        return problem(422, "the request body is not valid JSON", errors=errors, title="Malformed JSON")
    return problem(422, "the request did not validate; see errors", errors=errors, title="Validation failed")


def _allowed_methods(request: Request) -> str:
    """The methods the API serves at this path, from the most specific matching path of the OpenAPI
    document (`/courses/popular` over `/courses/{course_ref}`); Starlette names only one route's."""
    index: list[tuple[re.Pattern[str], int, set[str]]] | None = getattr(
        request.app.state, "allow_index", None
    )
    if index is None:
        paths = request.app.openapi().get("paths", {})
        index = [(compile_path(p)[0], p.count("{"), {m.upper() for m in ops}) for p, ops in paths.items()]
        request.app.state.allow_index = index
    matches = [(params, methods) for regex, params, methods in index if regex.match(request.url.path)]
    if not matches:
        return ""
    fewest = min(params for params, _ in matches)
    methods = set().union(*(m for params, m in matches if params == fewest))
    return ", ".join(sorted(methods))


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    if exc.status_code == 400 and isinstance(exc.__cause__, (UnicodeDecodeError, RecursionError, ValueError)):
        errors = [{"loc": ["body"], "msg": "the body could not be decoded as JSON", "type": "json_invalid"}]
        return problem(422, "the request body is not valid JSON", errors=errors, title="Malformed JSON")
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem(exc.status_code, detail, headers=headers or None)


def _no_answer(exc: Exception) -> bool:
    """Whether the database gave no answer at all (a server that answered with a time limit, or with "not
    primary" during an election, is alive: that is no reason to skip it)."""
    return isinstance(exc, ConnectionFailure) and not isinstance(exc, NotPrimaryError)


async def _database_down(request: Request, exc: Exception) -> Response:
    """503 for a database that did not answer in time (a deadline passed, or the request was refused while
    the database is not answering) or could not be reached; the breaker learns of the failures."""
    skipped = REFUSED.get()
    timed_out = skipped or bool(getattr(exc, "timeout", False))
    breaker: DatabaseBreaker | None = getattr(request.app.state, "database_breaker", None)
    if breaker is not None and not skipped and _no_answer(exc):
        breaker.failed(exc)
    if not skipped:
        log.warning("database unavailable", extra={"error": f"{type(exc).__name__}: {exc}"[:500]})
    detail = TIMED_OUT_DETAIL if timed_out else "the database is unavailable right now; try again shortly"
    retry_after = max(1, math.ceil(breaker.retry_s)) if breaker is not None else 2
    return problem(503, detail, title="Service unavailable", headers={"Retry-After": str(retry_after)})


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors and HTTP errors to problem replies (crashes: the middleware)."""
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    # network errors, network and server-selection timeouts, and time limits hit (client or server side)
    for error in (ConnectionFailure, ExecutionTimeout, WTimeoutError):
        app.add_exception_handler(error, _database_down)

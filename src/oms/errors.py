"""Every error reply is `application/problem+json` (RFC 9457); the mapping lives here, in one place."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import compile_path

from oms.context import request_id
from oms.exceptions import DomainError

PROBLEM_TYPE = "about:blank"


def problem_body(
    status: int,
    detail: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    title: str | None = None,
) -> bytes:
    """The JSON bytes of a problem document."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE,
        "title": title or phrase,
        "status": status,
        "detail": detail or title or phrase,
        "request_id": request_id.get(),
    }
    if errors is not None:
        body["errors"] = errors
    return orjson.dumps(body)


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json reply."""
    return Response(
        problem_body(status, detail, errors, title),
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", "invalid"), "type": e.get("type")}
        for e in exc.errors()
    ]


async def _domain(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return problem(exc.status, exc.detail, errors=exc.errors, title=exc.title, headers=exc.headers or None)


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
    """Every method the API serves at this path (Starlette names only the first route's), from OpenAPI."""
    index: list[tuple[re.Pattern[str], set[str]]] | None = getattr(request.app.state, "allow_index", None)
    if index is None:
        paths = request.app.openapi().get("paths", {})
        index = [(compile_path(path)[0], {m.upper() for m in ops}) for path, ops in paths.items()]
        request.app.state.allow_index = index
    methods = set().union(*(m for regex, m in index if regex.match(request.url.path)))
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


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors and HTTP errors to problem replies (crashes: the middleware)."""
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)

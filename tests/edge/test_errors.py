"""Error replies and request plumbing: problem+json everywhere, request ids, timing, body limits, crashes, access log."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oms.documents import RefreshToken, User
from oms.edge.observability import JsonFormatter
from tests.support.api import PASSWORD, Actor
from tests.support.factories import MakeApp, MakeStudent

PROBLEM = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "request_id"}
TIMING = re.compile(r"^app;dur=\d+(\.\d+)?$")


def assert_problem(reply: httpx.Response, status: int) -> dict[str, Any]:
    """The reply is an RFC 9457 problem with `status`, tied to its request id, without internals."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = reply.json()
    assert PROBLEM_KEYS <= set(body) <= {*PROBLEM_KEYS, "errors", "code"}
    assert isinstance(body.get("code", ""), str)
    assert body["status"] == status
    assert isinstance(body["type"], str)
    assert body["type"]
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["request_id"] == reply.headers["x-request-id"]
    assert TIMING.match(reply.headers["server-timing"])
    assert "Traceback" not in reply.text
    assert 'File "' not in reply.text
    return body


def assert_field_errors(body: dict[str, Any]) -> list[list[Any]]:
    errors = body["errors"]
    assert isinstance(errors, list)
    assert errors
    for error in errors:
        assert isinstance(error["loc"], list)
        assert isinstance(error["msg"], str)
        assert error["msg"]
    return [e["loc"] for e in errors]


async def user_count() -> int:
    return await User.get_pymongo_collection().count_documents({})


class Boom(RuntimeError):
    """A bug in a route."""


async def _boom() -> None:
    raise Boom("db password is hunter2; internal state at 0xdeadbeef")


def client_for(other: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://testserver/api/v1")


@pytest.fixture
async def small_app(make_app: MakeApp) -> AsyncIterator[httpx.AsyncClient]:
    """A client for an app that accepts request bodies of at most 2048 bytes."""
    async with client_for(await make_app(max_body_bytes=2048)) as client:
        yield client


@pytest.fixture
async def boom_app(make_app: MakeApp) -> AsyncIterator[httpx.AsyncClient]:
    """A client for an app (not the shared one) with a route that crashes."""
    other: FastAPI = await make_app()
    other.add_api_route("/api/v1/boom", _boom, methods=["GET", "POST"])
    async with client_for(other) as client:
        yield client


# ---------------------------------------------------------------- problem shape


async def test_unknown_route_is_404(client: httpx.AsyncClient) -> None:
    for url in (
        "/no-such-thing",
        "/users/me/extra",
        "http://testserver/nope",
        "http://testserver/api/v2/users",
    ):
        body = assert_problem(await client.get(url), 404)
        assert body["title"] == "Not Found"


async def test_wrong_method_is_405(client: httpx.AsyncClient, student: Actor) -> None:
    cases = [
        ("DELETE", "/users/me"),
        ("PUT", "/users/me"),
        ("GET", "/auth/login"),
        ("GET", "/auth/register"),
        ("DELETE", f"/users/{student.id}"),
    ]
    for method, url in cases:
        reply = await client.request(method, url, headers=student.headers)
        body = assert_problem(reply, 405)
        assert body["title"] == "Method Not Allowed"
        assert reply.headers["allow"]
    # where one route serves the path, Allow names its method
    reply = await client.get("/auth/login")
    assert reply.headers["allow"] == "POST"


async def test_405_allow_lists_every_method_of_the_path(client: httpx.AsyncClient, student: Actor) -> None:
    for method, url, allowed in (
        ("DELETE", "/users/me", {"GET", "PATCH"}),
        ("PUT", "/users/me", {"GET", "PATCH"}),
    ):
        reply = await client.request(method, url, headers=student.headers)
        assert reply.status_code == 405
        assert {m.strip() for m in reply.headers["allow"].split(",")} == allowed


async def test_validation_error_lists_fields(client: httpx.AsyncClient) -> None:
    reply = await client.post("/auth/register", json={"username": "x", "password": "short", "extra": 1})
    body = assert_problem(reply, 422)
    assert body["title"] == "Validation failed"
    locs = assert_field_errors(body)
    assert ["body", "username"] in locs
    assert ["body", "password"] in locs
    assert ["body", "extra"] in locs
    # the rule's limits come with the error type, so clients can word the message in their own language
    password = next(e for e in body["errors"] if e["loc"] == ["body", "password"])
    assert password["type"] == "string_too_short"
    assert password["ctx"] == {"min_length": 8}
    assert await user_count() == 0


async def test_validation_error_does_not_echo_secrets(client: httpx.AsyncClient) -> None:
    secret = "tiny1"  # a too-short password must not come back in the error
    reply = await client.post("/auth/register", json={"username": "echo", "password": secret})
    assert_problem(reply, 422)
    assert secret not in reply.text
    login = await client.post("/auth/login", json={"username": "echo", "password": "p" * 129})
    assert_problem(login, 422)
    assert "p" * 129 not in login.text


@pytest.mark.parametrize(
    "content",
    [
        b'{"username": "alice", "password": ',
        b"{username: 'alice'}",
        b'{"username": "alice", "password": "correct-horse-9",}',
        b"nan",
        b"\x00",
    ],
)
@pytest.mark.parametrize("path", ["/auth/register", "/auth/login", "/auth/refresh"])
async def test_malformed_json_is_422(client: httpx.AsyncClient, content: bytes, path: str) -> None:
    reply = await client.post(path, content=content, headers={"Content-Type": "application/json"})
    body = assert_problem(reply, 422)
    assert body["title"] == "Malformed JSON"
    assert_field_errors(body)
    assert await user_count() == 0


@pytest.mark.parametrize("content", [b"\xff\xfe\x00", b"[" * 100_000], ids=["not-utf8", "too-deep"])
@pytest.mark.parametrize("path", ["/auth/register", "/auth/login", "/auth/refresh"])
async def test_undecodable_json_is_a_client_error(
    client: httpx.AsyncClient, content: bytes, path: str
) -> None:
    """Bytes that are not UTF-8, or nesting too deep to parse: a 4xx problem, never a crash."""
    reply = await client.post(path, content=content, headers={"Content-Type": "application/json"})
    assert reply.status_code in (400, 422)
    assert_problem(reply, reply.status_code)
    assert await user_count() == 0


@pytest.mark.parametrize("content", [b"\xff\xfe\x00", b"[" * 100_000], ids=["not-utf8", "too-deep"])
async def test_undecodable_json_is_422_like_other_malformed_json(
    client: httpx.AsyncClient, content: bytes
) -> None:
    for path in ("/auth/register", "/auth/login", "/auth/refresh"):
        reply = await client.post(path, content=content, headers={"Content-Type": "application/json"})
        assert reply.status_code == 422, (path, reply.text)
        assert reply.json()["title"] == "Malformed JSON"


async def test_json_of_the_wrong_shape_is_422(client: httpx.AsyncClient) -> None:
    for content in (b"[]", b'"alice"', b"null", b"42"):
        reply = await client.post(
            "/auth/register", content=content, headers={"Content-Type": "application/json"}
        )
        assert_field_errors(assert_problem(reply, 422))
    assert await user_count() == 0


# ---------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "body",
    [
        {"username": {"$ne": ""}, "password": "x"},
        {"username": {"$ne": ""}, "password": PASSWORD},
        {"username": {"$gt": ""}, "password": {"$gt": ""}},
        {"username": "victim", "password": {"$ne": ""}},
        {"username": ["victim"], "password": PASSWORD},
        {"username": {"$regex": ".*"}, "password": PASSWORD},
    ],
)
async def test_operator_objects_on_login(
    client: httpx.AsyncClient, make_student: MakeStudent, body: dict[str, Any]
) -> None:
    await make_student("victim")
    tokens_before = await RefreshToken.get_pymongo_collection().count_documents({})
    reply = await client.post("/auth/login", json=body)
    assert 400 <= reply.status_code < 500, reply.text
    assert_problem(reply, reply.status_code)
    assert "access_token" not in reply.text
    assert await RefreshToken.get_pymongo_collection().count_documents({}) == tokens_before


@pytest.mark.parametrize(
    "body",
    [
        {"username": {"$ne": ""}, "password": "x"},
        {"username": {"$ne": ""}, "password": PASSWORD},
        {"username": "sneaky", "password": {"$gt": ""}},
        {"username": "sneaky", "password": PASSWORD, "email": {"$ne": None}},
        {"username": "sneaky", "password": PASSWORD, "display_name": {"$set": {"role": "admin"}}},
        {"username": "sneaky", "password": PASSWORD, "$set": {"role": "admin"}},
    ],
)
async def test_operator_objects_on_register(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    reply = await client.post("/auth/register", json=body)
    assert 400 <= reply.status_code < 500, reply.text
    assert_problem(reply, reply.status_code)
    assert await user_count() == 0


async def test_form_login_brackets_are_plain_strings(
    client: httpx.AsyncClient, make_student: MakeStudent
) -> None:
    await make_student("victim")
    reply = await client.post("/auth/login", data={"username[$ne]": "", "password[$ne]": ""})
    assert 400 <= reply.status_code < 500
    assert_problem(reply, reply.status_code)
    wrong = await client.post("/auth/login", data={"username": "victim", "password": '{"$ne": ""}'})
    assert_problem(wrong, 401)


@pytest.mark.parametrize(
    "body",
    [
        {"username": "bigname", "password": PASSWORD, "display_name": "x" * 10_000},
        {"username": "u" * 10_000, "password": PASSWORD},
        {"username": "bigpass", "password": "p" * 10_000},
        {"username": "bigmail", "password": PASSWORD, "email": "a" * 10_000 + "@example.org"},
        {"username": "bigpass", "password": "p" * 1_000_000},
    ],
)
async def test_oversized_strings_on_register_are_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    reply = await client.post("/auth/register", json=body)
    assert_field_errors(assert_problem(reply, 422))
    assert await user_count() == 0
    assert len(reply.content) < 10_000  # the oversized value is not echoed back


async def test_oversized_strings_elsewhere_are_422(client: httpx.AsyncClient, student: Actor) -> None:
    cases = [
        ("/users/me", "PATCH", {"display_name": "x" * 10_000}),
        ("/auth/login", "POST", {"username": "u" * 10_000, "password": PASSWORD}),
        ("/auth/login", "POST", {"username": student.username, "password": "p" * 10_000}),
        ("/auth/refresh", "POST", {"refresh_token": "t" * 10_000}),
    ]
    for url, method, body in cases:
        reply = await client.request(method, url, json=body, headers=student.headers)
        assert_field_errors(assert_problem(reply, 422))
    me = await client.get("/users/me", headers=student.headers)
    assert me.json()["display_name"] is None


# ---------------------------------------------------------------- request id and timing


async def test_client_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    rid = "client-req_42.a:b"
    ok = await client.get("/healthz", headers={"X-Request-ID": rid})
    assert ok.status_code == 200
    assert ok.headers["x-request-id"] == rid
    error = await client.get("/users/me", headers={"X-Request-ID": rid})
    assert assert_problem(error, 401)["request_id"] == rid


@pytest.mark.parametrize("rid", ["has space", "x" * 129, "<script>", "semi;colon", "ünï", ""])
async def test_unsafe_request_id_is_replaced(client: httpx.AsyncClient, rid: str) -> None:
    reply = await client.get("/users/me", headers={b"X-Request-ID": rid.encode("utf-8")})
    body = assert_problem(reply, 401)
    assert reply.headers["x-request-id"] != rid
    assert re.fullmatch(r"[0-9a-f]{32}", reply.headers["x-request-id"])
    assert body["request_id"] == reply.headers["x-request-id"]


async def test_request_ids_are_unique(client: httpx.AsyncClient) -> None:
    ids = {(await client.get("/healthz")).headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


async def test_every_response_has_timing_and_id(client: httpx.AsyncClient, student: Actor) -> None:
    replies = [
        await client.get("/healthz"),
        await client.get("/users/me", headers=student.headers),
        await client.post("/auth/register", json={"username": "timed", "password": PASSWORD}),
        await client.post("/auth/login", json={"username": "timed", "password": PASSWORD}),
        await client.get("/users/me"),
        await client.get("/users", headers=student.headers),
        await client.get("/nowhere"),
        await client.delete("/users/me"),
        await client.post("/auth/login", content=b"x", headers={"Content-Type": "text/plain"}),
        await client.post("/auth/register", json={}),
        await client.get("/openapi.json"),
        await client.post("/auth/logout", headers=student.headers),
    ]
    assert [r.status_code for r in replies] == [200, 200, 201, 200, 401, 403, 404, 405, 415, 422, 200, 204]
    for reply in replies:
        assert TIMING.match(reply.headers["server-timing"]), reply.headers
        assert reply.headers["x-request-id"]
        if reply.status_code >= 400:
            assert_problem(reply, reply.status_code)


# ---------------------------------------------------------------- body size limit


async def test_body_over_the_limit_is_413(small_app: httpx.AsyncClient) -> None:
    client = small_app
    body = {"username": "toolarge", "password": PASSWORD, "display_name": "x" * 4000}
    reply = await client.post("/auth/register", json=body, headers={"X-Request-ID": "big-1"})
    problem = assert_problem(reply, 413)
    assert problem["request_id"] == "big-1"
    assert reply.headers["x-content-type-options"] == "nosniff"  # refused before routing, still hardened
    assert reply.headers["cache-control"] == "no-store"
    assert await user_count() == 0

    # just under the limit is processed normally (and rejected for its content)
    under = await client.post("/auth/register", json={**body, "display_name": "x" * 1500})
    assert_problem(under, 422)
    ok = await client.post("/auth/register", json={"username": "fits", "password": PASSWORD})
    assert ok.status_code == 201, ok.text
    assert await user_count() == 1


async def test_streamed_body_over_the_limit_is_413(small_app: httpx.AsyncClient) -> None:
    """Without Content-Length (chunked), the limit is enforced while reading."""
    client = small_app

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"username": "streamer", "password": "' + PASSWORD.encode() + b'", "display_name": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    for path, content_type in (
        ("/auth/register", "application/json"),
        ("/auth/login", "application/json"),
    ):
        reply = await client.post(path, content=chunks(), headers={"Content-Type": content_type})
        assert "content-length" not in reply.request.headers
        assert_problem(reply, 413)
    assert await user_count() == 0


async def test_form_login_over_the_limit_is_413(small_app: httpx.AsyncClient) -> None:
    client = small_app
    reply = await client.post("/auth/login", data={"username": "someone", "password": "p" * 5000})
    assert_problem(reply, 413)


async def test_shared_app_works_after_a_separate_one(
    client: httpx.AsyncClient, make_student: MakeStudent
) -> None:
    """Guard for the fixtures: runs after the apps above, whose database binding must not leak."""
    actor = await make_student()
    assert (await client.get("/users/me", headers=actor.headers)).status_code == 200


# ---------------------------------------------------------------- crashes


async def test_unexpected_exception_is_500_problem(
    boom_app: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = boom_app
    with caplog.at_level(logging.INFO):
        reply = await client.get("/boom", headers={"X-Request-ID": "crash-1"})
    body = assert_problem(reply, 500)
    assert body["request_id"] == "crash-1"
    assert body["title"] == "Internal Server Error"
    assert "hunter2" not in reply.text
    assert "deadbeef" not in reply.text
    assert "Boom" not in reply.text
    assert "errors" not in body

    # the crash is logged with its traceback, server-side only
    crashes = [r for r in caplog.records if r.name == "oms.edge.problems"]
    assert len(crashes) == 1
    assert crashes[0].levelno == logging.ERROR
    assert crashes[0].exc_info is not None
    assert isinstance(crashes[0].exc_info[1], Boom)
    access = [r for r in caplog.records if r.name == "oms.access"]
    assert len(access) == 1
    assert access[0].__dict__["status"] == 500
    assert access[0].__dict__["route"] == "/api/v1/boom"

    # the app keeps serving
    assert (await client.get("/healthz")).status_code == 200
    post = await client.post("/boom", json={"a": 1})
    assert_problem(post, 500)


# ---------------------------------------------------------------- access log


def _access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "oms.access"]


async def test_access_log_line_per_request(
    client: httpx.AsyncClient, admin: Actor, student: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="oms.access"):
        patched = await client.patch(f"/users/{student.id}", json={"role": "student"}, headers=admin.headers)
        anonymous = await client.get("/users/me")
        missing = await client.get("/nothing-here", headers=student.headers)
    assert (patched.status_code, anonymous.status_code, missing.status_code) == (200, 401, 404)
    records = _access_records(caplog)
    assert len(records) == 3
    first, second, third = (r.__dict__ for r in records)

    assert first["method"] == "PATCH"
    assert first["path"] == f"/api/v1/users/{student.id}"
    assert first["route"] == "/api/v1/users/{user_id}"
    assert first["status"] == 200
    assert isinstance(first["duration_ms"], float)
    assert first["duration_ms"] >= 0
    assert first["user_id"] == admin.id

    assert second["method"] == "GET"
    assert second["route"] == "/api/v1/users/me"
    assert second["status"] == 401
    assert second["user_id"] is None

    assert third["status"] == 404
    assert third["route"] is None
    assert third["user_id"] is None  # no route ran, so no one was authenticated


async def test_access_log_record_carries_the_request_id(
    client: httpx.AsyncClient, student: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="oms.access"):
        reply = await client.get("/users/me", headers={**student.headers, "X-Request-ID": "log-1"})
    (record,) = _access_records(caplog)
    assert record.__dict__.get("request_id") == reply.headers["x-request-id"] == "log-1"


async def test_access_log_is_one_json_line_per_request(client: httpx.AsyncClient, student: Actor) -> None:
    """What the configured formatter writes while the request runs: one JSON object per request."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("oms.access")
    access.addHandler(handler)
    try:
        me = await client.get("/users/me", headers={**student.headers, "X-Request-ID": "line-1"})
        denied = await client.get("/users", headers=student.headers)
    finally:
        access.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["logger"] == "oms.access"
    assert first["method"] == "GET"
    assert first["path"] == "/api/v1/users/me"
    assert first["route"] == "/api/v1/users/me"
    assert first["status"] == 200
    assert first["user_id"] == student.id
    assert isinstance(first["duration_ms"], float)
    assert first["request_id"] == me.headers["x-request-id"] == "line-1"
    assert second["route"] == "/api/v1/users"
    assert second["status"] == 403
    assert second["user_id"] == student.id
    assert second["request_id"] == denied.headers["x-request-id"]


async def test_access_log_does_not_leak_credentials(
    client: httpx.AsyncClient, student: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await client.post("/auth/login", json={"username": student.username, "password": PASSWORD})
        await client.get("/users/me", headers=student.headers)
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name.startswith("oms"))
    assert PASSWORD not in text
    assert student.tokens["access_token"] not in text

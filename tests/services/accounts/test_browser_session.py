"""Browser sessions: /auth/session sets an HttpOnly refresh cookie, rotates it, ends it; Origin checked (CSRF)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from oms.documents import RefreshToken
from oms.edge.browser import origin_of
from tests.support.api import PASSWORD, Actor, bearer, problem

SITE = "http://testserver"
SESSION = "/auth/session"


def browser(app: Any, origin: str | None = SITE, base: str = SITE, **kwargs: Any) -> httpx.AsyncClient:
    """A client that keeps cookies like a browser and sends `Origin` like one (None: no Origin)."""
    headers = {"Origin": origin} if origin is not None else {}
    transport = httpx.ASGITransport(app=app, **kwargs)
    return httpx.AsyncClient(transport=transport, base_url=f"{base}/api/v1", headers=headers)


@pytest.fixture
async def web(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(app) as c:
        yield c


def cookie_attributes(reply: httpx.Response) -> dict[str, str]:
    """The one `oms_refresh` Set-Cookie of `reply`, as {attribute (lower case): value}, plus its value."""
    cookies = [c for c in reply.headers.get_list("set-cookie") if c.startswith("oms_refresh=")]
    assert len(cookies) == 1, reply.headers.get_list("set-cookie")
    first, *attributes = (part.strip() for part in cookies[0].split(";"))
    parsed = {"value": first.split("=", 1)[1]}
    for attribute in attributes:
        name, _, value = attribute.partition("=")
        parsed[name.lower()] = value
    return parsed


async def start(web: httpx.AsyncClient, username: str) -> httpx.Response:
    reply = await web.post(SESSION, json={"username": username, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    return reply


async def test_session_sets_the_refresh_cookie_and_returns_only_the_access_token(
    web: httpx.AsyncClient, student: Actor, app: FastAPI
) -> None:
    reply = await start(web, student.username)
    body = reply.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == app.state.settings.access_token_minutes * 60
    cookie = cookie_attributes(reply)
    assert cookie["value"] and cookie["value"] not in reply.text
    assert "httponly" in cookie and "secure" not in cookie  # plain http here
    assert cookie["samesite"].lower() == "strict"
    assert cookie["path"] == "/api/v1/auth"
    assert int(cookie["max-age"]) == app.state.settings.refresh_token_days * 86400
    assert reply.headers["cache-control"] == "no-store"
    me = await web.get("/users/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["username"] == student.username
    stored = await RefreshToken.get_pymongo_collection().count_documents({"user_id": {"$exists": True}})
    assert stored == 2  # the fixture's JSON login and this session


async def test_a_readable_hint_cookie_follows_the_session(web: httpx.AsyncClient, student: Actor) -> None:
    """`oms_session=1` (no secret, readable by scripts) lets the web app skip the refresh call when there is
    no session at all; it is set with every refresh cookie and removed on sign-out."""
    reply = await start(web, student.username)
    hints = [c for c in reply.headers.get_list("set-cookie") if c.startswith("oms_session=")]
    assert len(hints) == 1
    assert hints[0].startswith("oms_session=1;")
    assert "httponly" not in hints[0].lower() and "path=/;" in hints[0].lower()
    assert cookie_attributes(reply)["max-age"] in hints[0]
    assert web.cookies.get("oms_session") == "1"
    again = await web.post(f"{SESSION}/refresh")
    assert any(c.startswith("oms_session=1;") for c in again.headers.get_list("set-cookie"))
    out = await web.delete(SESSION)
    assert out.status_code == 204
    assert any(c.startswith("oms_session=;") and "Max-Age=0" in c for c in out.headers.get_list("set-cookie"))
    assert web.cookies.get("oms_session") is None


async def test_cookie_is_secure_over_https(app: FastAPI, student: Actor) -> None:
    async with browser(app, origin="https://testserver", base="https://testserver") as web:
        reply = await start(web, student.username)
        assert "secure" in cookie_attributes(reply)
        # the browser sends a Secure cookie back over https: rotation works
        again = await web.post(f"{SESSION}/refresh")
        assert again.status_code == 200 and "secure" in cookie_attributes(again)


async def test_forwarded_proto_is_believed_only_from_the_trusted_proxy(app: FastAPI, student: Actor) -> None:
    """Behind Nginx, uvicorn's proxy-header handling (the same middleware) gives the scheme."""
    # uvicorn types its ASGI app with its own TypedDicts; FastAPI declares MutableMapping: the same protocol
    proxied = ProxyHeadersMiddleware(app, trusted_hosts="127.0.0.1")  # type: ignore[arg-type]
    https = {"X-Forwarded-Proto": "https"}
    async with browser(proxied, origin="https://testserver", client=("127.0.0.1", 5000)) as web:
        reply = await web.post(
            SESSION, json={"username": student.username, "password": PASSWORD}, headers=https
        )
        assert reply.status_code == 200, reply.text
        assert "secure" in cookie_attributes(reply)
    async with browser(proxied, origin="https://testserver", client=("203.0.113.9", 5000)) as web:
        # a client that claims https itself is not believed: its own scheme (http) must match its Origin
        refused = await web.post(
            SESSION, json={"username": student.username, "password": PASSWORD}, headers=https
        )
        problem(refused, 403)
    async with browser(proxied, client=("203.0.113.9", 5000)) as web:
        reply = await web.post(
            SESSION, json={"username": student.username, "password": PASSWORD}, headers=https
        )
        assert reply.status_code == 200 and "secure" not in cookie_attributes(reply)


async def test_json_login_sets_no_cookie(web: httpx.AsyncClient, student: Actor) -> None:
    reply = await web.post("/auth/login", json={"username": student.username, "password": PASSWORD})
    assert reply.status_code == 200 and "refresh_token" in reply.json()
    assert not reply.headers.get_list("set-cookie")


async def test_refresh_rotates_the_cookie(web: httpx.AsyncClient, student: Actor) -> None:
    first = cookie_attributes(await start(web, student.username))["value"]
    reply = await web.post(f"{SESSION}/refresh")
    assert reply.status_code == 200, reply.text
    assert set(reply.json()) == {"access_token", "token_type", "expires_in"}
    assert reply.headers["cache-control"] == "no-store"
    second = cookie_attributes(reply)
    assert second["value"] != first and "httponly" in second and second["path"] == "/api/v1/auth"
    me = await web.get("/users/me", headers=bearer(reply.json()["access_token"]))
    assert me.status_code == 200
    assert (await web.post(f"{SESSION}/refresh")).status_code == 200  # the jar holds the new one


async def test_replayed_cookie_ends_the_whole_login(app: FastAPI, student: Actor) -> None:
    async with browser(app) as victim, browser(app) as thief:
        stolen = cookie_attributes(await start(victim, student.username))["value"]
        rotated = await victim.post(f"{SESSION}/refresh")
        assert rotated.status_code == 200
        access = rotated.json()["access_token"]
        replay = await thief.post(f"{SESSION}/refresh", headers={"Cookie": f"oms_refresh={stolen}"})
        body = problem(replay, 401)
        assert body["detail"] == "Refresh token is no longer valid"
        assert cookie_attributes(replay)["max-age"] == "0"
        # the legitimate holder's newer cookie and access token died with the family
        problem(await victim.post(f"{SESSION}/refresh"), 401)
        problem(await victim.get("/users/me", headers=bearer(access)), 401)


async def test_refresh_without_a_cookie_is_401_and_clears_it(web: httpx.AsyncClient) -> None:
    reply = await web.post(f"{SESSION}/refresh")
    problem(reply, 401)
    assert reply.headers["www-authenticate"] == "Bearer"
    cleared = cookie_attributes(reply)
    assert cleared["value"] == "" and cleared["max-age"] == "0" and cleared["path"] == "/api/v1/auth"


@pytest.mark.parametrize("value", ["garbage", "a.b.c", "x" * 5000])
async def test_refresh_with_a_bad_cookie_is_401(web: httpx.AsyncClient, value: str) -> None:
    reply = await web.post(f"{SESSION}/refresh", headers={"Cookie": f"oms_refresh={value}"})
    problem(reply, 401)
    assert cookie_attributes(reply)["max-age"] == "0"


async def test_an_access_token_in_the_cookie_is_refused(web: httpx.AsyncClient, student: Actor) -> None:
    cookie = {"Cookie": f"oms_refresh={student.tokens['access_token']}"}
    problem(await web.post(f"{SESSION}/refresh", headers=cookie), 401)


async def test_logout_clears_the_cookie_and_ends_the_login(web: httpx.AsyncClient, student: Actor) -> None:
    reply = await start(web, student.username)
    cookie, access = cookie_attributes(reply)["value"], reply.json()["access_token"]
    out = await web.delete(SESSION, headers=bearer(access))
    assert out.status_code == 204, out.text
    cleared = cookie_attributes(out)
    assert cleared["value"] == "" and cleared["max-age"] == "0" and "httponly" in cleared
    assert not web.cookies.get("oms_refresh")
    problem(await web.get("/users/me", headers=bearer(access)), 401)
    problem(await web.post(f"{SESSION}/refresh", headers={"Cookie": f"oms_refresh={cookie}"}), 401)
    # the same login's tokens are revoked even without the bearer token: the cookie names the login
    again = await start(web, student.username)
    access = again.json()["access_token"]
    assert (await web.delete(SESSION)).status_code == 204
    problem(await web.get("/users/me", headers=bearer(access)), 401)


async def test_logout_leaves_other_logins_alone(web: httpx.AsyncClient, student: Actor) -> None:
    await start(web, student.username)
    assert (await web.delete(SESSION)).status_code == 204
    assert (await web.get("/users/me", headers=student.headers)).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Cookie": "oms_refresh=garbage", "Authorization": "Bearer junk"}])
async def test_logout_with_nothing_valid_still_clears(
    web: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    reply = await web.delete(SESSION, headers=headers)
    assert reply.status_code == 204, reply.text
    assert cookie_attributes(reply)["max-age"] == "0"


async def test_disabled_users_cookie_refresh_is_refused(
    web: httpx.AsyncClient, student: Actor, admin: Actor
) -> None:
    await start(web, student.username)
    reply = await web.patch(f"/users/{student.id}", json={"disabled": True}, headers=admin.headers)
    assert reply.status_code == 200, reply.text
    refused = await web.post(f"{SESSION}/refresh")
    problem(refused, 401)
    assert cookie_attributes(refused)["max-age"] == "0"
    problem(await web.post(SESSION, json={"username": student.username, "password": PASSWORD}), 401)


async def test_session_login_failures_match_json_login(web: httpx.AsyncClient, student: Actor) -> None:
    wrong = {"username": student.username, "password": "not-the-password"}
    ghost = {"username": "nobody-here", "password": "not-the-password"}
    bodies = []
    for path, body in (("/auth/login", wrong), (SESSION, wrong), (SESSION, ghost)):
        reply = await web.post(path, json=body)
        bodies.append({k: v for k, v in problem(reply, 401).items() if k != "request_id"})
        assert not reply.headers.get_list("set-cookie")
    assert bodies[0] == bodies[1] == bodies[2]


async def test_session_body_is_json(web: httpx.AsyncClient, student: Actor) -> None:
    form = {"username": student.username, "password": PASSWORD}
    problem(await web.post(SESSION, data=form), 415)
    problem(await web.post(SESSION, json={"username": student.username}), 422)
    problem(await web.post(SESSION, json={**form, "role": "admin"}), 422)


async def test_session_logins_are_throttled_with_json_logins(make_app: Any) -> None:
    app = await make_app(login_failures_per_user=3)
    async with browser(app) as web:
        reply = await web.post("/auth/register", json={"username": "guessme", "password": PASSWORD})
        assert reply.status_code == 201, reply.text
        wrong = {"username": "guessme", "password": "wrong-guess"}
        problem(await web.post("/auth/login", json=wrong), 401)
        problem(await web.post(SESSION, json=wrong), 401)
        problem(await web.post(SESSION, json=wrong), 401)
        locked = await web.post(SESSION, json={"username": "guessme", "password": PASSWORD})
        problem(locked, 429)
        assert int(locked.headers["retry-after"]) > 0
        assert not locked.headers.get_list("set-cookie")
        problem(await web.post("/auth/login", json={"username": "guessme", "password": PASSWORD}), 429)


# ---------------------------------------------------------------- the Origin check


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://testserver:8080"},
        {"Origin": "https://testserver"},
        {"Origin": "http://testserver.evil.example"},
        {"Origin": "file://testserver"},
        {"Referer": "https://evil.example/page"},
        {"Origin": "https://evil.example", "Referer": "http://testserver/login"},
    ],
)
async def test_cross_site_cookie_calls_are_refused(
    app: FastAPI, student: Actor, headers: dict[str, str]
) -> None:
    async with browser(app) as web:
        await start(web, student.username)
        valid_cookie = web.cookies["oms_refresh"]
    async with browser(app, origin=None) as web:
        web.headers.update(headers)
        body = {"username": student.username, "password": PASSWORD}
        for reply in (
            await web.post(SESSION, json=body),
            await web.post(f"{SESSION}/refresh", headers={"Cookie": f"oms_refresh={valid_cookie}"}),
            await web.delete(SESSION, headers={"Cookie": f"oms_refresh={valid_cookie}"}),
        ):
            problem(reply, 403)
            assert not reply.headers.get_list("set-cookie")
    # nothing happened: the cookie still works from the site itself
    async with browser(app) as web:
        ok = await web.post(f"{SESSION}/refresh", headers={"Cookie": f"oms_refresh={valid_cookie}"})
        assert ok.status_code == 200, ok.text


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver"},
        {"Origin": "HTTP://TestServer:80"},
        {"Referer": "http://testserver/courses?q=x"},
    ],
)
async def test_same_site_pages_are_accepted(app: FastAPI, student: Actor, headers: dict[str, str]) -> None:
    async with browser(app, origin=None) as web:
        web.headers.update(headers)
        await start(web, student.username)
        assert (await web.post(f"{SESSION}/refresh")).status_code == 200
        assert (await web.delete(SESSION)).status_code == 204


async def test_configured_cors_origins_are_accepted(make_app: Any) -> None:
    app = await make_app(cors_origins="https://app.example.org")
    async with browser(app, origin="https://app.example.org") as web:
        reply = await web.post("/auth/register", json={"username": "corsuser", "password": PASSWORD})
        assert reply.status_code == 201, reply.text
        ok = await web.post(SESSION, json={"username": "corsuser", "password": PASSWORD})
        assert ok.status_code == 200, ok.text
        # credentials stay off cross-origin: the browser would not share this reply with a credentialed call
        assert "access-control-allow-credentials" not in ok.headers
        assert ok.headers["access-control-allow-origin"] == "https://app.example.org"
    async with browser(app, origin="https://other.example.org") as web:
        problem(await web.post(SESSION, json={"username": "corsuser", "password": PASSWORD}), 403)


def test_origin_parsing() -> None:
    assert origin_of("http://a.example") == ("http", "a.example", 80)
    assert origin_of("https://A.example:8443/x?y") == ("https", "a.example", 8443)
    assert origin_of("http://[::1]:8080") == ("http", "::1", 8080)
    for bad in ("null", "", "/relative", "ftp://a.example", "http://a.example:99999", "http://"):
        assert origin_of(bad) is None


async def test_openapi_documents_the_session_operations(web: httpx.AsyncClient) -> None:
    doc = (await web.get("/openapi.json")).json()
    ops = {
        (path, method): op
        for path, methods in doc["paths"].items()
        for method, op in methods.items()
        if path.startswith("/api/v1/auth/session")
    }
    ids = {key: op["operationId"] for key, op in ops.items()}
    assert ids == {
        ("/api/v1/auth/session", "post"): "auth-create_session",
        ("/api/v1/auth/session/refresh", "post"): "auth-refresh_session",
        ("/api/v1/auth/session", "delete"): "auth-delete_session",
    }
    for op in ops.values():
        assert "oms_refresh" in op["description"] or "cookie" in op["description"]
        assert "403" in op["responses"]
    assert set(doc["components"]["schemas"]["AccessToken"]["properties"]) == {
        "access_token",
        "token_type",
        "expires_in",
    }
    # the JSON clients' operations are unchanged
    assert "refresh_token" in doc["components"]["schemas"]["TokenPair"]["properties"]

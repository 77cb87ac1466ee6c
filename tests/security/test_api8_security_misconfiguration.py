"""OWASP API8:2023 Security Misconfiguration: headers, caching, CORS, hosts, docs, TRACE, stack traces."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.support.api import Actor
from tests.support.factories import MakeApp


async def test_every_reply_has_the_security_headers(client: httpx.AsyncClient, student: Actor) -> None:
    for reply in (
        await client.get("/courses"),
        await client.get("/users/me", headers=student.headers),
        await client.get("/no/such/route"),
        await client.post("/auth/login", json={"username": "x", "password": "y"}),
    ):
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert reply.headers["referrer-policy"] == "no-referrer"
        assert reply.headers["x-frame-options"] == "DENY"


async def test_personal_and_auth_replies_are_not_stored(client: httpx.AsyncClient, student: Actor) -> None:
    assert (await client.get("/users/me", headers=student.headers)).headers["cache-control"] == "no-store"
    assert (await client.get("/me/enrollments", headers=student.headers)).headers[
        "cache-control"
    ] == "no-store"
    login = await client.post(
        "/auth/login", json={"username": student.username, "password": "correct-horse-9"}
    )
    assert login.headers["cache-control"] == "no-store"
    assert "cache-control" not in (await client.get("/courses")).headers


async def test_trace_is_405(client: httpx.AsyncClient) -> None:
    for path in ("/courses", "/no/such/route", "/healthz"):
        reply = await client.request("TRACE", path)
        assert reply.status_code == 405
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.headers["x-request-id"]


async def test_cors_allows_only_listed_origins_and_never_credentials(make_app: MakeApp) -> None:
    app: FastAPI = await make_app(cors_origins="https://app.example.org,https://admin.example.org")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t/api/v1") as c:
        ok = await c.options(
            "/courses",
            headers={"Origin": "https://app.example.org", "Access-Control-Request-Method": "GET"},
        )
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "https://app.example.org"
        assert "access-control-allow-credentials" not in ok.headers
        evil = await c.get("/courses", headers={"Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in evil.headers
    plain = await make_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=plain), base_url="http://t/api/v1") as c:
        reply = await c.get("/courses", headers={"Origin": "https://app.example.org"})
        assert "access-control-allow-origin" not in reply.headers


async def test_unknown_hosts_are_refused(make_app: MakeApp) -> None:
    app: FastAPI = await make_app(trusted_hosts="api.example.org,*.oms.example.org")
    transport = httpx.ASGITransport(app=app)
    for host, status in (("api.example.org", 200), ("eu.oms.example.org", 200), ("evil.example", 400)):
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as c:
            reply = await c.get("/healthz")
            assert reply.status_code == status, host
            if status == 400:
                assert reply.headers["content-type"] == "application/problem+json"


async def test_docs_can_be_turned_off(make_app: MakeApp) -> None:
    app: FastAPI = await make_app(docs_enabled=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        for path in ("/docs", "/redoc", "/api/v1/openapi.json"):
            assert (await c.get(path)).status_code == 404, path
        assert (await c.get("/api/v1/courses")).status_code == 200


async def test_docs_work_offline_by_default(client: httpx.AsyncClient, app: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        page = await c.get("/docs")
        assert page.status_code == 200
        assert "cdn" not in page.text.lower()
        assert (await c.get("/static/docs/swagger-ui-bundle.js")).status_code == 200


async def test_crashes_show_no_trace(make_app: MakeApp) -> None:
    app: FastAPI = await make_app()

    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.add_api_route("/boom", boom)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        reply = await c.get("/boom")
    assert reply.status_code == 500
    assert "hunter2" not in reply.text
    assert "Traceback" not in reply.text
    assert reply.json()["request_id"] == reply.headers["x-request-id"]

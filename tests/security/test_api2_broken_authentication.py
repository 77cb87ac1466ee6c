"""OWASP API2:2023 Broken Authentication: password guessing, key rotation, forged and tampered tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from oms.services.accounts.tokens import key_id
from tests.support.api import PASSWORD
from tests.support.factories import MakeApp

OLD, NEW = "old-secret-" + "a" * 40, "new-secret-" + "b" * 40


def client_for(app: FastAPI, address: str = "203.0.113.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://t/api/v1")


@pytest.fixture
async def guarded(make_app: MakeApp) -> FastAPI:
    app: FastAPI = await make_app(
        login_failures_per_user=5, login_failures_per_address=20, registrations_per_address=3
    )
    return app


@pytest.fixture
async def api(guarded: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(guarded) as c:
        yield c


@pytest.fixture
def hash_checks(guarded: FastAPI, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password the app checks against a hash."""
    checked: list[str] = []
    real = guarded.state.hasher.verify

    async def counting(password: str, password_hash: str | None) -> bool:
        checked.append(password)
        result: bool = await real(password, password_hash)
        return result

    monkeypatch.setattr(guarded.state.hasher, "verify", counting)
    return checked


async def register(api: httpx.AsyncClient, name: str) -> None:
    reply = await api.post("/auth/register", json={"username": name, "password": PASSWORD})
    assert reply.status_code == 201, reply.text


async def test_a_thousand_guesses_reach_the_hash_at_most_five_times(
    api: httpx.AsyncClient, hash_checks: list[str]
) -> None:
    await register(api, "victim")
    statuses: list[int] = []
    for _ in range(20):  # 1,000 guesses, 50 at a time
        replies = await asyncio.gather(
            *(
                api.post("/auth/login", json={"username": "victim", "password": "wrong-guess"})
                for _ in range(50)
            )
        )
        statuses += [r.status_code for r in replies]
    assert len(statuses) == 1000
    assert len(hash_checks) <= 5
    assert statuses.count(401) == len(hash_checks)
    assert statuses.count(429) == 1000 - len(hash_checks)
    # even the right password waits for the window now
    locked = await api.post("/auth/login", json={"username": "victim", "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0


async def test_locked_reply_is_the_same_for_unknown_users(api: httpx.AsyncClient) -> None:
    await register(api, "known")
    bodies = {}
    for name in ("known", "ghost"):
        for _ in range(6):
            reply = await api.post("/auth/login", json={"username": name, "password": "nope-nope"})
        assert reply.status_code == 429
        assert reply.headers["content-type"] == "application/problem+json"
        body = reply.json()
        bodies[name] = {k: v for k, v in body.items() if k != "request_id"}
    assert bodies["known"] == bodies["ghost"]


async def test_success_resets_the_username_counter(api: httpx.AsyncClient) -> None:
    await register(api, "forgetful")
    for _ in range(4):
        assert (
            await api.post("/auth/login", json={"username": "forgetful", "password": "typo-typo"})
        ).status_code == 401
    assert (
        await api.post("/auth/login", json={"username": "forgetful", "password": PASSWORD})
    ).status_code == 200
    for _ in range(4):
        assert (
            await api.post("/auth/login", json={"username": "forgetful", "password": "typo-typo"})
        ).status_code == 401


async def test_one_address_guessing_many_usernames_is_stopped(guarded: FastAPI) -> None:
    async with client_for(guarded, "198.51.100.9") as attacker, client_for(guarded, "192.0.2.1") as other:
        statuses = [
            (
                await attacker.post("/auth/login", json={"username": f"user{i}", "password": "x" * 9})
            ).status_code
            for i in range(25)
        ]
        assert statuses[:20] == [401] * 20
        assert set(statuses[20:]) == {429}
        assert (
            await other.post("/auth/login", json={"username": "user1", "password": "x" * 9})
        ).status_code == 401


async def test_registration_is_limited_per_address(guarded: FastAPI) -> None:
    async with client_for(guarded, "198.51.100.10") as api:
        for i in range(3):
            await register(api, f"new{i}")
        reply = await api.post("/auth/register", json={"username": "new9", "password": PASSWORD})
        assert reply.status_code == 429
        assert int(reply.headers["retry-after"]) > 0
    async with client_for(guarded, "198.51.100.11") as elsewhere:
        await register(elsewhere, "new9")


async def test_throttling_holds_while_redis_is_down(
    guarded: FastAPI, api: httpx.AsyncClient, hash_checks: list[str]
) -> None:
    await register(api, "offline")
    guarded.state.throttle.guard.retry_after = 60
    guarded.state.throttle.guard._trip(ConnectionError("redis is down"))
    statuses = [
        (await api.post("/auth/login", json={"username": "offline", "password": "wrong-guess"})).status_code
        for _ in range(30)
    ]
    assert statuses.count(401) == 5
    assert statuses.count(429) == 25
    assert len(hash_checks) == 5


# ------------------------------------------------------------------ key rotation


async def login_on(app: FastAPI, name: str) -> dict[str, Any]:
    async with client_for(app) as api:
        reply = await api.post("/auth/login", json={"username": name, "password": PASSWORD})
        assert reply.status_code == 200, reply.text
        tokens: dict[str, Any] = reply.json()
        return tokens


async def me(app: FastAPI, token: str) -> int:
    async with client_for(app) as api:
        return (await api.get("/users/me", headers={"Authorization": f"Bearer {token}"})).status_code


async def test_secret_rotation_keeps_sessions_and_retiring_a_key_ends_them(make_app: MakeApp) -> None:
    before = await make_app(jwt_secret=OLD)
    async with client_for(before) as api:
        await register(api, "rotator")
    old_tokens = await login_on(before, "rotator")
    assert jwt.get_unverified_header(old_tokens["access_token"])["kid"] == key_id(OLD)

    rotating = await make_app(jwt_secret=NEW, jwt_previous_secrets=OLD)
    assert await me(rotating, old_tokens["access_token"]) == 200
    new_tokens = await login_on(rotating, "rotator")
    assert jwt.get_unverified_header(new_tokens["access_token"])["kid"] == key_id(NEW)
    async with client_for(rotating) as api:  # an old refresh token still rotates, into a new-key pair
        refreshed = await api.post("/auth/refresh", json={"refresh_token": old_tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert jwt.get_unverified_header(refreshed.json()["access_token"])["kid"] == key_id(NEW)

    retired = await make_app(jwt_secret=NEW)
    assert await me(retired, old_tokens["access_token"]) == 401
    assert await me(retired, new_tokens["access_token"]) == 200


async def test_a_token_naming_a_known_kid_but_signed_otherwise_is_refused(make_app: MakeApp) -> None:
    app = await make_app(jwt_secret=NEW)
    async with client_for(app) as api:
        await register(api, "kidder")
    good = (await login_on(app, "kidder"))["access_token"]
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = jwt.encode(claims, "guessed-" + "c" * 40, algorithm="HS256", headers={"kid": key_id(NEW)})
    no_kid = jwt.encode(claims, NEW, algorithm="HS256")
    assert await me(app, forged) == 401
    assert await me(app, no_kid) == 401
    assert await me(app, good) == 200

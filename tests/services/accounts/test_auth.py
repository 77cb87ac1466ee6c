"""/auth: registration rules, login (form and JSON), JWT claims, refresh rotation, logout, token checks."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from beanie import PydanticObjectId
from fastapi import FastAPI

from oms.config import Settings
from oms.documents import RefreshToken, RevokedToken, User
from oms.services.accounts.tokens import key_id
from tests.support.api import PASSWORD, Actor, bearer, login

PROBLEM = "application/problem+json"


# ---------------------------------------------------------------- helpers


def problem_without_id(reply: httpx.Response) -> dict[str, Any]:
    """The problem body minus its per-request id, for comparing two replies."""
    assert reply.headers["content-type"].startswith(PROBLEM), reply.text
    body: dict[str, Any] = reply.json()
    assert body["request_id"] == reply.headers["x-request-id"]
    body.pop("request_id")
    return body


def assert_401(reply: httpx.Response) -> None:
    assert reply.status_code == 401, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM)
    assert reply.headers["www-authenticate"] == "Bearer"
    body = reply.json()
    assert body["status"] == 401
    assert body["type"] and body["title"] and body["detail"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(obj: dict[str, Any]) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def unb64url_json(part: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return value


def secret_of(settings: Settings) -> str:
    assert settings.jwt_secret is not None
    return settings.jwt_secret.get_secret_value()


def forge(settings: Settings, *, secret: str | None = None, algorithm: str = "HS256", **claims: Any) -> str:
    """A token signed with the test secret (or `secret`), with exactly `claims` (None values dropped)."""
    payload = {k: v for k, v in claims.items() if v is not None}
    key = secret or secret_of(settings)
    token: str = jwt.encode(payload, key, algorithm=algorithm, headers={"kid": key_id(key)})
    return token


async def caller(client: httpx.AsyncClient, access_token: str) -> str:
    """Whose token this is, as GET /users/me says (it must answer 200)."""
    me = await client.get("/users/me", headers=bearer(access_token))
    assert me.status_code == 200, me.text
    user_id: str = me.json()["id"]
    return user_id


def claims_for(user_id: str, typ: str = "access", **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": user_id,
        "jti": secrets.token_urlsafe(16),
        "fam": secrets.token_urlsafe(12),
        "typ": typ,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    claims.update(overrides)
    return claims


def tamper(token: str, **changes: Any) -> str:
    """The same header and signature with an edited payload (not re-signed)."""
    header, payload, signature = token.split(".")
    claims = unb64url_json(payload)
    claims.update(changes)
    return f"{header}.{b64url_json(claims)}.{signature}"


async def register(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/auth/register", json=body)


async def stored_users() -> list[dict[str, Any]]:
    return await User.get_pymongo_collection().find({}).to_list()


# ---------------------------------------------------------------- register


async def test_register_creates_a_student_and_stores_a_hash(client: httpx.AsyncClient) -> None:
    reply = await register(
        client, username="Ada.L-ove_1", password=PASSWORD, email="Ada@Example.ORG", display_name="Ada"
    )
    assert reply.status_code == 201, reply.text
    assert reply.headers["content-type"] == "application/json"
    body = reply.json()
    assert set(body) == {"id", "username", "email", "display_name", "role", "disabled", "created_at"}
    assert body["username"] == "ada.l-ove_1"
    assert body["email"] == "ada@example.org"
    assert body["display_name"] == "Ada"
    assert body["role"] == "student"
    assert body["disabled"] is False
    assert body["created_at"].endswith("Z")
    assert "password" not in reply.text

    docs = await stored_users()
    assert len(docs) == 1
    doc = docs[0]
    assert str(doc["_id"]) == body["id"]
    assert doc["username"] == "ada.l-ove_1"
    assert doc["email"] == "ada@example.org"
    assert doc["role"] == "student"
    assert doc["disabled"] is False
    assert doc["password_hash"].startswith("$argon2")
    assert PASSWORD not in doc["password_hash"]
    assert doc["created_at"].tzinfo is not None
    assert abs(doc["created_at"] - datetime.now(UTC)) < timedelta(minutes=1)


async def test_register_without_optional_fields(client: httpx.AsyncClient) -> None:
    first = await register(client, username="nomail1", password=PASSWORD)
    second = await register(client, username="nomail2", password=PASSWORD, email=None)
    assert first.status_code == 201, first.text
    assert second.status_code == 201, second.text  # many users without email is fine
    assert first.json()["email"] is None
    assert first.json()["display_name"] is None
    assert len(await stored_users()) == 2


@pytest.mark.parametrize(
    "extra",
    [
        {"role": "admin"},
        {"is_admin": True},
        {"disabled": False},
        {"password_hash": "$argon2id$forged"},
        {"_id": "665f1f77bcf86cd799439011"},
    ],
)
async def test_register_refuses_unknown_fields(client: httpx.AsyncClient, extra: dict[str, Any]) -> None:
    reply = await register(client, username="mallory", password=PASSWORD, **extra)
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM)
    field = next(iter(extra))
    assert ["body", field] in [e["loc"] for e in reply.json()["errors"]]
    assert await stored_users() == []


@pytest.mark.parametrize(
    "username",
    ["abc", "a" * 32, "a.b", "x_y-z.0", "123", "---"],
)
async def test_register_accepts_valid_usernames(client: httpx.AsyncClient, username: str) -> None:
    reply = await register(client, username=username, password=PASSWORD)
    assert reply.status_code == 201, reply.text
    assert reply.json()["username"] == username


@pytest.mark.parametrize(
    "username",
    [
        "ab",
        "a" * 33,
        "",
        "has space",
        "semi;colon",
        "at@sign",
        "slash/",
        "dollar$",
        "ünïcode",
        "tab\tname",
        "new\nline",
        12345,
        None,
        ["alice"],
    ],
)
async def test_register_rejects_bad_usernames(client: httpx.AsyncClient, username: Any) -> None:
    reply = await register(client, username=username, password=PASSWORD)
    assert reply.status_code == 422, reply.text
    assert ["body", "username"] in [e["loc"] for e in reply.json()["errors"]]
    assert await stored_users() == []


async def test_username_is_case_insensitive_and_unique(client: httpx.AsyncClient) -> None:
    first = await register(client, username="Alice", password=PASSWORD)
    assert first.status_code == 201, first.text
    assert first.json()["username"] == "alice"

    for name in ("alice", "ALICE", " aLiCe "):
        again = await register(client, username=name, password=PASSWORD + "x")
        assert again.status_code == 409, again.text
        assert again.headers["content-type"].startswith(PROBLEM)
        assert again.json()["title"] == "Username already taken"
        assert again.json()["status"] == 409

    docs = await stored_users()
    assert [d["username"] for d in docs] == ["alice"]
    # login works with any case of the name
    tokens = await login(client, "ALICE")
    assert tokens["token_type"] == "bearer"


async def test_concurrent_registrations_of_one_name_make_one_user(client: httpx.AsyncClient) -> None:
    replies = await asyncio.gather(*(register(client, username="racer", password=PASSWORD) for _ in range(5)))
    assert sorted(r.status_code for r in replies) == [201, 409, 409, 409, 409]
    assert len(await stored_users()) == 1


@pytest.mark.parametrize("length", [8, 128])
async def test_register_password_length_bounds_accepted(client: httpx.AsyncClient, length: int) -> None:
    password = "p" * length
    reply = await register(client, username=f"len{length}", password=password)
    assert reply.status_code == 201, reply.text
    assert (await login(client, f"len{length}", password))["access_token"]


@pytest.mark.parametrize("password", ["", "p" * 7, "p" * 129, "p" * 10_000, 12345678, None])
async def test_register_password_length_bounds_refused(client: httpx.AsyncClient, password: Any) -> None:
    reply = await register(client, username="shortpw", password=password)
    assert reply.status_code == 422, reply.text
    assert ["body", "password"] in [e["loc"] for e in reply.json()["errors"]]
    assert await stored_users() == []


async def test_password_whitespace_is_kept_as_typed(client: httpx.AsyncClient) -> None:
    """A password is a secret, not text to tidy: surrounding spaces are part of it."""
    password = "  spaced secret  "
    reply = await register(client, username="spacey", password=password)
    assert reply.status_code == 201, reply.text
    assert (await login(client, "spacey", password))["access_token"]
    wrong = await client.post("/auth/login", json={"username": "spacey", "password": password.strip()})
    assert_401(wrong)


async def test_register_missing_fields(client: httpx.AsyncClient) -> None:
    reply = await client.post("/auth/register", json={})
    assert reply.status_code == 422
    locs = [e["loc"] for e in reply.json()["errors"]]
    assert ["body", "username"] in locs
    assert ["body", "password"] in locs
    assert await stored_users() == []


async def test_register_email_is_unique_case_insensitively(client: httpx.AsyncClient) -> None:
    first = await register(client, username="one", password=PASSWORD, email="same@example.org")
    assert first.status_code == 201, first.text
    second = await register(client, username="two", password=PASSWORD, email="SAME@Example.org")
    assert second.status_code == 409, second.text
    assert second.headers["content-type"].startswith(PROBLEM)
    assert second.json()["title"] == "Email already in use"
    assert [d["username"] for d in await stored_users()] == ["one"]


@pytest.mark.parametrize("email", ["", "no-at-sign", "a@b", "two@@example.org", "sp ace@example.org"])
async def test_register_rejects_bad_email(client: httpx.AsyncClient, email: str) -> None:
    reply = await register(client, username="bademail", password=PASSWORD, email=email)
    assert reply.status_code == 422, reply.text
    assert ["body", "email"] in [e["loc"] for e in reply.json()["errors"]]
    assert await stored_users() == []


async def test_registered_user_can_use_their_account(client: httpx.AsyncClient) -> None:
    created = (await register(client, username="newbie", password=PASSWORD)).json()
    tokens = await login(client, "newbie")
    me = await client.get("/users/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json() == created


# ---------------------------------------------------------------- login


async def test_login_with_json(client: httpx.AsyncClient, student: Actor, settings: Settings) -> None:
    reply = await client.post("/auth/login", json={"username": student.username, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    assert reply.headers["cache-control"] == "no-store"
    body = reply.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.access_token_minutes * 60
    assert await caller(client, body["access_token"]) == student.id


async def test_login_with_oauth2_form(client: httpx.AsyncClient, student: Actor) -> None:
    reply = await client.post(
        "/auth/login",
        data={"grant_type": "password", "username": student.username, "password": PASSWORD, "scope": ""},
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["cache-control"] == "no-store"
    body = reply.json()
    assert body["token_type"] == "bearer"
    assert await caller(client, body["access_token"]) == student.id


async def test_login_with_multipart_form(client: httpx.AsyncClient, student: Actor) -> None:
    reply = await client.post(
        "/auth/login",
        data={"username": student.username, "password": PASSWORD},
        files={"unused": ("x.txt", b"x")},
    )
    assert reply.status_code == 200, reply.text


async def test_login_records_one_refresh_token(client: httpx.AsyncClient, student: Actor) -> None:
    tokens = await login(client, student.username)
    claims = jwt.decode(tokens["refresh_token"], options={"verify_signature": False})
    doc = await RefreshToken.get_pymongo_collection().find_one({"jti": claims["jti"]})
    assert doc is not None
    assert doc["user_id"] == PydanticObjectId(student.id)
    assert doc["family"] == claims["fam"]
    assert doc["revoked"] is False
    assert doc["used_at"] is None
    assert abs(doc["expires_at"].timestamp() - claims["exp"]) < 1


async def test_login_failures_are_indistinguishable(
    client: httpx.AsyncClient, student: Actor, admin: Actor
) -> None:
    disabled = await client.patch(f"/users/{student.id}", json={"disabled": True}, headers=admin.headers)
    assert disabled.status_code == 200, disabled.text
    await register(client, username="enabled1", password=PASSWORD)

    attempts = {
        "unknown user": {"username": "nobody-here", "password": PASSWORD},
        "wrong password": {"username": "enabled1", "password": PASSWORD + "!"},
        "disabled user": {"username": student.username, "password": PASSWORD},
    }
    bodies = {}
    for name, creds in attempts.items():
        for kind in ("json", "form"):
            reply = await (
                client.post("/auth/login", json=creds)
                if kind == "json"
                else client.post("/auth/login", data=creds)
            )
            assert_401(reply)
            bodies[(name, kind)] = problem_without_id(reply)
    first = next(iter(bodies.values()))
    assert all(b == first for b in bodies.values()), bodies
    assert first["title"] == "Incorrect username or password"
    assert first["detail"] == "Incorrect username or password"
    # no token was issued for any failed attempt
    enabled = await User.find_one(User.username == "enabled1")
    assert enabled is not None
    assert await RefreshToken.find(RefreshToken.user_id == enabled.id).count() == 0


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"username=a&password=b", "text/plain"),
        (b"<login/>", "application/xml"),
        (b'{"username": "a", "password": "b"}', None),
        (b'{"username": "a", "password": "b"}', "application/octet-stream"),
    ],
)
async def test_login_wrong_content_type_is_415(
    client: httpx.AsyncClient, content: bytes, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    reply = await client.post("/auth/login", content=content, headers=headers)
    assert reply.status_code == 415, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM)
    assert reply.json()["status"] == 415


async def test_login_json_charset_is_accepted(client: httpx.AsyncClient, student: Actor) -> None:
    reply = await client.post(
        "/auth/login",
        content=json.dumps({"username": student.username, "password": PASSWORD}),
        headers={"Content-Type": "Application/JSON; charset=utf-8"},
    )
    assert reply.status_code == 200, reply.text


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "someone"},
        {"password": PASSWORD},
        {"username": "", "password": PASSWORD},
        {"username": "someone", "password": PASSWORD, "grant_type": "password", "role": "admin"},
        {"username": "u" * 65, "password": PASSWORD},
        {"username": "someone", "password": "p" * 129},
    ],
)
async def test_login_json_validation(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    reply = await client.post("/auth/login", json=body)
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM)
    assert all(e["loc"][0] == "body" for e in reply.json()["errors"])


async def test_login_form_missing_fields_is_422(client: httpx.AsyncClient) -> None:
    reply = await client.post("/auth/login", data={"username": "someone"})
    assert reply.status_code == 422, reply.text
    assert ["body", "password"] in [e["loc"] for e in reply.json()["errors"]]


# ---------------------------------------------------------------- token shape


async def test_access_token_claims(client: httpx.AsyncClient, student: Actor, settings: Settings) -> None:
    before = datetime.now(UTC)
    tokens = await login(client, student.username)
    access = tokens["access_token"]
    assert jwt.get_unverified_header(access)["alg"] == "HS256"
    claims = jwt.decode(access, options={"verify_signature": False})
    assert claims["sub"] == student.id
    assert claims["typ"] == "access"
    assert isinstance(claims["jti"], str)
    assert len(claims["jti"]) >= 16
    assert "role" not in claims  # roles come from the database, never the token
    ttl = timedelta(minutes=settings.access_token_minutes)
    exp = datetime.fromtimestamp(claims["exp"], UTC)
    assert before + ttl - timedelta(seconds=5) <= exp <= datetime.now(UTC) + ttl + timedelta(seconds=5)
    # verifies with the configured secret and nothing else
    verified = jwt.decode(access, secret_of(settings), algorithms=["HS256"])
    assert verified["sub"] == student.id

    refresh_claims = jwt.decode(tokens["refresh_token"], options={"verify_signature": False})
    assert refresh_claims["typ"] == "refresh"
    assert refresh_claims["sub"] == student.id
    assert refresh_claims["jti"] != claims["jti"]
    assert refresh_claims["fam"] == claims["fam"]
    assert refresh_claims["exp"] - refresh_claims["iat"] == settings.refresh_token_days * 86400


async def test_each_login_gets_fresh_ids(client: httpx.AsyncClient, student: Actor) -> None:
    one = await login(client, student.username)
    two = await login(client, student.username)
    c1, c2 = (jwt.decode(t["access_token"], options={"verify_signature": False}) for t in (one, two))
    assert c1["jti"] != c2["jti"]
    assert c1["fam"] != c2["fam"]


# ---------------------------------------------------------------- bad tokens


async def test_no_token_is_401(client: httpx.AsyncClient) -> None:
    assert_401(await client.get("/users/me"))


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Bearer ....",
        "Basic dXNlcjpwYXNz",
        "Token abc",
    ],
)
async def test_garbage_authorization_is_401(client: httpx.AsyncClient, authorization: str) -> None:
    assert_401(await client.get("/users/me", headers={"Authorization": authorization}))


async def test_expired_access_token_is_401(
    client: httpx.AsyncClient, student: Actor, settings: Settings
) -> None:
    past = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    token = forge(settings, **claims_for(student.id, exp=past))
    assert_401(await client.get("/users/me", headers=bearer(token)))
    # the same token with a future exp is accepted: only the expiry made it fail
    good = forge(settings, **claims_for(student.id))
    assert (await client.get("/users/me", headers=bearer(good))).status_code == 200


async def test_expired_refresh_token_is_401(
    client: httpx.AsyncClient, student: Actor, settings: Settings
) -> None:
    past = int((datetime.now(UTC) - timedelta(seconds=1)).timestamp())
    token = forge(settings, **claims_for(student.id, typ="refresh", exp=past))
    assert_401(await client.post("/auth/refresh", json={"refresh_token": token}))


async def test_token_signed_with_another_secret_is_401(
    client: httpx.AsyncClient, student: Actor, settings: Settings
) -> None:
    token = forge(settings, secret="not-the-secret-" + "y" * 40, **claims_for(student.id))
    assert_401(await client.get("/users/me", headers=bearer(token)))


async def test_token_with_altered_signature_is_401(client: httpx.AsyncClient, student: Actor) -> None:
    header, payload, signature = student.tokens["access_token"].split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert_401(await client.get("/users/me", headers=bearer(f"{header}.{payload}.{flipped}")))
    assert_401(await client.get("/users/me", headers=bearer(f"{header}.{payload}.")))


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_alg_none_token_is_401(client: httpx.AsyncClient, student: Actor, alg: str) -> None:
    header = b64url_json({"alg": alg, "typ": "JWT"})
    payload = b64url_json(claims_for(student.id))
    for token in (f"{header}.{payload}.", f"{header}.{payload}"):
        assert_401(await client.get("/users/me", headers=bearer(token)))


@pytest.mark.filterwarnings("ignore::jwt.InsecureKeyLengthWarning")  # the forged token's key, not ours
@pytest.mark.parametrize("alg", ["HS384", "HS512"])
async def test_other_hmac_algorithms_are_refused(
    client: httpx.AsyncClient, student: Actor, settings: Settings, alg: str
) -> None:
    token = forge(settings, algorithm=alg, **claims_for(student.id))
    assert_401(await client.get("/users/me", headers=bearer(token)))


async def test_edited_payload_without_resigning_is_401(
    client: httpx.AsyncClient, student: Actor, admin: Actor
) -> None:
    token = student.tokens["access_token"]
    assert (await client.get("/users/me", headers=bearer(token))).status_code == 200
    for edited in (
        tamper(token, role="admin"),
        tamper(token, sub=admin.id),
        tamper(token, exp=int((datetime.now(UTC) + timedelta(days=365)).timestamp())),
        tamper(token, typ="refresh"),
    ):
        assert_401(await client.get("/users/me", headers=bearer(edited)))
        assert_401(await client.get("/users", headers=bearer(edited)))


@pytest.mark.parametrize("missing", ["sub", "exp", "jti", "typ", "fam"])
async def test_token_missing_a_claim_is_401(
    client: httpx.AsyncClient, student: Actor, settings: Settings, missing: str
) -> None:
    dropped: dict[str, Any] = {missing: None}
    token = forge(settings, **claims_for(student.id, **dropped))
    assert_401(await client.get("/users/me", headers=bearer(token)))


@pytest.mark.parametrize("sub", ["not-an-object-id", "", "665f1f77bcf86cd799439011"])
async def test_token_for_no_such_user_is_401(client: httpx.AsyncClient, settings: Settings, sub: str) -> None:
    token = forge(settings, **claims_for("placeholder", sub=sub))
    assert_401(await client.get("/users/me", headers=bearer(token)))


async def test_token_of_deleted_user_is_401(client: httpx.AsyncClient, student: Actor) -> None:
    await User.get_pymongo_collection().delete_one({"_id": PydanticObjectId(student.id)})
    assert_401(await client.get("/users/me", headers=student.headers))


async def test_refresh_token_is_not_an_access_token(client: httpx.AsyncClient, student: Actor) -> None:
    assert_401(await client.get("/users/me", headers=bearer(student.tokens["refresh_token"])))
    assert_401(await client.post("/auth/logout", headers=bearer(student.tokens["refresh_token"])))


async def test_access_token_is_not_a_refresh_token(client: httpx.AsyncClient, student: Actor) -> None:
    reply = await client.post("/auth/refresh", json={"refresh_token": student.tokens["access_token"]})
    assert_401(reply)
    # and the session it belongs to is untouched
    doc = await RefreshToken.get_pymongo_collection().find_one(
        {"jti": jwt.decode(student.tokens["refresh_token"], options={"verify_signature": False})["jti"]}
    )
    assert doc is not None
    assert doc["revoked"] is False
    assert doc["used_at"] is None


# ---------------------------------------------------------------- refresh


async def test_refresh_rotates_the_pair(client: httpx.AsyncClient, student: Actor) -> None:
    old = student.tokens
    reply = await client.post("/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert reply.status_code == 200, reply.text
    assert reply.headers["cache-control"] == "no-store"
    new = reply.json()
    assert new["token_type"] == "bearer"
    assert new["access_token"] != old["access_token"]
    assert new["refresh_token"] != old["refresh_token"]
    old_claims = jwt.decode(old["refresh_token"], options={"verify_signature": False})
    new_claims = jwt.decode(new["refresh_token"], options={"verify_signature": False})
    assert new_claims["fam"] == old_claims["fam"]
    assert new_claims["sub"] == student.id

    me = await client.get("/users/me", headers=bearer(new["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == student.id

    coll = RefreshToken.get_pymongo_collection()
    used = await coll.find_one({"jti": old_claims["jti"]})
    assert used is not None
    assert used["used_at"] is not None
    fresh = await coll.find_one({"jti": new_claims["jti"]})
    assert fresh is not None
    assert fresh["used_at"] is None
    assert fresh["revoked"] is False
    assert fresh["family"] == old_claims["fam"]

    # the new refresh token rotates again
    again = await client.post("/auth/refresh", json={"refresh_token": new["refresh_token"]})
    assert again.status_code == 200, again.text


async def test_refresh_reuse_kills_the_whole_family(client: httpx.AsyncClient, student: Actor) -> None:
    old = student.tokens["refresh_token"]
    first = await client.post("/auth/refresh", json={"refresh_token": old})
    assert first.status_code == 200
    newer = first.json()["refresh_token"]

    reuse = await client.post("/auth/refresh", json={"refresh_token": old})
    assert_401(reuse)

    # the newer refresh token of the same family is dead too
    assert_401(await client.post("/auth/refresh", json={"refresh_token": newer}))
    family = jwt.decode(old, options={"verify_signature": False})["fam"]
    docs = await RefreshToken.get_pymongo_collection().find({"family": family}).to_list()
    assert len(docs) == 2
    assert all(d["revoked"] for d in docs)


async def test_refresh_reuse_also_ends_the_access_tokens_of_that_login(
    client: httpx.AsyncClient, student: Actor
) -> None:
    old = student.tokens["refresh_token"]
    rotated = (await client.post("/auth/refresh", json={"refresh_token": old})).json()
    assert (await client.get("/users/me", headers=bearer(rotated["access_token"]))).status_code == 200
    assert_401(await client.post("/auth/refresh", json={"refresh_token": old}))  # a replay: stolen token
    assert_401(await client.get("/users/me", headers=bearer(rotated["access_token"])))
    assert_401(await client.get("/users/me", headers=student.headers))


async def test_refresh_reuse_leaves_other_logins_alone(client: httpx.AsyncClient, student: Actor) -> None:
    other = await login(client, student.username)
    old = student.tokens["refresh_token"]
    assert (await client.post("/auth/refresh", json={"refresh_token": old})).status_code == 200
    assert_401(await client.post("/auth/refresh", json={"refresh_token": old}))
    still = await client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert still.status_code == 200, still.text


async def test_concurrent_refresh_with_one_token_wins_at_most_once(
    client: httpx.AsyncClient, student: Actor
) -> None:
    token = student.tokens["refresh_token"]
    replies = await asyncio.gather(
        *(client.post("/auth/refresh", json={"refresh_token": token}) for _ in range(4))
    )
    winners = [r for r in replies if r.status_code == 200]
    assert len(winners) <= 1
    for reply in replies:
        if reply.status_code != 200:
            assert_401(reply)
    # a replay was seen, so the family is dead, including any pair issued while the race ran
    for winner in winners:
        assert_401(await client.post("/auth/refresh", json={"refresh_token": winner.json()["refresh_token"]}))
    family = jwt.decode(token, options={"verify_signature": False})["fam"]
    docs = await RefreshToken.get_pymongo_collection().find({"family": family}).to_list()
    assert docs
    assert all(d["revoked"] for d in docs)


async def test_revocation_during_rotation_kills_the_token_being_issued(
    client: httpx.AsyncClient, student: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replay (or logout) that revokes the family while a rotation runs must not miss the new token."""
    from oms.services.accounts import auth as auth_service

    family = jwt.decode(student.tokens["refresh_token"], options={"verify_signature": False})["fam"]
    original = auth_service.issue_pair

    async def revoked_meanwhile(*args: Any, **kwargs: Any) -> Any:
        await RefreshToken.find(RefreshToken.family == family).update_many({"$set": {"revoked": True}})
        return await original(*args, **kwargs)

    monkeypatch.setattr(auth_service, "issue_pair", revoked_meanwhile)
    reply = await client.post("/auth/refresh", json={"refresh_token": student.tokens["refresh_token"]})
    assert_401(reply)
    docs = await RefreshToken.get_pymongo_collection().find({"family": family}).to_list()
    assert len(docs) == 2  # the old token and the one issued during the race
    assert all(d["revoked"] for d in docs)


@pytest.mark.parametrize(
    "body",
    [{}, {"refresh_token": ""}, {"refresh_token": 123}, {"refresh_token": "x" * 5000}, {"token": "abc"}],
)
async def test_refresh_validation(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    reply = await client.post("/auth/refresh", json=body)
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM)


async def test_refresh_with_garbage_is_401(client: httpx.AsyncClient) -> None:
    assert_401(await client.post("/auth/refresh", json={"refresh_token": "not.a.token"}))


async def test_refresh_token_never_stored_is_401(
    client: httpx.AsyncClient, student: Actor, settings: Settings
) -> None:
    token = forge(settings, **claims_for(student.id, typ="refresh"))
    assert_401(await client.post("/auth/refresh", json={"refresh_token": token}))


async def test_refresh_for_a_deleted_user_is_401(client: httpx.AsyncClient, student: Actor) -> None:
    await User.get_pymongo_collection().delete_one({"_id": PydanticObjectId(student.id)})
    assert_401(await client.post("/auth/refresh", json={"refresh_token": student.tokens["refresh_token"]}))


# ---------------------------------------------------------------- logout


async def test_logout_ends_the_session(client: httpx.AsyncClient, student: Actor) -> None:
    other = await login(client, student.username)
    reply = await client.post("/auth/logout", headers=student.headers)
    assert reply.status_code == 204, reply.text
    assert reply.content == b""

    assert_401(await client.get("/users/me", headers=student.headers))
    assert_401(await client.post("/auth/refresh", json={"refresh_token": student.tokens["refresh_token"]}))
    assert_401(await client.post("/auth/logout", headers=student.headers))

    access = jwt.decode(student.tokens["access_token"], options={"verify_signature": False})
    revoked = await RevokedToken.get_pymongo_collection().find_one({"jti": access["jti"]})
    assert revoked is not None
    assert abs(revoked["expires_at"].timestamp() - access["exp"]) < 1
    family = await RefreshToken.get_pymongo_collection().find({"family": access["fam"]}).to_list()
    assert family
    assert all(d["revoked"] for d in family)

    # another login of the same user is a separate session and keeps working
    assert (await client.get("/users/me", headers=bearer(other["access_token"]))).status_code == 200
    rotated = await client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert rotated.status_code == 200, rotated.text


async def test_logout_after_refresh_kills_the_rotated_tokens(
    client: httpx.AsyncClient, student: Actor
) -> None:
    pair = (
        await client.post("/auth/refresh", json={"refresh_token": student.tokens["refresh_token"]})
    ).json()
    assert (await client.post("/auth/logout", headers=bearer(pair["access_token"]))).status_code == 204
    assert_401(await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]}))
    assert_401(await client.get("/users/me", headers=bearer(pair["access_token"])))


async def test_logout_needs_a_token(client: httpx.AsyncClient) -> None:
    assert_401(await client.post("/auth/logout"))


# ---------------------------------------------------------------- disabled accounts


async def test_disabled_user_is_locked_out_at_once(
    client: httpx.AsyncClient, student: Actor, admin: Actor
) -> None:
    assert (await client.get("/users/me", headers=student.headers)).status_code == 200
    reply = await client.patch(f"/users/{student.id}", json={"disabled": True}, headers=admin.headers)
    assert reply.status_code == 200, reply.text
    assert reply.json()["disabled"] is True

    # the access token has not expired, yet the very next request fails
    assert_401(await client.get("/users/me", headers=student.headers))
    assert_401(await client.post("/auth/refresh", json={"refresh_token": student.tokens["refresh_token"]}))
    assert_401(await client.post("/auth/login", json={"username": student.username, "password": PASSWORD}))

    doc = await User.get_pymongo_collection().find_one({"_id": PydanticObjectId(student.id)})
    assert doc is not None
    assert doc["disabled"] is True
    tokens = (
        await RefreshToken.get_pymongo_collection().find({"user_id": PydanticObjectId(student.id)}).to_list()
    )
    assert tokens
    assert all(t["revoked"] for t in tokens)


async def test_reenabled_user_logs_in_again_but_old_sessions_stay_dead(
    client: httpx.AsyncClient, student: Actor, admin: Actor
) -> None:
    url = f"/users/{student.id}"
    assert (await client.patch(url, json={"disabled": True}, headers=admin.headers)).status_code == 200
    assert (await client.patch(url, json={"disabled": False}, headers=admin.headers)).status_code == 200
    assert_401(await client.post("/auth/refresh", json={"refresh_token": student.tokens["refresh_token"]}))
    fresh = await login(client, student.username)
    assert (await client.get("/users/me", headers=bearer(fresh["access_token"]))).status_code == 200


async def test_login_rehash_is_not_needed_for_current_params(app: FastAPI, client: httpx.AsyncClient) -> None:
    await register(client, username="hashy", password=PASSWORD)
    before = await User.get_pymongo_collection().find_one({"username": "hashy"})
    await login(client, "hashy")
    after = await User.get_pymongo_collection().find_one({"username": "hashy"})
    assert before is not None
    assert after is not None
    assert before["password_hash"] == after["password_hash"]
    assert not app.state.hasher.needs_update(after["password_hash"])

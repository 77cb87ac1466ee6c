"""/users: one's own account (read, profile, password) and admin management (list, role, disable)."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest
from beanie import PydanticObjectId
from fastapi import FastAPI

from oms.documents import RefreshToken, User
from oms.documents.user import Role
from oms.services.accounts.auth import create_user
from tests.support.api import PASSWORD, Actor, bearer, login
from tests.support.documents import raw_document
from tests.support.factories import MakeStudent

PROBLEM = "application/problem+json"
PUBLIC_FIELDS = {"id", "username", "email", "display_name", "role", "disabled", "created_at"}


async def stored(user_id: str) -> dict[str, Any]:
    return await raw_document(User, {"_id": PydanticObjectId(user_id)})


def assert_problem(reply: httpx.Response, status: int) -> dict[str, Any]:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = reply.json()
    assert body["status"] == status
    assert body["request_id"] == reply.headers["x-request-id"]
    return body


def error_locs(reply: httpx.Response) -> list[list[Any]]:
    return [e["loc"] for e in reply.json()["errors"]]


# ---------------------------------------------------------------- GET /users/me


async def test_read_me(client: httpx.AsyncClient, student: Actor) -> None:
    reply = await client.get("/users/me", headers=student.headers)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert set(body) == PUBLIC_FIELDS
    assert body["id"] == student.id
    assert body["username"] == student.username
    assert body["role"] == "student"
    assert body["disabled"] is False
    assert body["created_at"].endswith("Z")
    assert "password" not in reply.text
    assert "$argon2" not in reply.text


async def test_read_me_as_admin(client: httpx.AsyncClient, admin: Actor) -> None:
    reply = await client.get("/users/me", headers=admin.headers)
    assert reply.status_code == 200
    assert reply.json()["role"] == "admin"
    assert reply.json()["id"] == admin.id


async def test_read_me_needs_a_token(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/users/me"), 401)


# ---------------------------------------------------------------- PATCH /users/me


async def test_update_profile(client: httpx.AsyncClient, student: Actor) -> None:
    before = await stored(student.id)
    reply = await client.patch(
        "/users/me",
        json={"display_name": "  Ada Lovelace ", "email": "Ada@Example.org"},
        headers=student.headers,
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["display_name"] == "Ada Lovelace"
    assert body["email"] == "ada@example.org"
    assert body["username"] == student.username

    doc = await stored(student.id)
    assert doc["display_name"] == "Ada Lovelace"
    assert doc["email"] == "ada@example.org"
    assert doc["password_hash"] == before["password_hash"]
    assert doc["role"] == "student"
    assert doc["updated_at"] >= before["updated_at"]
    assert doc["created_at"] == before["created_at"]

    me = await client.get("/users/me", headers=student.headers)
    assert me.json() == body


async def test_partial_update_leaves_other_fields(client: httpx.AsyncClient, student: Actor) -> None:
    await client.patch(
        "/users/me", json={"display_name": "First", "email": "a@b.org"}, headers=student.headers
    )
    reply = await client.patch("/users/me", json={"display_name": "Second"}, headers=student.headers)
    assert reply.status_code == 200
    assert reply.json()["email"] == "a@b.org"
    doc = await stored(student.id)
    assert doc["display_name"] == "Second"
    assert doc["email"] == "a@b.org"


async def test_clear_email_and_display_name(client: httpx.AsyncClient, student: Actor) -> None:
    await client.patch(
        "/users/me", json={"display_name": "Name", "email": "a@b.org"}, headers=student.headers
    )
    reply = await client.patch(
        "/users/me", json={"display_name": None, "email": None}, headers=student.headers
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["email"] is None
    assert reply.json()["display_name"] is None
    doc = await stored(student.id)
    assert doc["email"] is None
    assert doc["display_name"] is None


async def test_empty_patch_changes_nothing(client: httpx.AsyncClient, student: Actor) -> None:
    before = await client.get("/users/me", headers=student.headers)
    reply = await client.patch("/users/me", json={}, headers=student.headers)
    assert reply.status_code == 200, reply.text
    assert reply.json() == before.json()


async def test_email_taken_by_another_user_is_409(
    client: httpx.AsyncClient, make_student: MakeStudent
) -> None:
    one, two = await make_student(), await make_student()
    ok = await client.patch("/users/me", json={"email": "shared@example.org"}, headers=one.headers)
    assert ok.status_code == 200
    reply = await client.patch("/users/me", json={"email": "SHARED@example.org"}, headers=two.headers)
    body = assert_problem(reply, 409)
    assert body["title"] == "Email already in use"
    assert (await stored(two.id))["email"] is None
    # keeping one's own email is not a conflict
    same = await client.patch("/users/me", json={"email": "shared@example.org"}, headers=one.headers)
    assert same.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"role": "admin"},
        {"disabled": False},
        {"username": "renamed"},
        {"password_hash": "$argon2id$x"},
        {"is_admin": True},
        {"display_name": "ok", "role": "admin"},
    ],
)
async def test_update_me_refuses_other_fields(
    client: httpx.AsyncClient, student: Actor, body: dict[str, Any]
) -> None:
    before = await stored(student.id)
    reply = await client.patch("/users/me", json=body, headers=student.headers)
    assert_problem(reply, 422)
    assert await stored(student.id) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 101}, "display_name"),
        ({"display_name": "x" * 10_000}, "display_name"),
        ({"display_name": {"$set": "x"}}, "display_name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@" + "b" * 260 + ".org"}, "email"),
        ({"email": ["a@b.org"]}, "email"),
    ],
)
async def test_update_me_validation(
    client: httpx.AsyncClient, student: Actor, body: dict[str, Any], field: str
) -> None:
    before = await stored(student.id)
    reply = await client.patch("/users/me", json=body, headers=student.headers)
    assert_problem(reply, 422)
    assert ["body", field] in error_locs(reply)
    assert await stored(student.id) == before


async def test_update_me_needs_a_token(client: httpx.AsyncClient) -> None:
    assert_problem(await client.patch("/users/me", json={"display_name": "x"}), 401)


# ---------------------------------------------------------------- password change


async def test_password_change_needs_current_password(client: httpx.AsyncClient, student: Actor) -> None:
    before = await stored(student.id)
    for body in (
        {"password": "a-new-password-1"},
        {"password": "a-new-password-1", "current_password": None},
        {"password": "a-new-password-1", "current_password": ""},
    ):
        reply = await client.patch("/users/me", json=body, headers=student.headers)
        problem = assert_problem(reply, 422)
        assert "current_password" in str(problem["errors"])
    assert (await stored(student.id))["password_hash"] == before["password_hash"]
    await login(client, student.username)  # the old password still works


async def test_password_change_with_wrong_current_password_is_401(
    client: httpx.AsyncClient, student: Actor
) -> None:
    before = await stored(student.id)
    reply = await client.patch(
        "/users/me",
        json={"password": "a-new-password-1", "current_password": "not-my-password", "display_name": "X"},
        headers=student.headers,
    )
    assert_problem(reply, 401)
    after = await stored(student.id)
    assert after == before  # nothing changed, not even the display name
    await login(client, student.username)
    # the session is intact: the caller was not logged out by a typo
    assert (await client.get("/users/me", headers=student.headers)).status_code == 200


async def test_password_change(client: httpx.AsyncClient, student: Actor) -> None:
    other_session = await login(client, student.username)
    before = await stored(student.id)
    new = "a-brand-new-password"
    reply = await client.patch(
        "/users/me", json={"password": new, "current_password": PASSWORD}, headers=student.headers
    )
    assert reply.status_code == 200, reply.text
    assert set(reply.json()) == PUBLIC_FIELDS

    doc = await stored(student.id)
    assert doc["password_hash"] != before["password_hash"]
    assert doc["password_hash"].startswith("$argon2")
    assert new not in doc["password_hash"]

    old_login = await client.post("/auth/login", json={"username": student.username, "password": PASSWORD})
    assert_problem(old_login, 401)
    tokens = await login(client, student.username, new)
    assert (await client.get("/users/me", headers=bearer(tokens["access_token"]))).status_code == 200

    # the other session from before the change ended at once: its access token and its refresh token
    assert_problem(await client.get("/users/me", headers=bearer(other_session["access_token"])), 401)
    assert_problem(
        await client.post("/auth/refresh", json={"refresh_token": other_session["refresh_token"]}), 401
    )
    revoked = (
        await RefreshToken.get_pymongo_collection()
        .find({"user_id": PydanticObjectId(student.id), "revoked": True})
        .to_list()
    )
    assert len(revoked) == 1
    # the changer's own session goes on, and so does the login made with the new password
    assert (await client.get("/users/me", headers=student.headers)).status_code == 200
    for refresh_token in (student.tokens["refresh_token"], tokens["refresh_token"]):
        fresh = await client.post("/auth/refresh", json={"refresh_token": refresh_token})
        assert fresh.status_code == 200, fresh.text


@pytest.mark.parametrize("password", ["short", "p" * 129, ""])
async def test_new_password_length_is_checked(
    client: httpx.AsyncClient, student: Actor, password: str
) -> None:
    reply = await client.patch(
        "/users/me", json={"password": password, "current_password": PASSWORD}, headers=student.headers
    )
    assert_problem(reply, 422)
    assert ["body", "password"] in error_locs(reply)
    await login(client, student.username)


# ---------------------------------------------------------------- GET /users (admin)


async def _make_users(app: FastAPI, count: int) -> list[str]:
    names = []
    for i in range(count):
        user = await create_user(app.state.hasher, username=f"listed{i:02d}", password=PASSWORD)
        names.append(user.username)
    return names


async def test_list_users(app: FastAPI, client: httpx.AsyncClient, admin: Actor) -> None:
    names = await _make_users(app, 3)
    reply = await client.get("/users", headers=admin.headers)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert body["total"] == 4
    assert body["limit"] == 20
    assert body["offset"] == 0
    assert [u["username"] for u in body["items"]] == [admin.username, *names]  # oldest first
    for item in body["items"]:
        assert set(item) == PUBLIC_FIELDS
    assert "password" not in reply.text
    assert "$argon2" not in reply.text


async def test_list_users_pagination(app: FastAPI, client: httpx.AsyncClient, admin: Actor) -> None:
    names = [admin.username, *await _make_users(app, 6)]
    seen: list[str] = []
    for offset in range(0, 7, 3):
        reply = await client.get("/users", params={"limit": 3, "offset": offset}, headers=admin.headers)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["total"] == 7
        assert body["limit"] == 3
        assert body["offset"] == offset
        assert len(body["items"]) == min(3, 7 - offset)
        seen += [u["username"] for u in body["items"]]
    assert seen == names

    past_end = await client.get("/users", params={"offset": 50}, headers=admin.headers)
    assert past_end.json() == {"items": [], "total": 7, "limit": 20, "offset": 50}
    most = await client.get("/users", params={"limit": 100}, headers=admin.headers)
    assert most.status_code == 200
    assert len(most.json()["items"]) == 7


async def test_list_users_by_role(app: FastAPI, client: httpx.AsyncClient, admin: Actor) -> None:
    await _make_users(app, 2)
    students = await client.get("/users", params={"role": "student"}, headers=admin.headers)
    assert students.status_code == 200
    assert students.json()["total"] == 2
    assert {u["role"] for u in students.json()["items"]} == {"student"}
    admins = await client.get("/users", params={"role": "admin"}, headers=admin.headers)
    assert [u["username"] for u in admins.json()["items"]] == [admin.username]
    assert admins.json()["total"] == 1


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"limit": 101}, ["query", "limit"]),
        ({"limit": 0}, ["query", "limit"]),
        ({"limit": -1}, ["query", "limit"]),
        ({"limit": "ten"}, ["query", "limit"]),
        ({"offset": -1}, ["query", "offset"]),
        ({"offset": "x"}, ["query", "offset"]),
        ({"role": "superuser"}, ["query", "role"]),
    ],
)
async def test_list_users_bad_query(
    client: httpx.AsyncClient, admin: Actor, params: dict[str, Any], loc: list[str]
) -> None:
    reply = await client.get("/users", params=params, headers=admin.headers)
    assert_problem(reply, 422)
    assert loc in error_locs(reply)


async def test_list_users_is_for_admins(client: httpx.AsyncClient, student: Actor) -> None:
    body = assert_problem(await client.get("/users", headers=student.headers), 403)
    assert body["title"] == "Forbidden"
    assert_problem(await client.get("/users"), 401)


# ---------------------------------------------------------------- PATCH /users/{id} (admin)


async def test_admin_changes_role(client: httpx.AsyncClient, admin: Actor, student: Actor) -> None:
    # the student cannot list users yet
    assert (await client.get("/users", headers=student.headers)).status_code == 403
    reply = await client.patch(f"/users/{student.id}", json={"role": "admin"}, headers=admin.headers)
    assert reply.status_code == 200, reply.text
    assert reply.json()["role"] == "admin"
    assert reply.json()["id"] == student.id
    assert (await stored(student.id))["role"] == "admin"
    # the role comes from the database: the same token now has admin rights
    assert (await client.get("/users", headers=student.headers)).status_code == 200

    back = await client.patch(f"/users/{student.id}", json={"role": "student"}, headers=admin.headers)
    assert back.json()["role"] == "student"
    assert (await stored(student.id))["role"] == "student"
    assert (await client.get("/users", headers=student.headers)).status_code == 403


async def test_admin_disables_and_enables(client: httpx.AsyncClient, admin: Actor, student: Actor) -> None:
    url = f"/users/{student.id}"
    reply = await client.patch(url, json={"disabled": True}, headers=admin.headers)
    assert reply.status_code == 200
    assert reply.json()["disabled"] is True
    assert reply.json()["role"] == "student"
    assert (await stored(student.id))["disabled"] is True
    assert_problem(await client.get("/users/me", headers=student.headers), 401)

    listed = await client.get("/users", params={"role": "student"}, headers=admin.headers)
    assert listed.json()["items"][0]["disabled"] is True

    enabled = await client.patch(url, json={"disabled": False}, headers=admin.headers)
    assert enabled.json()["disabled"] is False
    assert (await stored(student.id))["disabled"] is False
    tokens = await login(client, student.username)
    assert (await client.get("/users/me", headers=bearer(tokens["access_token"]))).status_code == 200


async def test_disabling_ends_every_session(
    client: httpx.AsyncClient, admin: Actor, student: Actor, make_student: MakeStudent
) -> None:
    bystander = await make_student()
    second = await login(client, student.username)
    await client.patch(f"/users/{student.id}", json={"disabled": True}, headers=admin.headers)
    for session in (student.tokens, second):
        assert_problem(await client.get("/users/me", headers=bearer(session["access_token"])), 401)
        assert_problem(
            await client.post("/auth/refresh", json={"refresh_token": session["refresh_token"]}), 401
        )
    # other users are untouched
    assert (await client.get("/users/me", headers=bystander.headers)).status_code == 200
    rotated = await client.post("/auth/refresh", json={"refresh_token": bystander.tokens["refresh_token"]})
    assert rotated.status_code == 200
    fam = jwt.decode(bystander.tokens["refresh_token"], options={"verify_signature": False})["fam"]
    assert not await RefreshToken.get_pymongo_collection().find_one({"family": fam, "revoked": True})


async def test_admin_update_both_fields_and_nothing(
    client: httpx.AsyncClient, admin: Actor, student: Actor
) -> None:
    url = f"/users/{student.id}"
    both = await client.patch(url, json={"role": "admin", "disabled": True}, headers=admin.headers)
    assert both.status_code == 200
    assert (both.json()["role"], both.json()["disabled"]) == ("admin", True)
    doc = await stored(student.id)
    assert (doc["role"], doc["disabled"]) == ("admin", True)

    empty = await client.patch(url, json={}, headers=admin.headers)
    assert empty.status_code == 200
    assert (empty.json()["role"], empty.json()["disabled"]) == ("admin", True)
    # null is not a value for either field (the OpenAPI schema says so): refused, nothing changes
    nulls = await client.patch(url, json={"role": None, "disabled": None}, headers=admin.headers)
    assert nulls.status_code == 422
    doc = await stored(student.id)
    assert (doc["role"], doc["disabled"]) == ("admin", True)


@pytest.mark.parametrize(
    "body",
    [
        {"role": "superuser"},
        {"role": "ADMIN "},
        {"disabled": "maybe"},
        {"username": "renamed"},
        {"password_hash": "x"},
        {"email": "a@b.org"},
        {"role": {"$ne": "student"}},
    ],
)
async def test_admin_update_validation(
    client: httpx.AsyncClient, admin: Actor, student: Actor, body: dict[str, Any]
) -> None:
    before = await stored(student.id)
    reply = await client.patch(f"/users/{student.id}", json=body, headers=admin.headers)
    assert_problem(reply, 422)
    assert await stored(student.id) == before


async def test_admin_update_is_for_admins(
    client: httpx.AsyncClient, student: Actor, make_student: MakeStudent
) -> None:
    other = await make_student()
    for target in (other.id, student.id, "665f1f77bcf86cd799439011"):
        reply = await client.patch(f"/users/{target}", json={"role": "admin"}, headers=student.headers)
        assert_problem(reply, 403)
    assert (await stored(student.id))["role"] == "student"
    assert (await stored(other.id))["role"] == "student"
    assert_problem(await client.patch(f"/users/{other.id}", json={"disabled": True}), 401)
    assert (await stored(other.id))["disabled"] is False


@pytest.mark.parametrize(
    "bad_id", ["not-an-id", "123", "665f1f77bcf86cd79943901", "665f1f77bcf86cd79943901z"]
)
async def test_admin_update_invalid_id_is_422(client: httpx.AsyncClient, admin: Actor, bad_id: str) -> None:
    reply = await client.patch(f"/users/{bad_id}", json={"disabled": True}, headers=admin.headers)
    assert_problem(reply, 422)
    assert ["path", "user_id"] in error_locs(reply)


async def test_admin_update_unknown_id_is_404(client: httpx.AsyncClient, admin: Actor) -> None:
    missing = str(PydanticObjectId())
    body = assert_problem(
        await client.patch(f"/users/{missing}", json={"disabled": True}, headers=admin.headers), 404
    )
    assert body["title"] == "User not found"
    assert await User.get_pymongo_collection().count_documents({}) == 1  # no upsert
    assert await User.find(User.role == Role.admin).count() == 1

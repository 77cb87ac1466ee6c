"""OWASP API3:2023 Broken Object Property Level Authorization: no mass assignment, no leaked properties."""

from __future__ import annotations

import httpx
import pytest

from oms.documents import Course, User
from tests.support.api import PASSWORD, Actor
from tests.support.scene import Scene


@pytest.mark.parametrize(
    "extra",
    [
        {"role": "admin"},
        {"is_admin": True},
        {"disabled": False},
        {"password_hash": "x"},
        {"id": "665f1f77bcf86cd799439011"},
    ],
)
async def test_register_refuses_privileged_fields(
    client: httpx.AsyncClient, extra: dict[str, object]
) -> None:
    reply = await client.post("/auth/register", json={"username": "sneaky", "password": PASSWORD, **extra})
    assert reply.status_code == 422
    assert await User.find_one(User.username == "sneaky") is None


@pytest.mark.parametrize(
    "extra", [{"role": "admin"}, {"disabled": True}, {"username": "root"}, {"created_at": "2000-01-01"}]
)
async def test_students_cannot_set_their_own_protected_fields(
    client: httpx.AsyncClient, student: Actor, extra: dict[str, object]
) -> None:
    reply = await client.patch("/users/me", json={"display_name": "ok", **extra}, headers=student.headers)
    assert reply.status_code == 422
    stored = await User.find_one(User.username == student.username)
    assert stored is not None and (stored.role, stored.disabled, stored.display_name) == (
        "student",
        False,
        None,
    )


@pytest.mark.parametrize(
    "extra", [{"version": 99}, {"created_by": "665f1f77bcf86cd799439011"}, {"sections": []}, {"id": "x"}]
)
async def test_course_updates_refuse_server_owned_fields(
    client: httpx.AsyncClient, scene: Scene, extra: dict[str, object]
) -> None:
    reply = await client.patch(f"/courses/{scene.course['id']}", json=extra, headers=scene.admin.headers)
    assert reply.status_code == 422
    stored = await Course.get(scene.course["id"])
    assert stored is not None and stored.version == scene.course["version"]


async def test_progress_and_grades_cannot_be_written_directly(
    client: httpx.AsyncClient, scene: Scene
) -> None:
    mine = scene.enrollments[scene.alice.username]
    sid = scene.course["sections"][0]["section_id"]
    forged = await client.post(
        f"/enrollments/{mine}/progress",
        json={"section_id": sid, "progress": 100},
        headers=scene.alice.headers,
    )
    assert forged.status_code == 422
    sub = await client.post(
        f"/assignments/{scene.assignment['id']}/submissions",
        json={"content": "again", "score": 10, "status": "graded"},
        headers=scene.alice.headers,
    )
    assert sub.status_code == 422


async def test_no_reply_leaks_password_hashes(client: httpx.AsyncClient, scene: Scene) -> None:
    replies = [
        await client.get("/users/me", headers=scene.alice.headers),
        await client.get("/users", headers=scene.admin.headers),
        await client.get(f"/courses/{scene.course['id']}/enrollments", headers=scene.admin.headers),
        await client.patch(f"/users/{scene.bob.id}", json={"disabled": False}, headers=scene.admin.headers),
    ]
    for reply in replies:
        assert reply.status_code == 200
        assert "password" not in reply.text and "$argon2" not in reply.text

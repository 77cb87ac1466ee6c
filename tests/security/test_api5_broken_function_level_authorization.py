"""OWASP API5:2023 Broken Function Level Authorization: admin functions refuse students and strangers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from bson import ObjectId

from oms.documents import AuditEntry, Course
from tests.support.scene import Scene

ADMIN_CALLS: list[tuple[str, str, dict[str, Any] | list[Any] | None]] = [
    ("POST", "/courses", {"name": "x"}),
    ("PATCH", "/courses/{course}", {"name": "x"}),
    ("DELETE", "/courses/{course}", None),
    ("POST", "/courses/{course}/sections", {"title": "x"}),
    ("PUT", "/courses/{course}/sections/order", {"section_ids": []}),
    ("GET", "/courses/{course}/enrollments", None),
    ("POST", "/courses/{course}/assignments", {"title": "x", "max_score": 1}),
    ("PATCH", "/assignments/{assignment}", {"title": "x"}),
    ("DELETE", "/assignments/{assignment}", None),
    ("POST", "/submissions/{submission}/grade", {"score": 10}),
    ("GET", "/users", None),
    ("PATCH", "/users/{user}", {"role": "admin"}),
    ("GET", "/admin/audit", None),
    ("GET", "/admin/courses/export", None),
    ("POST", "/admin/courses/import", []),
]


def fill(path: str, scene: Scene) -> str:
    return path.format(
        course=scene.course["id"],
        assignment=scene.assignment["id"],
        submission=scene.submissions[scene.alice.username],
        user=scene.alice.id,
    )


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
async def test_students_get_403_and_strangers_401(
    client: httpx.AsyncClient, scene: Scene, method: str, path: str, body: object
) -> None:
    url = fill(path, scene)
    as_student = await client.request(method, url, json=body, headers=scene.alice.headers)
    assert as_student.status_code == 403, (method, url, as_student.text)
    anonymous = await client.request(method, url, json=body)
    assert anonymous.status_code == 401, (method, url)
    assert anonymous.headers["www-authenticate"] == "Bearer"


async def test_refused_calls_change_nothing(client: httpx.AsyncClient, scene: Scene) -> None:
    before = await AuditEntry.get_pymongo_collection().count_documents({})
    for method, path, body in ADMIN_CALLS:
        await client.request(method, fill(path, scene), json=body, headers=scene.alice.headers)
    course = await Course.get(scene.course["id"])
    assert course is not None and course.version == scene.course["version"] and course.status == "published"
    assert await AuditEntry.get_pymongo_collection().count_documents({}) == before


async def test_a_student_cannot_enroll_someone_else_or_act_as_admin_by_role_claim(
    client: httpx.AsyncClient, scene: Scene
) -> None:
    fake = str(ObjectId())
    assert (await client.post(f"/courses/{fake}/enrollments", headers=scene.alice.headers)).status_code == 404
    role_query = await client.get("/users", params={"role": "admin"}, headers=scene.alice.headers)
    assert role_query.status_code == 403

"""Shared pieces for the OWASP API Top 10 probes: a course with two enrolled students and their objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import Actor


@dataclass
class Scene:
    """Two students in one course, each with an enrollment and a submission; an admin who made it all."""

    admin: Actor
    alice: Actor
    bob: Actor
    course: dict[str, Any]
    assignment: dict[str, Any]
    enrollments: dict[str, str]
    submissions: dict[str, str]


@pytest.fixture
async def scene(client: httpx.AsyncClient, admin: Actor, make_student: Any, make_course: Any) -> Scene:
    alice, bob = await make_student(), await make_student()
    course = await make_course(sections=2)
    assignment = (
        await client.post(
            f"/courses/{course['id']}/assignments",
            json={"title": "Essay", "max_score": 10},
            headers=admin.headers,
        )
    ).json()
    enrollments, submissions = {}, {}
    for who in (alice, bob):
        reply = await client.post(f"/courses/{course['id']}/enrollments", headers=who.headers)
        enrollments[who.username] = reply.json()["id"]
        sub = await client.post(
            f"/assignments/{assignment['id']}/submissions",
            json={"content": f"{who.username}'s work"},
            headers=who.headers,
        )
        submissions[who.username] = sub.json()["id"]
    return Scene(admin, alice, bob, course, assignment, enrollments, submissions)

"""Assignments through the API: an admin creates one, a student hands in work."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.api import Actor


async def create_assignment(
    client: httpx.AsyncClient, admin: Actor, course: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    """An assignment "Essay" out of 10 in `course` (fields override), created by `admin`; it must succeed."""
    body = {"title": "Essay", "max_score": 10, **fields}
    reply = await client.post(f"/courses/{course['id']}/assignments", json=body, headers=admin.headers)
    assert reply.status_code == 201, reply.text
    assignment: dict[str, Any] = reply.json()
    return assignment


async def submit(
    client: httpx.AsyncClient, assignment: dict[str, Any], who: Actor, content: str = "my work", **extra: Any
) -> httpx.Response:
    """Hand in `content` for `assignment` as `who` (the reply, whatever it is)."""
    return await client.post(
        f"/assignments/{assignment['id']}/submissions",
        json={"content": content, **extra},
        headers=who.headers,
    )

"""OWASP API4:2023 Unrestricted Resource Consumption: page sizes, body sizes, string and list sizes."""

from __future__ import annotations

import httpx
import pytest

from oms.documents import Course, Submission
from tests.support.api import Actor
from tests.support.factories import MakeApp
from tests.support.scene import Scene
from tests.support.settings import Servers


@pytest.mark.parametrize(
    "path", ["/courses", "/me/enrollments", "/users", "/admin/audit", "/courses/popular"]
)
async def test_page_size_is_capped(client: httpx.AsyncClient, admin: Actor, path: str) -> None:
    assert (await client.get(path, params={"limit": 101}, headers=admin.headers)).status_code == 422
    assert (await client.get(path, params={"limit": 100}, headers=admin.headers)).status_code == 200


async def test_search_text_is_capped(client: httpx.AsyncClient) -> None:
    assert (await client.get("/courses", params={"q": "x" * 101})).status_code == 422


async def test_oversized_bodies_are_413(make_app: MakeApp) -> None:
    app = await make_app(max_body_bytes=64 * 1024)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t/api/v1") as c:
        reply = await c.post(
            "/auth/register",
            content=b"{" + b" " * (65 * 1024) + b"}",
            headers={"Content-Type": "application/json"},
        )
        assert reply.status_code == 413
        assert reply.headers["content-type"] == "application/problem+json"


async def test_course_and_submission_sizes_are_capped(client: httpx.AsyncClient, scene: Scene) -> None:
    too_many_sections = {"name": "Huge", "sections": [{"title": f"s{i}"} for i in range(201)]}
    assert (
        await client.post("/courses", json=too_many_sections, headers=scene.admin.headers)
    ).status_code == 422
    too_long = {"name": "Long", "sections": [{"title": "s", "body": "x" * 100_001}]}
    assert (await client.post("/courses", json=too_long, headers=scene.admin.headers)).status_code == 422
    assert await Course.find(Course.name == "Huge").count() == 0
    big = await client.post(
        f"/assignments/{scene.assignment['id']}/submissions",
        json={"content": "x" * 100_001},
        headers=scene.alice.headers,
    )
    assert big.status_code == 422
    stored = await Submission.get(scene.submissions[scene.alice.username])
    assert stored is not None and len(stored.attempts) == 1


async def test_history_is_bounded(make_app: MakeApp, stack: Servers) -> None:
    app = await make_app(history_limit=10)
    assert app.state.settings.history_limit == 10  # every enrollment keeps at most this many events

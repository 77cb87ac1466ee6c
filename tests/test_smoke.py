"""The app starts on the test servers and answers its health checks."""

import httpx
import pytest

from tests.support.api import Actor
from tests.support.factories import MakeCourse


@pytest.mark.redis
async def test_health(client: httpx.AsyncClient) -> None:
    reply = await client.get("/healthz")
    assert reply.status_code == 200
    ready = await client.get("/readyz")
    body = ready.json()
    search = body.pop("search")  # the catalogue index: backend, state, documents, lag
    assert search["backend"] == "embedded" and search["state"] == "ready"
    assert body == {"status": "ok", "checks": {"mongodb": "ok", "redis": "ok"}}
    assert reply.headers["x-request-id"]
    assert reply.headers["server-timing"].startswith("app;dur=")


async def test_enroll_and_progress(
    client: httpx.AsyncClient, student: Actor, make_course: MakeCourse
) -> None:
    course = await make_course(sections=2)
    reply = await client.post(f"/courses/{course['id']}/enrollments", headers=student.headers)
    assert reply.status_code == 201, reply.text
    enrollment = reply.json()
    sid = course["sections"][0]["section_id"]
    reply = await client.post(
        f"/enrollments/{enrollment['id']}/progress",
        json={"section_id": sid, "completed": True},
        headers=student.headers,
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["progress"] == 50.0
    assert [e["event"] for e in reply.json()["history"]] == ["enrolled", "section_completed"]

"""Learning advice in tests: a known course and history (the facts tests' reference), the same through the
API for the endpoint and provider tests, and the provider stub's well-formed answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from beanie import PydanticObjectId
from bson import ObjectId

from oms.documents import Course, Enrollment, Section
from oms.documents.enrollment import HistoryEvent
from tests.support.api import Actor

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DURATIONS = [10, 20, 30, 40, 50, 60]

# what a well-behaved provider answers
GOOD = {
    "summary": "You have completed 3 of 6 sections (50%) and picked up speed this week.",
    "suggestions": ["Go back to Unit 3 (30 minutes) before moving on.", "Then finish Unit 5 again."],
}


def known_course() -> Course:
    """Six units of 10 to 60 minutes."""
    sections = [Section(title=f"Unit {i + 1}", order=i, duration_minutes=m) for i, m in enumerate(DURATIONS)]
    return Course(slug="known", name="Statistics", status="published", sections=sections)


def known_history(course: Course, now: datetime) -> dict[str, Any]:
    """Enrolled 40 days ago; units 1, 2, 4 done (3 skipped); unit 5 done 3 days ago and reset 2 days ago."""
    s = [sec.section_id for sec in course.sections]

    def ev(days: float, event: str, section: int | None, progress: float) -> dict[str, Any]:
        return {
            "at": now - timedelta(days=days),
            "event": event,
            "section_id": s[section] if section is not None else None,
            "progress": progress,
        }

    return {
        "status": "active",
        "progress": 50.0,
        "completed_sections": [s[0], s[1], s[3]],
        "enrolled_at": now - timedelta(days=40),
        "updated_at": now - timedelta(days=2),
        "history": [
            ev(40, "enrolled", None, 0),
            ev(35, "section_completed", 0, 16.6667),
            ev(20, "section_completed", 1, 33.3333),
            ev(10, "section_completed", 3, 50),
            ev(3, "section_completed", 4, 66.6667),
            ev(2, "section_reset", 4, 50),
        ],
    }


def known_enrollment(course: Course, now: datetime = NOW) -> Enrollment:
    """The known history as an (unsaved) enrollment."""
    data = known_history(course, now)
    data["history"] = [HistoryEvent(**e) for e in data["history"]]
    return Enrollment(user_id=PydanticObjectId(), course_id=PydanticObjectId(), **data)


async def course_with_durations(client: httpx.AsyncClient, admin: Actor, **fields: Any) -> dict[str, Any]:
    """The known course, created through the API."""
    body = {
        "name": "Statistics",
        "status": "published",
        "sections": [{"title": f"Unit {i + 1}", "duration_minutes": m} for i, m in enumerate(DURATIONS)],
        **fields,
    }
    reply = await client.post("/courses", json=body, headers=admin.headers)
    assert reply.status_code == 201, reply.text
    course: dict[str, Any] = reply.json()
    return course


async def enrolled_with_history(client: httpx.AsyncClient, course: dict[str, Any], who: Actor) -> str:
    """Enroll `who`, then give the enrollment the known history (relative to now)."""
    reply = await client.post(f"/courses/{course['id']}/enrollments", headers=who.headers)
    assert reply.status_code == 201, reply.text
    stored = await Course.get(PydanticObjectId(course["id"]))
    assert stored is not None
    now = datetime.now(UTC) - timedelta(hours=1)
    await Enrollment.get_pymongo_collection().update_one(
        {"_id": ObjectId(reply.json()["id"])}, {"$set": known_history(stored, now)}
    )
    enrollment_id: str = reply.json()["id"]
    return enrollment_id


async def ask(c: httpx.AsyncClient, url: str, who: Actor, lang: str = "en") -> dict[str, Any]:
    """GET the advice at `url` as `who`; it must be a complete 200 reply."""
    reply = await c.get(url, params={"lang": lang}, headers=who.headers)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    assert body["summary"] and body["suggestions"] and body["progress"]["sections_total"] == 6
    return body

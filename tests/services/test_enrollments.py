"""Enrollments: enroll, list, read, drop, revive, roster, progress and its history, under concurrency too."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from beanie import PydanticObjectId, init_beanie
from bson import ObjectId
from fastapi import FastAPI
from pymongo.errors import DuplicateKeyError, WriteError

from oms.documents import DOCUMENT_MODELS, Enrollment
from oms.main import create_app
from oms.services import courses as course_service
from oms.services import enrollments as enrollment_service
from tests.support.api import Actor, bearer, problem
from tests.support.documents import raw_document
from tests.support.factories import MakeCourse, MakeStudent
from tests.support.settings import make_settings


async def stored(enrollment_id: str) -> dict[str, Any]:
    """The raw enrollment document as analysts see it."""
    return await raw_document(Enrollment, {"_id": ObjectId(enrollment_id)})


async def count_enrollments(**query: Any) -> int:
    return await Enrollment.get_pymongo_collection().count_documents(query)


async def enroll(client: httpx.AsyncClient, course: dict[str, Any], who: Actor) -> httpx.Response:
    return await client.post(f"/courses/{course['id']}/enrollments", headers=who.headers)


async def enrolled(client: httpx.AsyncClient, course: dict[str, Any], who: Actor) -> dict[str, Any]:
    reply = await enroll(client, course, who)
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def mark(
    client: httpx.AsyncClient, enrollment: dict[str, Any], who: Actor, section_id: str, completed: bool = True
) -> httpx.Response:
    return await client.post(
        f"/enrollments/{enrollment['id']}/progress",
        json={"section_id": section_id, "completed": completed},
        headers=who.headers,
    )


def sids(course: dict[str, Any]) -> list[str]:
    return [s["section_id"] for s in course["sections"]]


def events(enrollment: dict[str, Any]) -> list[str]:
    return [e["event"] for e in enrollment["history"]]


# --- enroll --------------------------------------------------------------------------------------------


async def test_student_enrolls_in_published_course(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course(sections=2)
    reply = await enroll(client, course, student)
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert reply.headers["location"] == f"/api/v1/enrollments/{body['id']}"
    assert body["user_id"] == student.id
    assert body["course_id"] == course["id"]
    assert body["status"] == "active"
    assert body["progress"] == 0.0
    assert body["completed_sections"] == []
    assert body["completed_at"] is None
    assert body["enrolled_at"].endswith("Z")
    assert len(body["history"]) == 1
    first = body["history"][0]
    assert first["event"] == "enrolled"
    assert first["section_id"] is None
    assert first["progress"] == 0.0
    assert first["at"].endswith("Z")

    raw = await stored(body["id"])
    assert type(raw["user_id"]) is ObjectId and raw["user_id"] == ObjectId(student.id)
    assert type(raw["course_id"]) is ObjectId and raw["course_id"] == ObjectId(course["id"])
    assert raw["status"] == "active"
    assert raw["progress"] == 0.0
    assert isinstance(raw["enrolled_at"], datetime) and raw["enrolled_at"].tzinfo is not None
    assert isinstance(raw["updated_at"], datetime)
    assert raw["completed_at"] is None
    assert raw["history"][0]["event"] == "enrolled"
    assert isinstance(raw["history"][0]["at"], datetime)

    read = await client.get(reply.headers["location"].removeprefix("/api/v1"), headers=student.headers)
    assert read.status_code == 200
    assert read.json() == body


async def test_enroll_by_slug(client: httpx.AsyncClient, make_course: MakeCourse, student: Actor) -> None:
    course = await make_course(name="Slugged Course")
    reply = await client.post("/courses/slugged-course/enrollments", headers=student.headers)
    assert reply.status_code == 201, reply.text
    assert reply.json()["course_id"] == course["id"]


async def test_enrolling_twice_is_409(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course()
    first = await enrolled(client, course, student)
    problem(await enroll(client, course, student), 409)
    assert await count_enrollments() == 1
    raw = await stored(first["id"])
    assert [e["event"] for e in raw["history"]] == ["enrolled"]


async def test_only_published_courses_take_enrollments(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, student: Actor
) -> None:
    draft = await make_course(status="draft")
    archived = await make_course()
    assert (await client.delete(f"/courses/{archived['id']}", headers=admin.headers)).status_code == 204
    problem(await enroll(client, draft, student), 404)
    problem(await client.post(f"/courses/{draft['slug']}/enrollments", headers=student.headers), 404)
    problem(await enroll(client, archived, student), 404)
    problem(await enroll(client, {"id": str(ObjectId())}, student), 404)
    assert await count_enrollments() == 0


async def test_admins_and_anonymous_cannot_enroll(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course()
    problem(await enroll(client, course, admin), 403)
    reply = await client.post(f"/courses/{course['id']}/enrollments")
    problem(reply, 401)
    assert reply.headers["www-authenticate"] == "Bearer"
    assert await count_enrollments() == 0


async def test_concurrent_enrollments_store_one(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course()
    replies = await asyncio.gather(*(enroll(client, course, student) for _ in range(20)))
    codes = sorted(r.status_code for r in replies)
    assert codes == [201] + [409] * 19, [r.text for r in replies if r.status_code not in (201, 409)]
    assert await count_enrollments() == 1
    created = next(r.json() for r in replies if r.status_code == 201)
    raw = await stored(created["id"])
    assert [e["event"] for e in raw["history"]] == ["enrolled"]
    for reply in replies:
        if reply.status_code == 409:
            problem(reply, 409)


async def test_two_students_same_course(
    client: httpx.AsyncClient, make_course: MakeCourse, make_student: MakeStudent
) -> None:
    course = await make_course()
    students = [await make_student() for _ in range(3)]
    replies = await asyncio.gather(*(enroll(client, course, s) for s in students))
    assert [r.status_code for r in replies] == [201, 201, 201]
    assert await count_enrollments(course_id=ObjectId(course["id"])) == 3


# --- read and list -------------------------------------------------------------------------------------


async def test_my_enrollments_with_course_summaries(
    client: httpx.AsyncClient, make_course: MakeCourse, make_student: MakeStudent
) -> None:
    me, other = await make_student(), await make_student()
    first, second, third = [await make_course(sections=2, content="overview") for _ in range(3)]
    e1 = await enrolled(client, first, me)
    e2 = await enrolled(client, second, me)
    await enrolled(client, third, other)

    reply = await client.get("/me/enrollments", headers=me.headers)
    assert reply.status_code == 200, reply.text
    page = reply.json()
    assert page["total"] == 2 and page["limit"] == 20 and page["offset"] == 0
    assert [i["id"] for i in page["items"]] == [e2["id"], e1["id"]]  # newest first
    item = page["items"][1]
    assert item["course_id"] == first["id"]
    assert item["user_id"] == me.id
    assert item["status"] == "active"
    assert "history" not in item
    summary = item["course"]
    assert summary["id"] == first["id"]
    assert summary["name"] == first["name"]
    assert summary["slug"] == first["slug"]
    assert summary["section_count"] == 2
    assert "sections" not in summary
    assert "content" not in summary

    paged = (await client.get("/me/enrollments", params={"limit": 1, "offset": 1}, headers=me.headers)).json()
    assert [i["id"] for i in paged["items"]] == [e1["id"]]
    assert paged["total"] == 2
    problem(await client.get("/me/enrollments", params={"limit": 101}, headers=me.headers), 422)

    assert (await client.delete(f"/enrollments/{e1['id']}", headers=me.headers)).status_code == 200
    dropped = (await client.get("/me/enrollments", params={"status": "dropped"}, headers=me.headers)).json()
    assert [i["id"] for i in dropped["items"]] == [e1["id"]]
    active = (await client.get("/me/enrollments", params={"status": "active"}, headers=me.headers)).json()
    assert [i["id"] for i in active["items"]] == [e2["id"]]
    problem(await client.get("/me/enrollments", params={"status": "bogus"}, headers=me.headers), 422)

    problem(await client.get("/me/enrollments"), 401)


async def test_read_enrollment_owner_and_admin_only(
    client: httpx.AsyncClient, make_course: MakeCourse, make_student: MakeStudent, admin: Actor
) -> None:
    owner, other = await make_student(), await make_student()
    course = await make_course()
    mine = await enrolled(client, course, owner)
    url = f"/enrollments/{mine['id']}"

    as_owner = await client.get(url, headers=owner.headers)
    assert as_owner.status_code == 200
    assert as_owner.json() == mine
    as_admin = await client.get(url, headers=admin.headers)
    assert as_admin.status_code == 200
    assert as_admin.json() == mine
    hidden = problem(await client.get(url, headers=other.headers), 404)
    unknown = problem(await client.get(f"/enrollments/{ObjectId()}", headers=other.headers), 404)
    assert hidden["title"] == unknown["title"]  # the same answer as for nothing at all
    problem(await client.get(url), 401)
    for bad in ("nope", "123", "z" * 24):
        body = problem(await client.get(f"/enrollments/{bad}", headers=owner.headers), 422)
        assert body["errors"][0]["loc"] == ["path", "enrollment_id"]


# --- drop and revive -----------------------------------------------------------------------------------


async def test_drop_keeps_history_and_blocks_progress(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course(sections=4)
    a, b, *_ = sids(course)
    enrollment = await enrolled(client, course, student)
    assert (await mark(client, enrollment, student, a)).status_code == 200

    reply = await client.delete(f"/enrollments/{enrollment['id']}", headers=student.headers)
    assert reply.status_code == 200, reply.text
    dropped = reply.json()
    assert dropped["status"] == "dropped"
    assert dropped["progress"] == 25.0
    assert dropped["completed_sections"] == [a]
    assert events(dropped) == ["enrolled", "section_completed", "dropped"]
    assert dropped["history"][-1]["section_id"] is None
    assert dropped["history"][-1]["progress"] == 25.0
    raw = await stored(enrollment["id"])
    assert raw["status"] == "dropped"
    assert [e["event"] for e in raw["history"]] == ["enrolled", "section_completed", "dropped"]

    again = await client.delete(f"/enrollments/{enrollment['id']}", headers=student.headers)
    assert again.status_code == 200
    assert events(again.json()) == ["enrolled", "section_completed", "dropped"]  # dropping twice adds nothing

    problem(await mark(client, enrollment, student, b), 409)
    problem(await mark(client, enrollment, student, a, completed=False), 409)
    after = await stored(enrollment["id"])
    assert after["progress"] == 25.0
    assert len(after["history"]) == 3
    assert await count_enrollments() == 1


async def test_reenrolling_revives_a_dropped_enrollment(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course(sections=2)
    a, b = sids(course)
    enrollment = await enrolled(client, course, student)
    assert (await mark(client, enrollment, student, a)).status_code == 200
    assert (
        await client.delete(f"/enrollments/{enrollment['id']}", headers=student.headers)
    ).status_code == 200

    reply = await enroll(client, course, student)
    assert reply.status_code == 201, reply.text
    revived = reply.json()
    assert revived["id"] == enrollment["id"]
    assert revived["status"] == "active"
    assert revived["progress"] == 50.0
    assert revived["completed_sections"] == [a]
    assert events(revived) == ["enrolled", "section_completed", "dropped", "enrolled"]
    assert await count_enrollments() == 1
    problem(await enroll(client, course, student), 409)

    finished = await mark(client, revived, student, b)
    assert finished.json()["status"] == "completed"
    assert (await client.delete(f"/enrollments/{enrollment['id']}", headers=student.headers)).json()[
        "completed_at"
    ] is None
    back = (await enroll(client, course, student)).json()
    assert back["status"] == "completed"  # everything was done before the drop
    assert back["progress"] == 100.0
    assert back["completed_at"] is not None


async def test_concurrent_revivals_revive_once(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course()
    enrollment = await enrolled(client, course, student)
    assert (
        await client.delete(f"/enrollments/{enrollment['id']}", headers=student.headers)
    ).status_code == 200
    replies = await asyncio.gather(*(enroll(client, course, student) for _ in range(10)))
    assert sorted(r.status_code for r in replies) == [201] + [409] * 9
    raw = await stored(enrollment["id"])
    assert [e["event"] for e in raw["history"]] == ["enrolled", "dropped", "enrolled"]


async def test_drop_by_admin_and_not_by_others(
    client: httpx.AsyncClient, make_course: MakeCourse, make_student: MakeStudent, admin: Actor
) -> None:
    owner, other = await make_student(), await make_student()
    enrollment = await enrolled(client, await make_course(), owner)
    problem(await client.delete(f"/enrollments/{enrollment['id']}", headers=other.headers), 404)
    problem(await client.delete(f"/enrollments/{enrollment['id']}"), 401)
    problem(await client.delete("/enrollments/not-an-id", headers=owner.headers), 422)
    assert (await stored(enrollment["id"]))["status"] == "active"
    reply = await client.delete(f"/enrollments/{enrollment['id']}", headers=admin.headers)
    assert reply.status_code == 200
    assert reply.json()["status"] == "dropped"
    assert (await stored(enrollment["id"]))["status"] == "dropped"


# --- roster --------------------------------------------------------------------------------------------


async def test_roster_for_admins(
    client: httpx.AsyncClient, make_course: MakeCourse, make_student: MakeStudent, admin: Actor
) -> None:
    course = await make_course(sections=2)
    other_course = await make_course()
    students = [await make_student() for _ in range(3)]
    rows = [await enrolled(client, course, s) for s in students]
    await enrolled(client, other_course, students[0])
    assert (await mark(client, rows[1], students[1], sids(course)[0])).status_code == 200
    assert (
        await client.delete(f"/enrollments/{rows[2]['id']}", headers=students[2].headers)
    ).status_code == 200

    reply = await client.get(f"/courses/{course['id']}/enrollments", headers=admin.headers)
    assert reply.status_code == 200, reply.text
    page = reply.json()
    assert page["total"] == 3
    assert [i["id"] for i in page["items"]] == [r["id"] for r in rows]  # oldest first
    assert [i["username"] for i in page["items"]] == [s.username for s in students]
    assert [i["progress"] for i in page["items"]] == [0.0, 50.0, 0.0]
    assert [i["status"] for i in page["items"]] == ["active", "active", "dropped"]
    assert all("history" not in i for i in page["items"])
    assert all("display_name" in i for i in page["items"])

    by_slug = await client.get(
        f"/courses/{course['slug']}/enrollments", params={"limit": 1, "offset": 1}, headers=admin.headers
    )
    assert [i["id"] for i in by_slug.json()["items"]] == [rows[1]["id"]]
    assert by_slug.json()["total"] == 3
    dropped = await client.get(
        f"/courses/{course['id']}/enrollments", params={"status": "dropped"}, headers=admin.headers
    )
    assert [i["id"] for i in dropped.json()["items"]] == [rows[2]["id"]]

    problem(await client.get(f"/courses/{course['id']}/enrollments", headers=students[0].headers), 403)
    problem(await client.get(f"/courses/{course['id']}/enrollments"), 401)
    problem(await client.get(f"/courses/{ObjectId()}/enrollments", headers=admin.headers), 404)


# --- progress ------------------------------------------------------------------------------------------


async def test_progress_marks_and_resets(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course(sections=4)
    a, b, c, d = sids(course)
    enrollment = await enrolled(client, course, student)

    first = await mark(client, enrollment, student, a)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["progress"] == 25.0
    assert body["completed_sections"] == [a]
    assert body["status"] == "active"
    last = body["history"][-1]
    assert last["event"] == "section_completed"
    assert last["section_id"] == a
    assert last["progress"] == 25.0
    assert last["at"].endswith("Z")

    # re-marking a done section changes nothing, not even updated_at
    again = (await mark(client, enrollment, student, a)).json()
    assert again["history"] == body["history"]
    assert again["progress"] == 25.0
    assert again["updated_at"] == body["updated_at"]

    for sid in (b, c):
        assert (await mark(client, enrollment, student, sid)).status_code == 200
    done = (await mark(client, enrollment, student, d)).json()
    assert done["progress"] == 100.0
    assert done["status"] == "completed"
    assert done["completed_at"] is not None
    assert done["completed_sections"] == [a, b, c, d]
    assert [e["progress"] for e in done["history"]] == [0.0, 25.0, 50.0, 75.0, 100.0]
    assert [e["section_id"] for e in done["history"]] == [None, a, b, c, d]
    raw = await stored(enrollment["id"])
    assert raw["status"] == "completed"
    assert isinstance(raw["completed_at"], datetime)
    assert raw["completed_sections"] == [ObjectId(s) for s in (a, b, c, d)]

    reset = (await mark(client, enrollment, student, b, completed=False)).json()
    assert reset["progress"] == 75.0
    assert reset["status"] == "active"
    assert reset["completed_at"] is None
    assert reset["completed_sections"] == [a, c, d]
    assert reset["history"][-1] == {
        **reset["history"][-1],
        "event": "section_reset",
        "section_id": b,
        "progress": 75.0,
    }
    unchanged = (await mark(client, enrollment, student, b, completed=False)).json()
    assert unchanged["history"] == reset["history"]  # resetting an undone section adds nothing

    redone = (await mark(client, enrollment, student, b)).json()
    assert redone["status"] == "completed"
    assert events(redone) == [
        "enrolled",
        "section_completed",
        "section_completed",
        "section_completed",
        "section_completed",
        "section_reset",
        "section_completed",
    ]
    raw = await stored(enrollment["id"])
    assert raw["progress"] == 100.0
    assert [e["event"] for e in raw["history"]] == events(redone)
    assert all(isinstance(e["at"], datetime) for e in raw["history"])
    assert [e["section_id"] for e in raw["history"]][1:] == [ObjectId(s) for s in (a, b, c, d, b, b)]


async def test_completed_defaults_to_true(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course(sections=3)
    enrollment = await enrolled(client, course, student)
    reply = await client.post(
        f"/enrollments/{enrollment['id']}/progress",
        json={"section_id": sids(course)[0]},
        headers=student.headers,
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["progress"] == pytest.approx(33.3333, abs=0.001)


@pytest.mark.parametrize(
    "body",
    [
        {"section_id": str(ObjectId())},
        {"section_id": "not-an-id"},
        {"section_id": None},
        {"completed": True},
        {"section_id": "SECTION", "completed": "maybe"},
        {"section_id": "SECTION", "completed": True, "extra": 1},
        {"section_id": "OTHER"},
    ],
    ids=str,
)
async def test_bad_progress_is_422_and_changes_nothing(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor, body: dict[str, Any]
) -> None:
    course = await make_course(sections=2)
    other = await make_course(sections=1)
    enrollment = await enrolled(client, course, student)
    replacements = {"SECTION": sids(course)[0], "OTHER": sids(other)[0]}
    body = {k: replacements.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = await stored(enrollment["id"])
    reply = await client.post(f"/enrollments/{enrollment['id']}/progress", json=body, headers=student.headers)
    problem(reply, 422)
    assert await stored(enrollment["id"]) == before


async def test_only_the_owner_records_progress(
    client: httpx.AsyncClient, make_course: MakeCourse, make_student: MakeStudent, admin: Actor
) -> None:
    owner, other = await make_student(), await make_student()
    course = await make_course(sections=2)
    enrollment = await enrolled(client, course, owner)
    before = await stored(enrollment["id"])
    problem(await mark(client, enrollment, other, sids(course)[0]), 404)
    problem(await mark(client, enrollment, admin, sids(course)[0]), 403)
    reply = await client.post(
        f"/enrollments/{enrollment['id']}/progress", json={"section_id": sids(course)[0], "completed": True}
    )
    problem(reply, 401)
    problem(await mark(client, {"id": str(ObjectId())}, owner, sids(course)[0]), 404)
    problem(await mark(client, {"id": "bad"}, owner, sids(course)[0]), 422)
    assert await stored(enrollment["id"]) == before


async def test_progress_on_an_archived_course_still_counts(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, student: Actor
) -> None:
    course = await make_course(sections=2)
    enrollment = await enrolled(client, course, student)
    assert (await client.delete(f"/courses/{course['id']}", headers=admin.headers)).status_code == 204
    reply = await mark(client, enrollment, student, sids(course)[0])
    assert reply.status_code == 200, reply.text
    assert reply.json()["progress"] == 50.0


async def test_history_keeps_everything_under_the_default_limit(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course(sections=6)
    enrollment = await enrolled(client, course, student)
    for sid in sids(course):
        assert (await mark(client, enrollment, student, sid)).status_code == 200
    for sid in sids(course):
        assert (await mark(client, enrollment, student, sid, completed=False)).status_code == 200
    assert len((await stored(enrollment["id"]))["history"]) == 13


async def test_history_is_capped_at_history_limit(
    app: FastAPI, stack: dict[str, str], tmp_path: Path, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course(sections=6)
    section_ids = sids(course)
    capped = create_app(make_settings(stack, tmp_path, history_limit=10))
    try:
        async with (
            LifespanManager(capped),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=capped), base_url="http://testserver/api/v1"
            ) as other,
        ):
            assert capped.state.settings.history_limit == 10
            headers = bearer(student.tokens["access_token"])
            reply = await other.post(f"/courses/{course['id']}/enrollments", headers=headers)
            assert reply.status_code == 201, reply.text
            url = f"/enrollments/{reply.json()['id']}/progress"
            for sid in section_ids:
                done = await other.post(url, json={"section_id": sid, "completed": True}, headers=headers)
                assert done.status_code == 200, done.text
            for sid in section_ids:
                undone = await other.post(url, json={"section_id": sid, "completed": False}, headers=headers)
                assert undone.status_code == 200, undone.text
            body = undone.json()
            raw = await Enrollment.get_pymongo_collection().find_one({"_id": ObjectId(body["id"])})
    finally:  # Beanie binds documents globally: bind them back to the session app's database
        await init_beanie(database=app.state.db, document_models=DOCUMENT_MODELS)

    # 13 events happened: enrolled, 6 completions, 6 resets; the newest 10 are kept, oldest first
    expected = [("section_completed", s) for s in section_ids[2:]] + [
        ("section_reset", s) for s in section_ids
    ]
    assert [(e["event"], e["section_id"]) for e in body["history"]] == expected
    sixths = [3, 4, 5, 6, 5, 4, 3, 2, 1, 0]
    assert [e["progress"] for e in body["history"]] == pytest.approx([n * 100 / 6 for n in sixths], abs=0.001)
    assert raw is not None
    assert len(raw["history"]) == 10
    assert [(e["event"], str(e["section_id"])) for e in raw["history"]] == expected
    assert body["progress"] == 0.0
    assert body["completed_sections"] == []


# --- concurrency ---------------------------------------------------------------------------------------


async def test_concurrent_progress_loses_nothing(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course(sections=50)
    section_ids = sids(course)
    enrollment = await enrolled(client, course, student)

    replies = await asyncio.gather(*(mark(client, enrollment, student, sid) for sid in section_ids))
    assert [r.status_code for r in replies] == [200] * 50, [r.text for r in replies if r.status_code != 200]

    raw = await stored(enrollment["id"])
    assert raw["progress"] == 100.0
    assert raw["status"] == "completed"
    assert raw["completed_at"] is not None
    assert sorted(map(str, raw["completed_sections"])) == sorted(section_ids)
    assert len(raw["completed_sections"]) == 50
    history = raw["history"]
    assert [e["event"] for e in history] == ["enrolled"] + ["section_completed"] * 50
    assert sorted(str(e["section_id"]) for e in history[1:]) == sorted(section_ids)
    # each event carries the progress right after it: 2, 4, ..., 100, each exactly once and in order
    assert [e["progress"] for e in history[1:]] == [2.0 * n for n in range(1, 51)]
    final = (await client.get(f"/enrollments/{enrollment['id']}", headers=student.headers)).json()
    assert final["progress"] == 100.0
    assert len(final["history"]) == 51


async def test_concurrent_marks_of_one_section_record_one_event(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course(sections=4)
    sid = sids(course)[2]
    enrollment = await enrolled(client, course, student)
    replies = await asyncio.gather(*(mark(client, enrollment, student, sid) for _ in range(20)))
    assert [r.status_code for r in replies] == [200] * 20
    raw = await stored(enrollment["id"])
    assert raw["completed_sections"] == [ObjectId(sid)]
    assert raw["progress"] == 25.0
    assert [e["event"] for e in raw["history"]] == ["enrolled", "section_completed"]

    resets = await asyncio.gather(
        *(mark(client, enrollment, student, sid, completed=False) for _ in range(20))
    )
    assert [r.status_code for r in resets] == [200] * 20
    raw = await stored(enrollment["id"])
    assert raw["completed_sections"] == []
    assert raw["progress"] == 0.0
    assert [e["event"] for e in raw["history"]] == ["enrolled", "section_completed", "section_reset"]


async def test_progress_stays_consistent_while_sections_are_removed(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, student: Actor
) -> None:
    course = await make_course(sections=12)
    section_ids = sids(course)
    keep, remove = section_ids[:6], section_ids[6:]
    enrollment = await enrolled(client, course, student)
    requests = []
    for i, sid in enumerate(section_ids):  # marks of every section interleaved with removals of half of them
        requests.append(mark(client, enrollment, student, sid))
        if i < len(remove):
            requests.append(
                client.delete(f"/courses/{course['id']}/sections/{remove[i]}", headers=admin.headers)
            )
    replies = await asyncio.gather(*requests)
    # a mark of a section removed just before it is refused; everything else succeeds
    assert all(r.status_code in (200, 204, 422) for r in replies), [r.text for r in replies]
    assert sum(r.status_code == 204 for r in replies) == len(remove)

    current = [
        str(s["section_id"]) for s in (await client.get(f"/courses/{course['id']}")).json()["sections"]
    ]
    assert current == keep
    raw = await stored(enrollment["id"])
    done = {str(s) for s in raw["completed_sections"]} & set(current)
    assert done == set(keep)
    assert raw["progress"] == 100.0
    assert raw["status"] == "completed"


async def test_progress_counted_against_a_stale_course_is_recounted(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, student: Actor
) -> None:
    # the interleaving the test above can only hope for: a mark computed with the sections as they were
    # before a concurrent removal, and written after that removal's recount
    course = await make_course(sections=2)
    a, b = sids(course)
    enrollment = await enrolled(client, course, student)
    stale = await course_service.find_course(course["id"], include_unpublished=True)
    assert (
        await client.delete(f"/courses/{course['id']}/sections/{b}", headers=admin.headers)
    ).status_code == 204
    document = await Enrollment.get(PydanticObjectId(enrollment["id"]))
    assert document is not None
    updated = await enrollment_service.mark_progress(document, stale, PydanticObjectId(a), True, 500)
    assert updated.progress == 100.0
    assert updated.status == "completed"
    raw = await stored(enrollment["id"])
    assert raw["progress"] == 100.0
    assert raw["status"] == "completed"
    assert raw["completed_at"] is not None


# --- stored shape for analysts -------------------------------------------------------------------------


def _valid_enrollment(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "user_id": ObjectId(),
        "course_id": ObjectId(),
        "status": "active",
        "progress": 0.0,
        "completed_sections": [],
        "history": [{"at": now, "event": "enrolled", "section_id": None, "progress": 0.0}],
        "enrolled_at": now,
        "updated_at": now,
        "completed_at": None,
        **overrides,
    }


@pytest.mark.parametrize(
    "override",
    [
        {"status": "bogus"},
        {"progress": 150},
        {"progress": -1.0},
        {"progress": "50"},
        {"user_id": "665f1f77bcf86cd799439011"},
        {"course_id": None},
        {"completed_sections": ["665f1f77bcf86cd799439011"]},
        {"enrolled_at": "2024-01-01T00:00:00Z"},
        {"completed_at": "yesterday"},
        {"history": [{"at": datetime(2024, 1, 1, tzinfo=UTC), "event": "bogus", "progress": 0.0}]},
        {"history": [{"at": datetime(2024, 1, 1, tzinfo=UTC), "event": "enrolled", "progress": 101}]},
        {"history": [{"event": "enrolled", "progress": 0.0}]},
        {"history": "none"},
    ],
    ids=str,
)
async def test_enrollments_validator_refuses_bad_documents(override: dict[str, Any]) -> None:
    collection = Enrollment.get_pymongo_collection()
    with pytest.raises(WriteError):
        await collection.insert_one(_valid_enrollment(**override))
    assert await collection.count_documents({}) == 0


async def test_enrollments_validator_requires_fields() -> None:
    collection = Enrollment.get_pymongo_collection()
    for field in (
        "user_id",
        "course_id",
        "status",
        "progress",
        "completed_sections",
        "history",
        "enrolled_at",
    ):
        doc = _valid_enrollment()
        del doc[field]
        with pytest.raises(WriteError):
            await collection.insert_one(doc)
    await collection.insert_one(_valid_enrollment())  # the baseline is accepted
    assert await collection.count_documents({}) == 1


async def test_enrollments_are_unique_per_user_and_course() -> None:
    collection = Enrollment.get_pymongo_collection()
    info = await collection.index_information()
    unique = [v for v in info.values() if v["key"] == [("user_id", 1), ("course_id", 1)]]
    assert unique and unique[0].get("unique") is True
    doc = _valid_enrollment()
    await collection.insert_one(dict(doc))
    with pytest.raises(DuplicateKeyError):
        await collection.insert_one({k: v for k, v in doc.items() if k != "_id"})
    await collection.insert_one(_valid_enrollment(user_id=doc["user_id"]))  # another course is fine
    assert await collection.count_documents({"user_id": doc["user_id"]}) == 2


async def test_stored_progress_types(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course(sections=3)
    enrollment = await enrolled(client, course, student)
    assert (await mark(client, enrollment, student, sids(course)[0])).status_code == 200
    raw = await stored(enrollment["id"])
    assert isinstance(raw["progress"], float)
    assert all(type(s) is ObjectId for s in raw["completed_sections"])
    assert all(type(e["section_id"]) is ObjectId for e in raw["history"][1:])
    assert all(isinstance(e["at"], datetime) and e["at"].tzinfo is not None for e in raw["history"])
    assert isinstance(raw["updated_at"], datetime)


async def test_an_enrollment_stored_without_updated_at_reads_the_same_every_time(
    client: httpx.AsyncClient, make_course: Any, student: Actor
) -> None:
    """An integrator's direct insert without the optional `updated_at`: the API serves the time of the last
    history event (derived from what is stored), identical on reads a second apart, never the read time."""
    course = await make_course(sections=3)
    enrolled_at = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    last = datetime(2024, 3, 5, 18, 30, tzinfo=UTC)
    doc = _valid_enrollment(
        user_id=ObjectId(student.id),
        course_id=ObjectId(course["id"]),
        enrolled_at=enrolled_at,
        history=[
            {"at": enrolled_at, "event": "enrolled", "section_id": None, "progress": 0.0},
            {
                "at": last,
                "event": "section_completed",
                "section_id": ObjectId(sids(course)[0]),
                "progress": 33.3,
            },
        ],
        completed_sections=[ObjectId(sids(course)[0])],
        progress=33.3,
    )
    del doc["updated_at"]
    inserted = await Enrollment.get_pymongo_collection().insert_one(doc)
    url = f"/enrollments/{inserted.inserted_id}"
    first = (await client.get(url, headers=student.headers)).json()
    await asyncio.sleep(1.1)
    second = (await client.get(url, headers=student.headers)).json()
    mine = (await client.get("/me/enrollments", headers=student.headers)).json()["items"]
    assert first["updated_at"] == second["updated_at"] == mine[0]["updated_at"]
    assert datetime.fromisoformat(first["updated_at"].replace("Z", "+00:00")) == last
    assert "updated_at" not in await stored(str(inserted.inserted_id))  # nothing was written on read

    bare = _valid_enrollment(user_id=ObjectId(), course_id=ObjectId(course["id"]), history=[])
    del bare["updated_at"]
    await Enrollment.get_pymongo_collection().insert_one(bare)
    raw = await stored(str(bare["_id"]))
    assert Enrollment.model_validate(raw).updated_at == raw["enrolled_at"]  # no history: the enrollment time

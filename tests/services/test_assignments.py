"""Assignments and submissions: two students and an admin through submit, resubmit, late, grade, and
attempts to read or grade what is not theirs. Time is moved with the app's clock, never by sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI
from pymongo.errors import WriteError

from oms.documents import Assignment, Submission
from tests.support.api import Actor
from tests.support.assignments import create_assignment, submit
from tests.support.documents import raw_document
from tests.support.factories import MakeCourse, MakeStudent

DUE = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
SetClock = Callable[[datetime], None]  # the `clock` fixture: sets the app's time


@pytest.fixture
def clock(app: FastAPI) -> Iterator[SetClock]:
    """Set the app's time: `clock(DUE - timedelta(hours=1))`."""
    real = app.state.clock

    def set_time(moment: datetime) -> None:
        app.state.clock = lambda: moment

    set_time(DUE - timedelta(days=1))
    yield set_time
    app.state.clock = real


@pytest.fixture
async def course(make_course: MakeCourse) -> dict[str, Any]:
    course: dict[str, Any] = await make_course()
    return course


async def enroll(client: httpx.AsyncClient, course: dict[str, Any], student: Actor) -> str:
    reply = await client.post(f"/courses/{course['id']}/enrollments", headers=student.headers)
    assert reply.status_code == 201, reply.text
    enrollment_id: str = reply.json()["id"]
    return enrollment_id


@pytest.fixture
async def alice(client: httpx.AsyncClient, make_student: MakeStudent, course: dict[str, Any]) -> Actor:
    student: Actor = await make_student()
    await enroll(client, course, student)
    return student


@pytest.fixture
async def bob(client: httpx.AsyncClient, make_student: MakeStudent, course: dict[str, Any]) -> Actor:
    student: Actor = await make_student()
    await enroll(client, course, student)
    return student


async def make_assignment(
    client: httpx.AsyncClient, admin: Actor, course: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    return await create_assignment(
        client, admin, course, **{"instructions": "Write.", "due_at": DUE.isoformat(), **fields}
    )


@pytest.fixture
async def assignment(client: httpx.AsyncClient, admin: Actor, course: dict[str, Any]) -> dict[str, Any]:
    return await make_assignment(client, admin, course)


async def stored_submissions() -> int:
    return await Submission.get_pymongo_collection().count_documents({})


# ------------------------------------------------------------------ assignments


async def test_admin_creates_and_enrolled_students_read(
    client: httpx.AsyncClient, admin: Actor, course: dict[str, Any], alice: Actor, make_student: MakeStudent
) -> None:
    created = await make_assignment(client, admin, course, allow_late=False)
    assert created["due_at"] == "2030-06-01T12:00:00.000Z"
    assert created["allow_late"] is False
    assert created["status"] == "active"
    stored = await raw_document(Assignment, {"_id": ObjectId(created["id"])})
    assert stored["course_id"] == ObjectId(course["id"])
    assert stored["due_at"] == DUE

    listed = await client.get(f"/courses/{course['id']}/assignments", headers=alice.headers)
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json()["items"]] == [created["id"]]
    assert listed.json()["items"][0]["my_submission"] == {
        "state": "none",
        "submission_id": None,
        "attempts": 0,
        "score": None,
    }
    assert (await client.get(f"/assignments/{created['id']}", headers=alice.headers)).status_code == 200
    admin_view = await client.get(f"/courses/{course['slug']}/assignments", headers=admin.headers)
    assert admin_view.json()["items"][0]["my_submission"] is None

    outsider = await make_student()
    assert (
        await client.get(f"/courses/{course['id']}/assignments", headers=outsider.headers)
    ).status_code == 404
    assert (await client.get(f"/assignments/{created['id']}", headers=outsider.headers)).status_code == 404
    assert (await client.get(f"/assignments/{created['id']}")).status_code == 401


async def test_only_admins_create_edit_and_delete(
    client: httpx.AsyncClient, admin: Actor, course: dict[str, Any], alice: Actor, assignment: dict[str, Any]
) -> None:
    body = {"title": "Nope", "max_score": 5}
    assert (
        await client.post(f"/courses/{course['id']}/assignments", json=body, headers=alice.headers)
    ).status_code == 403
    path = f"/assignments/{assignment['id']}"
    assert (await client.patch(path, json={"title": "X"}, headers=alice.headers)).status_code == 403
    assert (await client.delete(path, headers=alice.headers)).status_code == 403
    edited = await client.patch(path, json={"title": "Essay v2", "due_at": None}, headers=admin.headers)
    assert edited.status_code == 200
    assert edited.json()["title"] == "Essay v2"
    assert edited.json()["due_at"] is None
    assert (await client.delete(path, headers=admin.headers)).status_code == 204
    assert await Assignment.get_pymongo_collection().count_documents({}) == 0
    assert (await client.get(path, headers=admin.headers)).status_code == 404


async def test_delete_with_submissions_archives(
    client: httpx.AsyncClient, admin: Actor, alice: Actor, assignment: dict[str, Any], clock: SetClock
) -> None:
    assert (await submit(client, assignment, alice)).status_code == 201
    reply = await client.delete(f"/assignments/{assignment['id']}", headers=admin.headers)
    assert reply.status_code == 200
    assert reply.json()["status"] == "archived"
    assert await Assignment.get_pymongo_collection().count_documents({}) == 1
    refused = await submit(client, assignment, alice, "again")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "assignment_archived"
    stored = await raw_document(Submission, {})
    assert len(stored["attempts"]) == 1


# ------------------------------------------------------------------ submitting


async def test_submit_resubmit_and_every_attempt_is_kept(
    client: httpx.AsyncClient, alice: Actor, assignment: dict[str, Any], clock: SetClock
) -> None:
    first = await submit(client, assignment, alice, "draft one", links=["https://example.org/essay"])
    assert first.status_code == 201, first.text
    assert first.headers["location"] == f"/api/v1/submissions/{first.json()['id']}"
    second = await submit(client, assignment, alice, "draft two")
    assert second.status_code == 201
    body = second.json()
    assert body["id"] == first.json()["id"]
    assert [(a["n"], a["content"], a["late"]) for a in body["attempts"]] == [
        (1, "draft one", False),
        (2, "draft two", False),
    ]
    assert body["attempts"][0]["links"] == ["https://example.org/essay"]
    assert body["status"] == "submitted"
    stored = await raw_document(Submission, {"_id": ObjectId(body["id"])})
    assert stored["user_id"] == ObjectId(alice.id)
    assert stored["assignment_id"] == ObjectId(assignment["id"])
    assert isinstance(stored["attempts"][1]["submitted_at"], datetime)

    listed = await client.get(f"/courses/{assignment['course_id']}/assignments", headers=alice.headers)
    state = listed.json()["items"][0]["my_submission"]
    assert state == {"state": "submitted", "submission_id": body["id"], "attempts": 2, "score": None}


async def test_concurrent_submissions_lose_no_attempt(
    client: httpx.AsyncClient, alice: Actor, assignment: dict[str, Any], clock: SetClock
) -> None:
    replies = await asyncio.gather(*(submit(client, assignment, alice, f"take {i}") for i in range(25)))
    assert {r.status_code for r in replies} == {201}
    stored = await Submission.get_pymongo_collection().find({}).to_list()
    assert len(stored) == 1
    assert sorted(a["n"] for a in stored[0]["attempts"]) == list(range(1, 26))
    assert sorted(a["content"] for a in stored[0]["attempts"]) == sorted(f"take {i}" for i in range(25))


async def test_late_work_is_flagged_or_refused(
    client: httpx.AsyncClient, admin: Actor, course: dict[str, Any], alice: Actor, clock: SetClock
) -> None:
    lenient = await make_assignment(client, admin, course)
    strict = await make_assignment(client, admin, course, title="Strict", allow_late=False)
    clock(DUE - timedelta(seconds=1))
    assert (await submit(client, lenient, alice)).json()["attempts"][0]["late"] is False
    assert (await submit(client, strict, alice)).status_code == 201
    clock(DUE + timedelta(seconds=1))
    late = await submit(client, lenient, alice, "after the bell")
    assert late.status_code == 201
    assert [a["late"] for a in late.json()["attempts"]] == [False, True]
    assert late.json()["late"] is True
    refused = await submit(client, strict, alice, "too late")
    assert refused.status_code == 409
    assert "deadline" in refused.json()["detail"]
    assert refused.json()["code"] == "deadline_passed"
    stored = await raw_document(Submission, {"assignment_id": ObjectId(strict["id"])})
    assert len(stored["attempts"]) == 1


async def test_no_deadline_is_never_late(
    client: httpx.AsyncClient, admin: Actor, course: dict[str, Any], alice: Actor, clock: SetClock
) -> None:
    open_ended = await make_assignment(client, admin, course, due_at=None)
    clock(DUE + timedelta(days=3650))
    assert (await submit(client, open_ended, alice)).json()["late"] is False


async def test_only_enrolled_students_submit(
    client: httpx.AsyncClient,
    admin: Actor,
    alice: Actor,
    assignment: dict[str, Any],
    make_student: MakeStudent,
    clock: SetClock,
) -> None:
    outsider = await make_student()
    assert (await submit(client, assignment, outsider)).status_code == 404  # cannot even see it
    assert (await submit(client, assignment, admin)).status_code == 403
    enrollment = (await client.get("/me/enrollments", headers=alice.headers)).json()["items"][0]
    assert (await client.delete(f"/enrollments/{enrollment['id']}", headers=alice.headers)).status_code == 200
    assert (
        await submit(client, assignment, alice)
    ).status_code == 404  # dropped: no longer sees the course's work
    assert await stored_submissions() == 0


# ------------------------------------------------------------------ grading


async def test_grade_then_resubmit_keeps_the_old_grade(
    client: httpx.AsyncClient, admin: Actor, alice: Actor, assignment: dict[str, Any], clock: SetClock
) -> None:
    sub = (await submit(client, assignment, alice, "v1")).json()
    graded = await client.post(
        f"/submissions/{sub['id']}/grade", json={"score": 7.5, "feedback": "Good"}, headers=admin.headers
    )
    assert graded.status_code == 200, graded.text
    body = graded.json()
    assert (body["status"], body["score"], body["feedback"], body["graded_by"]) == (
        "graded",
        7.5,
        "Good",
        admin.id,
    )
    assert body["graded_at"]
    seen = (await client.get(f"/submissions/{sub['id']}", headers=alice.headers)).json()
    assert (seen["score"], seen["feedback"]) == (7.5, "Good")
    listed = await client.get(f"/courses/{assignment['course_id']}/assignments", headers=alice.headers)
    assert listed.json()["items"][0]["my_submission"]["state"] == "graded"
    assert listed.json()["items"][0]["my_submission"]["score"] == 7.5

    again = (await submit(client, assignment, alice, "v2")).json()
    assert again["status"] == "submitted"
    assert again["score"] is None
    assert [(g["attempt"], g["score"], g["feedback"]) for g in again["grades"]] == [(1, 7.5, "Good")]
    regraded = await client.post(
        f"/submissions/{sub['id']}/grade", json={"score": 9, "feedback": "Better"}, headers=admin.headers
    )
    assert [(g["attempt"], g["score"]) for g in regraded.json()["grades"]] == [(1, 7.5), (2, 9.0)]


@pytest.mark.parametrize("score", [-1, 10.5, 1e9, "ten", None])
async def test_score_out_of_range_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
    admin: Actor,
    alice: Actor,
    assignment: dict[str, Any],
    clock: SetClock,
    score: Any,
) -> None:
    sub = (await submit(client, assignment, alice)).json()
    reply = await client.post(f"/submissions/{sub['id']}/grade", json={"score": score}, headers=admin.headers)
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    stored = await raw_document(Submission, {"_id": ObjectId(sub["id"])})
    assert stored["status"] == "submitted"
    assert stored["grades"] == []


async def test_grade_with_unknown_fields_is_422(
    client: httpx.AsyncClient, admin: Actor, alice: Actor, assignment: dict[str, Any], clock: SetClock
) -> None:
    sub = (await submit(client, assignment, alice)).json()
    reply = await client.post(
        f"/submissions/{sub['id']}/grade", json={"score": 5, "graded_by": alice.id}, headers=admin.headers
    )
    assert reply.status_code == 422


async def test_students_cannot_grade_or_read_others(
    client: httpx.AsyncClient,
    admin: Actor,
    alice: Actor,
    bob: Actor,
    assignment: dict[str, Any],
    clock: SetClock,
) -> None:
    alices = (await submit(client, assignment, alice, "alice's")).json()
    bobs = (await submit(client, assignment, bob, "bob's")).json()
    assert (
        await client.post(f"/submissions/{alices['id']}/grade", json={"score": 10}, headers=alice.headers)
    ).status_code == 403
    assert (
        await client.post(f"/submissions/{bobs['id']}/grade", json={"score": 10}, headers=alice.headers)
    ).status_code == 403
    assert (await client.get(f"/submissions/{bobs['id']}", headers=alice.headers)).status_code == 404
    assert (await client.get(f"/submissions/{ObjectId()}", headers=alice.headers)).status_code == 404
    assert (await client.get("/submissions/not-an-id", headers=alice.headers)).status_code == 422
    own = await client.get(f"/assignments/{assignment['id']}/submissions", headers=alice.headers)
    assert [s["id"] for s in own.json()["items"]] == [alices["id"]]
    everyone = await client.get(f"/assignments/{assignment['id']}/submissions", headers=admin.headers)
    assert {s["id"] for s in everyone.json()["items"]} == {alices["id"], bobs["id"]}
    stored = await Submission.get_pymongo_collection().find({}).to_list()
    assert all(s["status"] == "submitted" for s in stored)


async def test_admin_lists_with_filters_and_pages(
    client: httpx.AsyncClient,
    admin: Actor,
    alice: Actor,
    bob: Actor,
    assignment: dict[str, Any],
    make_student: MakeStudent,
    course: dict[str, Any],
    clock: SetClock,
) -> None:
    carol = await make_student()
    await enroll(client, course, carol)
    on_time = (await submit(client, assignment, alice)).json()
    await client.post(f"/submissions/{on_time['id']}/grade", json={"score": 3}, headers=admin.headers)
    clock(DUE + timedelta(hours=1))
    late_ones = [(await submit(client, assignment, who)).json()["id"] for who in (bob, carol)]
    base = f"/assignments/{assignment['id']}/submissions"

    async def ids(**params: Any) -> set[str]:
        reply = await client.get(base, params=params, headers=admin.headers)
        assert reply.status_code == 200, reply.text
        return {s["id"] for s in reply.json()["items"]}

    assert await ids(status="graded") == {on_time["id"]}
    assert await ids(status="submitted") == set(late_ones)
    assert await ids(late="true") == set(late_ones)
    assert await ids(late="false") == {on_time["id"]}
    first, second = await ids(limit=2, offset=0), await ids(limit=2, offset=2)
    assert len(first) == 2 and len(second) == 1 and first | second == {on_time["id"], *late_ones}
    page = (await client.get(base, params={"limit": 2}, headers=admin.headers)).json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    assert (await client.get(base, params={"status": "lost"}, headers=admin.headers)).status_code == 422
    assert (await client.get(base, params={"limit": 101}, headers=admin.headers)).status_code == 422


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "links",
    [
        ["http://127.0.0.1/admin"],
        ["http://169.254.169.254/latest/meta-data/"],
        ["http://10.1.2.3/"],
        ["http://192.168.0.1/"],
        ["http://localhost:8000/"],
        ["http://[::1]/"],
        ["http://2130706433/"],
        ["ftp://example.org/file"],
        ["javascript:alert(1)"],
        ["not a url"],
        [f"https://example.org/{i}" for i in range(11)],
    ],
)
async def test_unsafe_or_too_many_links_are_422(
    client: httpx.AsyncClient, alice: Actor, assignment: dict[str, Any], clock: SetClock, links: list[str]
) -> None:
    reply = await submit(client, assignment, alice, links=links)
    assert reply.status_code == 422, reply.text
    assert reply.json()["errors"][0]["loc"][:2] == ["body", "links"]
    assert await stored_submissions() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"content": "x" * 100_001},
        {"content": ""},
        {"content": {"$ne": ""}},
        {"content": "ok", "late": False},
        {"content": "ok", "attempts": []},
        {"content": "ok", "links": "https://example.org"},
    ],
)
async def test_bad_submission_bodies_are_422(
    client: httpx.AsyncClient, alice: Actor, assignment: dict[str, Any], clock: SetClock, body: dict[str, Any]
) -> None:
    reply = await client.post(
        f"/assignments/{assignment['id']}/submissions", json=body, headers=alice.headers
    )
    assert reply.status_code == 422
    assert await stored_submissions() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"title": "", "max_score": 10},
        {"title": "x" * 201, "max_score": 10},
        {"title": "t", "max_score": 0},
        {"title": "t", "max_score": -5},
        {"title": "t", "due_at": "2030-06-01T12:00:00"},  # no timezone
        {"title": "t", "status": "archived"},
        {"title": "t", "course_id": str(ObjectId())},
    ],
)
async def test_bad_assignment_bodies_are_422(
    client: httpx.AsyncClient, admin: Actor, course: dict[str, Any], body: dict[str, Any]
) -> None:
    reply = await client.post(f"/courses/{course['id']}/assignments", json=body, headers=admin.headers)
    assert reply.status_code == 422
    assert await Assignment.get_pymongo_collection().count_documents({}) == 0


async def test_validators_and_indexes_for_analysts(app: FastAPI) -> None:
    db = app.state.db
    with pytest.raises(WriteError):
        await db.submissions.insert_one({"assignment_id": "x"})
    with pytest.raises(WriteError):
        await db.assignments.insert_one({"course_id": ObjectId(), "title": "t", "max_score": -1})
    indexes = await db.submissions.index_information()
    assert indexes["assignment_user_unique"]["unique"]


async def test_attempts_view_has_one_row_per_attempt(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: Actor,
    alice: Actor,
    bob: Actor,
    assignment: dict[str, Any],
    clock: SetClock,
) -> None:
    first = (await submit(client, assignment, alice, "a1")).json()
    await client.post(f"/submissions/{first['id']}/grade", json={"score": 4}, headers=admin.headers)
    clock(DUE + timedelta(minutes=5))
    await submit(client, assignment, alice, "a2")
    await submit(client, assignment, bob, "b1")
    rows = (
        await app.state.db.submission_attempts.find({}, {"submission_id": 0})
        .sort([("user_id", 1), ("n", 1)])
        .to_list()
    )
    expected = sorted(
        [
            (ObjectId(alice.id), 1, False, 4.0),
            (ObjectId(alice.id), 2, True, None),
            (ObjectId(bob.id), 1, True, None),
        ]
    )
    assert sorted((r["user_id"], r["n"], r["late"], r["score"]) for r in rows) == expected
    assert all(r["course_id"] == ObjectId(assignment["course_id"]) for r in rows)
    assert all(r["assignment_id"] == ObjectId(assignment["id"]) for r in rows)
    assert all(isinstance(r["submitted_at"], datetime) for r in rows)
    info = await app.state.db.list_collections(filter={"name": "submission_attempts"})
    (view,) = await info.to_list()
    assert (view["type"], view["info"]["readOnly"], view["options"]["viewOn"]) == (
        "view",
        True,
        "submissions",
    )

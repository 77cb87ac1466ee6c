"""The admin console's API: dashboard figures, the grading queue across courses, and user search."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oms.clock import utcnow


async def _enroll(client: httpx.AsyncClient, course: dict[str, Any], who: Any) -> dict[str, Any]:
    reply = await client.post(f"/courses/{course['id']}/enrollments", headers=who.headers)
    assert reply.status_code == 201, reply.text
    enrollment: dict[str, Any] = reply.json()
    return enrollment


async def _finish(
    client: httpx.AsyncClient, course: dict[str, Any], enrollment: dict[str, Any], who: Any
) -> None:
    for section in course["sections"]:
        reply = await client.post(
            f"/enrollments/{enrollment['id']}/progress",
            json={"section_id": section["section_id"], "completed": True},
            headers=who.headers,
        )
        assert reply.status_code == 200, reply.text


async def test_activity_counts_enrollments_and_completions_per_day(
    client: httpx.AsyncClient, admin: Any, make_student: Any, make_course: Any
) -> None:
    course = await make_course(sections=2)
    alice, bob = await make_student(), await make_student()
    first = await _enroll(client, course, alice)
    await _enroll(client, course, bob)
    await _finish(client, course, first, alice)

    reply = await client.get("/admin/dashboard/activity", params={"days": 7}, headers=admin.headers)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["days"] == 7
    assert len(body["points"]) == 7
    assert [p["day"] for p in body["points"]] == sorted(p["day"] for p in body["points"])
    today = body["points"][-1]
    assert today["day"] == utcnow().date().isoformat()
    assert (today["enrollments"], today["completions"]) == (2, 1)
    assert all(p["enrollments"] == 0 and p["completions"] == 0 for p in body["points"][:-1])


async def test_course_figures_give_completion_rates(
    client: httpx.AsyncClient, admin: Any, make_student: Any, make_course: Any
) -> None:
    busy, quiet = await make_course(sections=1), await make_course(sections=1)
    students = [await make_student() for _ in range(4)]
    enrollments = [await _enroll(client, busy, s) for s in students]
    await _enroll(client, quiet, students[0])
    await _finish(client, busy, enrollments[0], students[0])
    drop = await client.delete(f"/enrollments/{enrollments[1]['id']}", headers=students[1].headers)
    assert drop.status_code == 200

    reply = await client.get("/admin/dashboard/courses", headers=admin.headers)
    assert reply.status_code == 200, reply.text
    items = reply.json()["items"]
    assert [i["course_id"] for i in items] == [busy["id"], quiet["id"]]
    top = items[0]
    assert (top["enrollments"], top["active"], top["completed"], top["dropped"]) == (4, 2, 1, 1)
    assert top["completion_rate"] == 0.25
    assert top["mean_progress"] == 25.0
    assert top["name"] == busy["name"] and top["slug"] == busy["slug"]

    by_rate = await client.get(
        "/admin/dashboard/courses", params={"order": "completion_rate", "limit": 1}, headers=admin.headers
    )
    assert [i["course_id"] for i in by_rate.json()["items"]] == [busy["id"]]


@pytest.mark.redis
async def test_dashboard_figures_are_cached_for_a_minute(
    app: FastAPI, client: httpx.AsyncClient, admin: Any, make_student: Any, make_course: Any
) -> None:
    course = await make_course(sections=1)
    await _enroll(client, course, await make_student())
    first = await client.get("/admin/dashboard/courses", headers=admin.headers)
    await _enroll(client, course, await make_student())
    again = await client.get("/admin/dashboard/courses", headers=admin.headers)
    assert again.content == first.content  # served from Redis, not aggregated again
    await app.state.redis.flushdb()
    fresh = await client.get("/admin/dashboard/courses", headers=admin.headers)
    assert fresh.json()["items"][0]["enrollments"] == 2


async def test_dashboard_is_for_admins_and_checks_its_parameters(
    client: httpx.AsyncClient, admin: Any, student: Any
) -> None:
    for path in ("/admin/dashboard/activity", "/admin/dashboard/courses", "/admin/submissions"):
        assert (await client.get(path)).status_code == 401
        assert (await client.get(path, headers=student.headers)).status_code == 403
    for path, params in (
        ("/admin/dashboard/activity", {"days": 0}),
        ("/admin/dashboard/activity", {"days": 10_000}),
        ("/admin/dashboard/courses", {"order": "$where"}),
        ("/admin/submissions", {"course_id": "not-an-id"}),
    ):
        reply = await client.get(path, params=params, headers=admin.headers)
        assert reply.status_code == 422, (path, params)
        assert reply.headers["content-type"] == "application/problem+json"


async def test_grading_queue_spans_courses_with_ungraded_work_first(
    app: FastAPI, client: httpx.AsyncClient, admin: Any, make_student: Any, make_course: Any
) -> None:
    algebra, essays = await make_course(name="Algebra"), await make_course(name="Essays")
    alice, bob = await make_student(), await make_student()
    for course in (algebra, essays):
        await _enroll(client, course, alice)
        await _enroll(client, course, bob)
    due = (utcnow() + timedelta(days=3)).isoformat()
    work = {}
    for course in (algebra, essays):
        body = {
            "title": f"{course['name']} homework",
            "instructions": "Do it.",
            "due_at": due,
            "max_score": 10,
        }
        reply = await client.post(f"/courses/{course['id']}/assignments", json=body, headers=admin.headers)
        assert reply.status_code == 201, reply.text
        work[course["name"]] = reply.json()
    subs = {}
    for name, who in (("Algebra", alice), ("Essays", bob), ("Algebra", bob)):
        reply = await client.post(
            f"/assignments/{work[name]['id']}/submissions", json={"content": "done"}, headers=who.headers
        )
        assert reply.status_code == 201, reply.text
        subs[(name, who.username)] = reply.json()
    graded = subs[("Algebra", alice.username)]
    grade = await client.post(
        f"/submissions/{graded['id']}/grade", json={"score": 8, "feedback": "ok"}, headers=admin.headers
    )
    assert grade.status_code == 200, grade.text

    reply = await client.get("/admin/submissions", headers=admin.headers)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["total"] == 3
    rows = body["items"]
    assert [r["submission"]["status"] for r in rows] == ["submitted", "submitted", "graded"]
    assert rows[0]["submission"]["id"] == subs[("Essays", bob.username)]["id"]  # waiting longest
    assert rows[0]["assignment_title"] == "Essays homework" and rows[0]["course_name"] == "Essays"
    assert rows[0]["username"] == bob.username and rows[0]["max_score"] == 10
    assert rows[2]["submission"]["score"] == 8

    only_algebra = await client.get(
        "/admin/submissions",
        params={"course_id": algebra["id"], "status": "submitted"},
        headers=admin.headers,
    )
    assert [r["submission"]["id"] for r in only_algebra.json()["items"]] == [
        subs[("Algebra", bob.username)]["id"]
    ]


async def test_users_are_searched_by_name_and_email_literally(
    client: httpx.AsyncClient, admin: Any, make_student: Any
) -> None:
    await make_student("mei.lin")
    await make_student("meiling2")
    await make_student("zhang.wei")
    found = await client.get("/users", params={"q": "MEI"}, headers=admin.headers)
    assert found.status_code == 200, found.text
    assert sorted(u["username"] for u in found.json()["items"]) == ["mei.lin", "meiling2"]
    assert found.json()["total"] == 2
    assert (await client.get("/users", params={"q": ".*"}, headers=admin.headers)).json()["total"] == 0
    assert (await client.get("/users", params={"q": "x" * 65}, headers=admin.headers)).status_code == 422


async def test_people_are_paged_oldest_first_without_gaps_or_repeats(
    client: httpx.AsyncClient, admin: Any, make_student: Any
) -> None:
    made = [(await make_student()).id for _ in range(7)]
    seen: list[str] = []
    for offset in range(0, 8, 3):
        reply = await client.get(
            "/users", params={"role": "student", "limit": 3, "offset": offset}, headers=admin.headers
        )
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert (body["total"], body["limit"], body["offset"]) == (7, 3, offset)
        seen += [u["id"] for u in body["items"]]
    assert seen == made
    beyond = await client.get("/users", params={"offset": 50}, headers=admin.headers)
    assert beyond.json()["items"] == [] and beyond.json()["total"] == 8
    for params in ({"limit": 101}, {"limit": 0}, {"offset": -1}):
        assert (await client.get("/users", params=params, headers=admin.headers)).status_code == 422


async def test_the_grading_queue_is_paged_in_its_order(
    client: httpx.AsyncClient, admin: Any, make_student: Any, make_course: Any
) -> None:
    course = await make_course(name="Paging")
    reply = await client.post(
        f"/courses/{course['id']}/assignments",
        json={"title": "Essay", "instructions": "Write.", "max_score": 10},
        headers=admin.headers,
    )
    assert reply.status_code == 201, reply.text
    assignment = reply.json()
    handed_in = []
    for _ in range(5):
        who = await make_student()
        await _enroll(client, course, who)
        reply = await client.post(
            f"/assignments/{assignment['id']}/submissions", json={"content": "mine"}, headers=who.headers
        )
        assert reply.status_code == 201, reply.text
        handed_in.append(reply.json()["id"])
    graded = handed_in[0]
    reply = await client.post(f"/submissions/{graded}/grade", json={"score": 5}, headers=admin.headers)
    assert reply.status_code == 200, reply.text
    whole = await client.get("/admin/submissions", headers=admin.headers)
    order = [r["submission"]["id"] for r in whole.json()["items"]]
    assert order == [*handed_in[1:], graded]  # waiting ones first, oldest first
    paged: list[str] = []
    for offset in (0, 2, 4):
        body = (
            await client.get(
                "/admin/submissions", params={"limit": 2, "offset": offset}, headers=admin.headers
            )
        ).json()
        assert body["total"] == 5 and body["offset"] == offset
        paged += [r["submission"]["id"] for r in body["items"]]
    assert paged == order

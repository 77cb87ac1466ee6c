"""The audit trail: every admin action that changed something, traced via the API and in MongoDB."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pymongo
import pytest
from beanie import PydanticObjectId
from bson import ObjectId
from fastapi import FastAPI
from pymongo.errors import AutoReconnect

from oms.documents import AuditEntry
from oms.documents.user import Role
from oms.services import audit
from oms.services.accounts.auth import create_user
from tests.support.api import PASSWORD, Actor, bearer, login
from tests.support.assignments import create_assignment, submit
from tests.support.documents import raw_document
from tests.support.factories import MakeApp, MakeCourse


async def entries(client: httpx.AsyncClient, admin: Actor, **params: Any) -> list[dict[str, Any]]:
    reply = await client.get("/admin/audit", params=params, headers=admin.headers)
    assert reply.status_code == 200, reply.text
    items: list[dict[str, Any]] = reply.json()["items"]
    return items


async def test_course_and_section_actions_are_traced(
    client: httpx.AsyncClient, admin: Actor, make_course: MakeCourse
) -> None:
    course = await make_course(sections=2)
    cid = course["id"]
    renamed = await client.patch(
        f"/courses/{cid}", json={"name": "Traced"}, headers={**admin.headers, "X-Request-ID": "trace-me-1"}
    )
    assert renamed.status_code == 200
    sid = course["sections"][0]["section_id"]
    await client.post(f"/courses/{cid}/sections", json={"title": "New part"}, headers=admin.headers)
    await client.patch(f"/courses/{cid}/sections/{sid}", json={"body": "new text"}, headers=admin.headers)
    order = [
        s["section_id"]
        for s in reversed((await client.get(f"/courses/{cid}", headers=admin.headers)).json()["sections"])
    ]
    await client.put(f"/courses/{cid}/sections/order", json={"section_ids": order}, headers=admin.headers)
    await client.delete(f"/courses/{cid}/sections/{sid}", headers=admin.headers)
    await client.delete(f"/courses/{cid}", headers=admin.headers)

    trail = await entries(client, admin, target_id=cid)
    assert [e["action"] for e in reversed(trail)] == [
        "course.create",
        "course.update",
        "section.add",
        "section.update",
        "section.reorder",
        "section.remove",
        "course.archive",
    ]
    update = next(e for e in trail if e["action"] == "course.update")
    assert update["diff"] == {"name": [course["name"], "Traced"]}
    assert update["actor_id"] == admin.id
    assert update["request_id"] == "trace-me-1"
    assert update["client_address"]
    assert update["status"] == "done"
    assert next(e for e in trail if e["action"] == "course.archive")["diff"] == {
        "status": ["published", "archived"]
    }
    edited = next(e for e in trail if e["action"] == "section.update")
    before, after = edited["diff"]["sections"]
    assert before[0]["body_sha256"] != after[0]["body_sha256"]

    stored = await raw_document(AuditEntry, {"request_id": "trace-me-1"})
    assert stored["actor_id"] == ObjectId(admin.id)
    assert isinstance(stored["at"], datetime)


async def test_user_grading_and_assignment_actions_are_traced(
    client: httpx.AsyncClient, admin: Actor, student: Actor, make_course: MakeCourse
) -> None:
    course = await make_course()
    await client.post(f"/courses/{course['id']}/enrollments", headers=student.headers)
    assignment = await create_assignment(client, admin, course)
    sub = (await submit(client, assignment, student, "work")).json()
    await client.post(
        f"/submissions/{sub['id']}/grade", json={"score": 8, "feedback": "ok"}, headers=admin.headers
    )
    await client.patch(f"/users/{student.id}", json={"disabled": True}, headers=admin.headers)
    await client.delete(f"/assignments/{assignment['id']}", headers=admin.headers)

    grade = (await entries(client, admin, action="submission.grade"))[0]
    assert grade["target_id"] == sub["id"]
    assert grade["diff"]["score"] == [None, 8.0]
    assert grade["diff"]["status"] == ["submitted", "graded"]
    user = (await entries(client, admin, target="users"))[0]
    assert user["diff"] == {"disabled": [False, True]}
    deleted = (await entries(client, admin, action="assignment.delete"))[0]
    assert deleted["diff"]["deleted"] is False  # it had a submission: archived
    assert deleted["diff"]["status"] == ["active", "archived"]
    assert [e["action"] for e in await entries(client, admin, target="assignments")] == [
        "assignment.delete",
        "assignment.create",
    ]


async def test_refused_or_empty_actions_leave_no_entry(
    client: httpx.AsyncClient, admin: Actor, student: Actor, make_course: MakeCourse
) -> None:
    course = await make_course()
    before = await AuditEntry.get_pymongo_collection().count_documents({})
    cid = course["id"]
    assert (
        await client.patch(f"/courses/{cid}", json={"name": ""}, headers=admin.headers)
    ).status_code == 422
    stale = {**admin.headers, "If-Match": '"stale"'}
    assert (await client.patch(f"/courses/{cid}", json={"name": "X"}, headers=stale)).status_code == 412
    assert (
        await client.patch(f"/courses/{cid}", json={"name": "X"}, headers=student.headers)
    ).status_code == 403
    assert (
        await client.patch(f"/courses/{cid}", json={"name": course["name"]}, headers=admin.headers)
    ).status_code == 200
    missing = f"/courses/{cid}/sections/{ObjectId()}"
    assert (await client.delete(missing, headers=admin.headers)).status_code == 404
    assert (
        await client.patch(f"/users/{admin.id}", json={"role": "student"}, headers=admin.headers)
    ).status_code == 409
    assert await AuditEntry.get_pymongo_collection().count_documents({}) == before


async def test_no_audit_no_action(
    client: httpx.AsyncClient, admin: Actor, make_course: MakeCourse, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = await make_course()

    async def unavailable(*_: Any, **__: Any) -> None:
        raise AutoReconnect("audit store unreachable")

    monkeypatch.setattr(AuditEntry, "insert", unavailable)
    reply = await client.patch(f"/courses/{course['id']}", json={"name": "Sneaky"}, headers=admin.headers)
    assert reply.status_code == 503
    assert reply.headers["content-type"] == "application/problem+json"
    assert (await client.get(f"/courses/{course['id']}")).json()["name"] == course["name"]


async def test_an_action_that_used_up_the_deadline_still_gets_its_entry_completed(
    app: FastAPI, admin: Actor
) -> None:
    """The action is done but the request's database deadline is spent, so the entry cannot be completed in
    the request: it is completed right after, outside that deadline, and not left pending with no diff."""
    actor = audit.Actor(user_id=PydanticObjectId(admin.id), request_id="r-deadline", address=None)
    with pymongo.timeout(0.3):
        async with audit.audited(actor, "course.update", "courses", "c1", {"name": "Before"}) as outcome:
            await asyncio.sleep(0.4)  # the action's own work outlasted the deadline
            outcome.after = {"name": "After"}
    for _ in range(100):
        entry = await AuditEntry.get_pymongo_collection().find_one({"request_id": "r-deadline"})
        if entry is not None and entry["status"] == "done":
            break
        await asyncio.sleep(0.05)
    assert entry is not None and entry["status"] == "done"
    assert entry["diff"] == {"name": ["Before", "After"]}


async def test_search_filters_pages_and_is_admin_only(
    client: httpx.AsyncClient, admin: Actor, student: Actor, make_course: MakeCourse
) -> None:
    for _ in range(3):
        await make_course()
    assert len(await entries(client, admin, action="course.create")) == 3
    assert len(await entries(client, admin, actor=admin.id, limit=2)) == 2
    assert await entries(client, admin, actor=str(ObjectId())) == []
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await entries(client, admin, since=future) == []
    assert len(await entries(client, admin, until=future)) == 3
    page = (await client.get("/admin/audit", params={"limit": 1, "offset": 1}, headers=admin.headers)).json()
    assert (page["total"], len(page["items"])) == (3, 1)
    assert (await client.get("/admin/audit", headers=student.headers)).status_code == 403
    assert (
        await client.get("/admin/audit", params={"actor": "nope"}, headers=admin.headers)
    ).status_code == 422
    assert (
        await client.get("/admin/audit", params={"since": "yesterday"}, headers=admin.headers)
    ).status_code == 422


async def test_entries_expire_by_ttl_index(app: FastAPI, make_app: MakeApp) -> None:
    index = (await app.state.db.audit.index_information())["at_ttl"]
    assert index["expireAfterSeconds"] == 365 * 86_400
    await make_app(audit_retention_days=30)
    assert (await app.state.db.audit.index_information())["at_ttl"]["expireAfterSeconds"] == 30 * 86_400


async def test_imports_are_traced_and_dry_runs_are_not(client: httpx.AsyncClient, admin: Actor) -> None:
    items = [{"slug": "imported-one", "name": "Imported one", "sections": [{"title": "A"}]}]
    dry = await client.post(
        "/admin/courses/import", params={"dry_run": "true"}, json=items, headers=admin.headers
    )
    assert dry.status_code == 200
    assert await entries(client, admin, action="course.import") == []
    real = await client.post("/admin/courses/import", json=items, headers=admin.headers)
    assert real.status_code == 200 and real.json()["created"] == 1
    again = await client.post("/admin/courses/import", json=items, headers=admin.headers)
    assert again.json()["unchanged"] == 1
    (entry,) = await entries(client, admin, action="course.import")  # the unchanged re-import left none
    assert entry["diff"]["created"] == 1 and entry["diff"]["slugs"] == ["imported-one"]


async def test_an_import_where_every_item_fails_is_422(client: httpx.AsyncClient, admin: Actor) -> None:
    reply = await client.post(
        "/admin/courses/import", json=[True, {"name": "no slug"}], headers=admin.headers
    )
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["failed"] == 2


async def test_entries_are_found_by_the_actors_email_or_name(
    app: FastAPI, client: httpx.AsyncClient, admin: Actor, make_course: MakeCourse
) -> None:
    grace = await create_user(
        app.state.hasher,
        username="grace.h",
        password=PASSWORD,
        role=Role.admin,
        email="grace@example.org",
        display_name="Grace Hopper",
    )
    grace_headers = bearer((await login(client, "grace.h"))["access_token"])
    await make_course()  # by the fixture's admin
    reply = await client.post("/courses", json={"name": "Compilers"}, headers=grace_headers)
    assert reply.status_code == 201, reply.text

    def actors(items: list[dict[str, Any]]) -> list[str]:
        return [e["actor_id"] for e in items]

    for text in ("grace@example.org", "GRACE@example.org", "gra", "Grace H", "grace.h"):
        found = await entries(client, admin, actor_q=text)
        assert actors(found) == [str(grace.id)], text
        assert found[0]["actor_username"] == "grace.h"
        assert found[0]["actor_display_name"] == "Grace Hopper"
        assert found[0]["actor_email"] == "grace@example.org"
    assert actors(await entries(client, admin, actor_q=admin.username)) == [admin.id]
    for text in ("hopper", "nobody@example.org", ".*", "^g"):  # a prefix, matched literally
        assert await entries(client, admin, actor_q=text) == [], text
    # the id form still works, and both together must hold
    assert actors(await entries(client, admin, actor=str(grace.id))) == [str(grace.id)]
    assert await entries(client, admin, actor=admin.id, actor_q="grace") == []
    assert actors(await entries(client, admin, actor=admin.id, actor_q=admin.username)) == [admin.id]
    for bad in ("", "x" * 255):
        reply = await client.get("/admin/audit", params={"actor_q": bad}, headers=admin.headers)
        assert reply.status_code == 422, bad
        assert reply.headers["content-type"] == "application/problem+json"

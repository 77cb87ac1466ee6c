"""Sections: add, edit, remove, reorder; stable ids, dense `order`, ETags, and enrollments kept in step."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from bson import ObjectId

from oms.documents import Course, Enrollment
from oms.services import courses as course_service
from oms.services import sections as section_service
from tests.support.api import Actor, problem
from tests.support.documents import raw_document
from tests.support.factories import MakeCourse


async def stored(course_id: str) -> dict[str, Any]:
    """The raw course document."""
    return await raw_document(Course, {"_id": ObjectId(course_id)})


async def stored_sections(course_id: str) -> list[dict[str, Any]]:
    """The stored sections with ids as strings, in array order."""
    return [{**s, "section_id": str(s["section_id"])} for s in (await stored(course_id))["sections"]]


def ids(sections: list[dict[str, Any]]) -> list[str]:
    return [s["section_id"] for s in sections]


def assert_dense(sections: list[dict[str, Any]]) -> None:
    """`order` is 0..n-1 and matches the array position."""
    assert [s["order"] for s in sections] == list(range(len(sections)))


def url(course: dict[str, Any], tail: str = "") -> str:
    return f"/courses/{course['id']}/sections{tail}"


# --- add -----------------------------------------------------------------------------------------------


async def test_add_section_appends(client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor) -> None:
    course = await make_course(sections=2)
    reply = await client.post(
        url(course), json={"title": "Extra", "body": "more", "duration_minutes": 7}, headers=admin.headers
    )
    assert reply.status_code == 201, reply.text
    section = reply.json()
    assert section["title"] == "Extra"
    assert section["body"] == "more"
    assert section["duration_minutes"] == 7
    assert section["order"] == 2
    assert ObjectId.is_valid(section["section_id"])
    assert section["section_id"] not in ids(course["sections"])
    assert reply.headers["etag"] == f'"{course["id"]}-2"'

    sections = await stored_sections(course["id"])
    assert ids(sections) == [*ids(course["sections"]), section["section_id"]]
    assert_dense(sections)
    assert isinstance((await stored(course["id"]))["sections"][2]["section_id"], ObjectId)
    assert (await stored(course["id"]))["version"] == 2

    read = (await client.get(f"/courses/{course['id']}")).json()
    assert read["sections"][-1] == section
    assert read["section_count"] == 3
    assert read["total_minutes"] == 27


async def test_add_section_defaults(client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor) -> None:
    course = await make_course(sections=0)
    reply = await client.post(url(course), json={"title": "Only"}, headers=admin.headers)
    assert reply.status_code == 201, reply.text
    assert reply.json()["body"] == ""
    assert reply.json()["duration_minutes"] == 0
    assert reply.json()["order"] == 0


@pytest.mark.parametrize(("position", "index"), [(0, 0), (1, 1), (3, 3), (50, 3), (200, 3)])
async def test_add_section_at_position(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, position: int, index: int
) -> None:
    course = await make_course(sections=3)
    reply = await client.post(url(course), json={"title": "New", "position": position}, headers=admin.headers)
    assert reply.status_code == 201, reply.text
    new_id = reply.json()["section_id"]
    assert reply.json()["order"] == index
    expected = ids(course["sections"])
    expected.insert(index, new_id)
    sections = await stored_sections(course["id"])
    assert ids(sections) == expected
    assert_dense(sections)


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"body": "no title"},
        {"title": "t" * 201},
        {"title": "ok", "body": "b" * 100_001},
        {"title": "ok", "duration_minutes": -1},
        {"title": "ok", "duration_minutes": 10_001},
        {"title": "ok", "position": -1},
        {"title": "ok", "position": 201},
        {"title": "ok", "section_id": str(ObjectId())},
        {"title": "ok", "order": 1},
        {"title": "ok", "bogus": True},
    ],
    ids=str,
)
async def test_add_invalid_section_is_422(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, body: dict[str, Any]
) -> None:
    course = await make_course(sections=1)
    before = await stored(course["id"])
    problem(await client.post(url(course), json=body, headers=admin.headers), 422)
    assert await stored(course["id"]) == before


async def test_at_most_200_sections(client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor) -> None:
    course = await make_course(sections=200)
    before = await stored(course["id"])
    problem(await client.post(url(course), json={"title": "One too many"}, headers=admin.headers), 422)
    assert await stored(course["id"]) == before
    assert len(before["sections"]) == 200


# --- edit ----------------------------------------------------------------------------------------------


async def test_patch_edits_only_the_fields_sent(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course(sections=3)
    target = course["sections"][1]
    reply = await client.patch(
        url(course, f"/{target['section_id']}"), json={"title": "Renamed"}, headers=admin.headers
    )
    assert reply.status_code == 200, reply.text
    assert reply.json() == {**target, "title": "Renamed"}
    assert reply.headers["etag"] == f'"{course["id"]}-2"'

    reply = await client.patch(
        url(course, f"/{target['section_id']}"),
        json={"body": "new body", "duration_minutes": 42},
        headers=admin.headers,
    )
    assert reply.status_code == 200, reply.text
    assert reply.json() == {**target, "title": "Renamed", "body": "new body", "duration_minutes": 42}

    sections = await stored_sections(course["id"])
    assert ids(sections) == ids(course["sections"])
    assert sections[1]["title"] == "Renamed"
    assert sections[1]["body"] == "new body"
    assert sections[1]["duration_minutes"] == 42
    assert sections[0] == {**course["sections"][0]}
    assert sections[2] == {**course["sections"][2]}
    assert (await stored(course["id"]))["version"] == 3


@pytest.mark.parametrize(
    "body",
    [
        {"title": None},
        {"title": ""},
        {"body": None},
        {"duration_minutes": None},
        {"duration_minutes": -5},
        {"body": "b" * 100_001},
        {"order": 0},
        {"section_id": str(ObjectId())},
        {"position": 0},
        {"bogus": 1},
    ],
    ids=str,
)
async def test_patch_invalid_section_is_422(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, body: dict[str, Any]
) -> None:
    course = await make_course(sections=2)
    before = await stored(course["id"])
    sid = course["sections"][0]["section_id"]
    problem(await client.patch(url(course, f"/{sid}"), json=body, headers=admin.headers), 422)
    assert await stored(course["id"]) == before


# --- remove --------------------------------------------------------------------------------------------


async def test_delete_removes_and_renumbers(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course(sections=4)
    doomed = course["sections"][1]["section_id"]
    reply = await client.delete(url(course, f"/{doomed}"), headers=admin.headers)
    assert reply.status_code == 204
    assert reply.content == b""

    sections = await stored_sections(course["id"])
    assert ids(sections) == [i for i in ids(course["sections"]) if i != doomed]
    assert_dense(sections)
    assert (await stored(course["id"]))["version"] == 2
    read = (await client.get(f"/courses/{course['id']}")).json()
    assert ids(read["sections"]) == ids(sections)
    assert [s["order"] for s in read["sections"]] == [0, 1, 2]

    problem(await client.delete(url(course, f"/{doomed}"), headers=admin.headers), 404)
    for sid in ids(sections):
        assert (await client.delete(url(course, f"/{sid}"), headers=admin.headers)).status_code == 204
    assert (await stored(course["id"]))["sections"] == []


# --- reorder -------------------------------------------------------------------------------------------


async def test_reorder_with_a_permutation(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course(sections=4)
    original = ids(course["sections"])
    new_order = [original[2], original[0], original[3], original[1]]
    reply = await client.put(url(course, "/order"), json={"section_ids": new_order}, headers=admin.headers)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert ids(body["sections"]) == new_order
    assert_dense(body["sections"])
    assert body["version"] == 2
    assert reply.headers["etag"] == f'"{course["id"]}-2"'
    by_id = {s["section_id"]: s for s in course["sections"]}
    for section in body["sections"]:  # everything but the order travels with the id
        assert {**section, "order": 0} == {**by_id[section["section_id"]], "order": 0}

    sections = await stored_sections(course["id"])
    assert ids(sections) == new_order
    assert_dense(sections)


@pytest.mark.parametrize("kind", ["missing", "duplicate-in-place", "duplicate-extra", "unknown", "empty"])
async def test_reorder_must_be_a_permutation(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, kind: str
) -> None:
    course = await make_course(sections=3)
    a, b, c = ids(course["sections"])
    section_ids = {
        "missing": [a, b],
        "duplicate-in-place": [a, a, c],
        "duplicate-extra": [a, b, c, a],
        "unknown": [a, b, str(ObjectId())],
        "empty": [],
    }[kind]
    before = await stored(course["id"])
    reply = await client.put(url(course, "/order"), json={"section_ids": section_ids}, headers=admin.headers)
    body = problem(reply, 422)
    assert body["errors"][0]["loc"] == ["body", "section_ids"]
    assert await stored(course["id"]) == before


@pytest.mark.parametrize(
    "body", [{"section_ids": ["nope"]}, {"section_ids": "x"}, {}, {"section_ids": [], "extra": 1}], ids=str
)
async def test_reorder_malformed_is_422(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, body: dict[str, Any]
) -> None:
    course = await make_course(sections=2)
    before = await stored(course["id"])
    problem(await client.put(url(course, "/order"), json=body, headers=admin.headers), 422)
    assert await stored(course["id"]) == before


async def test_section_ids_survive_edits_and_reorders(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course(sections=3)
    titles = {s["section_id"]: s["title"] for s in course["sections"]}
    a, b, c = ids(course["sections"])
    added = (await client.post(url(course), json={"title": "D", "position": 1}, headers=admin.headers)).json()
    titles[added["section_id"]] = "D"
    assert (
        await client.patch(url(course, f"/{b}"), json={"body": "edited"}, headers=admin.headers)
    ).status_code == 200
    order = [c, added["section_id"], a, b]
    assert (
        await client.put(url(course, "/order"), json={"section_ids": order}, headers=admin.headers)
    ).status_code == 200
    assert (await client.delete(url(course, f"/{a}"), headers=admin.headers)).status_code == 204

    final = (await client.get(f"/courses/{course['id']}", headers=admin.headers)).json()
    assert ids(final["sections"]) == [c, added["section_id"], b]
    assert {s["section_id"]: s["title"] for s in final["sections"]} == {
        k: titles[k] for k in (c, added["section_id"], b)
    }
    assert [s["body"] for s in final["sections"] if s["section_id"] == b] == ["edited"]
    assert_dense(final["sections"])
    assert final["version"] == 5


# --- not found, bad ids, auth --------------------------------------------------------------------------


async def test_unknown_section_is_404(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course(sections=2)
    before = await stored(course["id"])
    missing = str(ObjectId())
    problem(await client.patch(url(course, f"/{missing}"), json={"title": "x"}, headers=admin.headers), 404)
    problem(await client.delete(url(course, f"/{missing}"), headers=admin.headers), 404)
    assert await stored(course["id"]) == before


async def test_section_of_another_course_is_404(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course(sections=1)
    other = await make_course(sections=1)
    foreign = other["sections"][0]["section_id"]
    problem(await client.patch(url(course, f"/{foreign}"), json={"title": "x"}, headers=admin.headers), 404)
    problem(await client.delete(url(course, f"/{foreign}"), headers=admin.headers), 404)
    assert len((await stored(other["id"]))["sections"]) == 1


async def test_invalid_section_id_is_422(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course(sections=1)
    for bad in ("not-an-id", "123", "g" * 24):
        body = problem(
            await client.patch(url(course, f"/{bad}"), json={"title": "x"}, headers=admin.headers), 422
        )
        assert body["errors"][0]["loc"] == ["path", "section_id"]
        problem(await client.delete(url(course, f"/{bad}"), headers=admin.headers), 422)
    assert (await stored(course["id"]))["version"] == 1


async def test_unknown_course_is_404(client: httpx.AsyncClient, admin: Actor) -> None:
    course = {"id": str(ObjectId())}
    problem(await client.post(url(course), json={"title": "x"}, headers=admin.headers), 404)
    problem(
        await client.patch(url(course, f"/{ObjectId()}"), json={"title": "x"}, headers=admin.headers), 404
    )
    problem(await client.delete(url(course, f"/{ObjectId()}"), headers=admin.headers), 404)
    problem(await client.put(url(course, "/order"), json={"section_ids": []}, headers=admin.headers), 404)


async def test_sections_of_unpublished_course_are_editable_by_admin(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course(sections=0, status="draft")
    by_slug = {"id": course["slug"]}
    reply = await client.post(url(by_slug), json={"title": "Draft part"}, headers=admin.headers)
    assert reply.status_code == 201, reply.text
    assert ids(await stored_sections(course["id"])) == [reply.json()["section_id"]]


async def test_students_and_anonymous_may_not_edit_sections(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course(sections=2)
    before = await stored(course["id"])
    sid = course["sections"][0]["section_id"]
    order = {"section_ids": list(reversed(ids(course["sections"])))}
    for headers, status in ((student.headers, 403), ({}, 401)):
        problem(await client.post(url(course), json={"title": "x"}, headers=headers), status)
        problem(await client.patch(url(course, f"/{sid}"), json={"title": "x"}, headers=headers), status)
        problem(await client.delete(url(course, f"/{sid}"), headers=headers), status)
        problem(await client.put(url(course, "/order"), json=order, headers=headers), status)
    assert await stored(course["id"]) == before


# --- If-Match ------------------------------------------------------------------------------------------


async def test_stale_if_match_is_412_on_every_section_route(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course(sections=2)
    stale = {**admin.headers, "If-Match": f'"{course["id"]}-1"'}
    changed = await client.patch(f"/courses/{course['id']}", json={"name": "Changed"}, headers=admin.headers)
    current = {**admin.headers, "If-Match": changed.headers["etag"]}
    before = await stored(course["id"])
    a, b = ids(course["sections"])

    problem(await client.post(url(course), json={"title": "x"}, headers=stale), 412)
    problem(await client.patch(url(course, f"/{a}"), json={"title": "x"}, headers=stale), 412)
    problem(await client.delete(url(course, f"/{a}"), headers=stale), 412)
    problem(await client.put(url(course, "/order"), json={"section_ids": [b, a]}, headers=stale), 412)
    assert await stored(course["id"]) == before

    edited = await client.patch(url(course, f"/{a}"), json={"title": "x"}, headers=current)
    assert edited.status_code == 200, edited.text
    current = {**admin.headers, "If-Match": edited.headers["etag"]}
    added = await client.post(url(course), json={"title": "y"}, headers=current)
    assert added.status_code == 201, added.text
    current = {**admin.headers, "If-Match": added.headers["etag"]}
    c = added.json()["section_id"]
    reordered = await client.put(url(course, "/order"), json={"section_ids": [c, b, a]}, headers=current)
    assert reordered.status_code == 200, reordered.text
    current = {**admin.headers, "If-Match": reordered.headers["etag"]}
    removed = await client.delete(url(course, f"/{b}"), headers=current)
    assert removed.status_code == 204
    raw = await stored(course["id"])
    assert [str(s["section_id"]) for s in raw["sections"]] == [c, a]
    assert raw["version"] == 6
    # the old ETag of every step is now stale
    problem(await client.delete(url(course, f"/{a}"), headers=current), 412)


async def test_concurrent_adds_without_if_match_all_land(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course(sections=0)
    replies = await asyncio.gather(
        *(client.post(url(course), json={"title": f"S{i}"}, headers=admin.headers) for i in range(10))
    )
    assert [r.status_code for r in replies] == [201] * 10, [r.text for r in replies if r.status_code != 201]
    sections = await stored_sections(course["id"])
    assert sorted(s["title"] for s in sections) == sorted(f"S{i}" for i in range(10))
    assert sorted(ids(sections)) == sorted(r.json()["section_id"] for r in replies)
    assert_dense(sections)
    assert (await stored(course["id"]))["version"] == 11


async def test_concurrent_edits_and_removals_all_land(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course(sections=12)
    section_ids = ids(course["sections"])
    edit, remove = section_ids[:6], section_ids[6:]
    replies = await asyncio.gather(
        *(
            client.patch(url(course, f"/{sid}"), json={"title": f"E{sid}"}, headers=admin.headers)
            for sid in edit
        ),
        *(client.delete(url(course, f"/{sid}"), headers=admin.headers) for sid in remove),
    )
    assert [r.status_code for r in replies] == [200] * 6 + [204] * 6, [r.text for r in replies]
    sections = await stored_sections(course["id"])
    assert ids(sections) == edit
    assert [s["title"] for s in sections] == [f"E{sid}" for sid in edit]
    assert_dense(sections)
    assert (await stored(course["id"]))["version"] == 13


async def test_reorder_racing_an_add_never_drops_a_section(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course(sections=3)
    order = list(reversed(ids(course["sections"])))
    added, reordered = await asyncio.gather(
        client.post(url(course), json={"title": "Late"}, headers=admin.headers),
        client.put(url(course, "/order"), json={"section_ids": order}, headers=admin.headers),
    )
    assert added.status_code == 201
    # the reorder either applied before the add, or was refused because it no longer names every section
    assert reordered.status_code in (200, 422), reordered.text
    sections = await stored_sections(course["id"])
    assert set(ids(sections)) == {*order, added.json()["section_id"]}
    assert_dense(sections)


async def test_section_titles_are_stored_literally(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course(sections=1)
    sid = course["sections"][0]["section_id"]
    tricky = {"title": "$sections", "body": "$$ROOT {$literal: 1}"}
    added = await client.post(url(course), json=tricky, headers=admin.headers)
    assert added.status_code == 201, added.text
    edited = await client.patch(url(course, f"/{sid}"), json={"title": "$version"}, headers=admin.headers)
    assert edited.status_code == 200, edited.text
    sections = await stored_sections(course["id"])
    assert [(s["title"], s["body"]) for s in sections] == [
        ("$version", "text"),
        ("$sections", tricky["body"]),
    ]


# --- enrollments follow the sections -------------------------------------------------------------------


async def enroll_and_complete(
    client: httpx.AsyncClient, course: dict[str, Any], student: Actor, *section_ids: str
) -> dict[str, Any]:
    enrolled = await client.post(f"/courses/{course['id']}/enrollments", headers=student.headers)
    assert enrolled.status_code == 201, enrolled.text
    enrollment: dict[str, Any] = enrolled.json()
    for sid in section_ids:
        reply = await client.post(
            f"/enrollments/{enrollment['id']}/progress",
            json={"section_id": sid, "completed": True},
            headers=student.headers,
        )
        assert reply.status_code == 200, reply.text
        enrollment = reply.json()
    return enrollment


async def stored_enrollment(enrollment_id: str) -> dict[str, Any]:
    return await raw_document(Enrollment, {"_id": ObjectId(enrollment_id)})


async def test_removing_the_undone_section_completes_the_enrollment(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, student: Actor
) -> None:
    course = await make_course(sections=2)
    done, undone = ids(course["sections"])
    enrollment = await enroll_and_complete(client, course, student, done)
    assert enrollment["progress"] == 50.0
    assert enrollment["status"] == "active"

    assert (await client.delete(url(course, f"/{undone}"), headers=admin.headers)).status_code == 204
    raw = await stored_enrollment(enrollment["id"])
    assert raw["progress"] == 100.0
    assert raw["status"] == "completed"
    assert raw["completed_at"] is not None
    assert [e["event"] for e in raw["history"]] == ["enrolled", "section_completed"]  # history stays
    seen = (await client.get(f"/enrollments/{enrollment['id']}", headers=student.headers)).json()
    assert seen["progress"] == 100.0
    assert seen["status"] == "completed"
    assert seen["completed_at"] is not None

    # a new section makes the course unfinished again
    added = await client.post(url(course), json={"title": "Bonus"}, headers=admin.headers)
    assert added.status_code == 201
    raw = await stored_enrollment(enrollment["id"])
    assert raw["progress"] == 50.0
    assert raw["status"] == "active"
    assert raw["completed_at"] is None


async def test_removing_a_done_section_lowers_progress(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, student: Actor
) -> None:
    course = await make_course(sections=4)
    a, b, c, _ = ids(course["sections"])
    enrollment = await enroll_and_complete(client, course, student, a, b, c)
    assert enrollment["progress"] == 75.0
    assert (await client.delete(url(course, f"/{a}"), headers=admin.headers)).status_code == 204
    raw = await stored_enrollment(enrollment["id"])
    assert raw["progress"] == pytest.approx(200 / 3, abs=0.001)
    assert raw["status"] == "active"
    # the next mark counts only sections that still exist
    reply = await client.post(
        f"/enrollments/{enrollment['id']}/progress",
        json={"section_id": b, "completed": False},
        headers=student.headers,
    )
    assert reply.json()["progress"] == pytest.approx(100 / 3, abs=0.001)


async def test_section_changes_leave_dropped_enrollments_alone(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, student: Actor
) -> None:
    course = await make_course(sections=2)
    done, undone = ids(course["sections"])
    enrollment = await enroll_and_complete(client, course, student, done)
    assert (
        await client.delete(f"/enrollments/{enrollment['id']}", headers=student.headers)
    ).status_code == 200
    assert (await client.delete(url(course, f"/{undone}"), headers=admin.headers)).status_code == 204
    raw = await stored_enrollment(enrollment["id"])
    assert raw["status"] == "dropped"
    assert raw["progress"] == 50.0
    assert raw["completed_at"] is None


async def test_reorder_and_edit_keep_progress(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, student: Actor
) -> None:
    course = await make_course(sections=2)
    a, b = ids(course["sections"])
    enrollment = await enroll_and_complete(client, course, student, a)
    assert (
        await client.put(url(course, "/order"), json={"section_ids": [b, a]}, headers=admin.headers)
    ).status_code == 200
    assert (
        await client.patch(url(course, f"/{a}"), json={"title": "New"}, headers=admin.headers)
    ).status_code == 200
    raw = await stored_enrollment(enrollment["id"])
    assert raw["progress"] == 50.0
    assert [str(s) for s in raw["completed_sections"]] == [a]


async def test_recount_after_a_removal_converges_on_the_current_sections(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, student: Actor
) -> None:
    # two removals racing: the first one's recount, computed from its older snapshot, may run last
    course = await make_course(sections=3)
    a, b, c = ids(course["sections"])
    enrollment = await enroll_and_complete(client, course, student, a)
    older = await course_service.find_course(course["id"], include_unpublished=True)
    assert (await client.delete(url(course, f"/{b}"), headers=admin.headers)).status_code == 204
    assert (await client.delete(url(course, f"/{c}"), headers=admin.headers)).status_code == 204
    await section_service.recompute(older)
    raw = await stored_enrollment(enrollment["id"])
    assert raw["progress"] == 100.0
    assert raw["status"] == "completed"

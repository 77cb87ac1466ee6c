"""POST /admin/courses/import: formats, upserts, idempotency, stable section ids, bad input, limits."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oms.clock import utcnow
from oms.documents import Course
from oms.documents.user import Role
from oms.services.accounts.auth import create_user
from oms.services.imports import importer as course_import
from oms.services.imports import plan as import_plan
from oms.services.imports.reader import Format, ItemReader
from tests.support.api import PASSWORD, Actor, login
from tests.support.course_files import IMPORT, NDJSON, course_item, ndjson, post_import
from tests.support.documents import raw_document
from tests.support.factories import MakeApp


async def stored(slug: str) -> dict[str, Any]:
    return await raw_document(Course, {"slug": slug})


async def test_ndjson_import_creates_courses_the_api_serves(client: httpx.AsyncClient, admin: Actor) -> None:
    reply = await post_import(client, admin, ndjson(course_item("alpha"), course_item("beta", sections=0)))
    assert reply.status_code == 200, reply.text
    report = reply.json()
    assert (report["created"], report["updated"], report["unchanged"], report["failed"]) == (2, 0, 0, 0)
    assert [(i["index"], i["line"], i["slug"], i["status"]) for i in report["items"]] == [
        (0, 1, "alpha", "created"),
        (1, 2, "beta", "created"),
    ]
    raw = await stored("alpha")
    assert raw["version"] == 1 and raw["created_by"] is not None and raw["created_at"] == raw["updated_at"]
    assert [(s["title"], s["order"], s["duration_minutes"]) for s in raw["sections"]] == [
        ("Part 1", 0, 10),
        ("Part 2", 1, 11),
        ("Part 3", 2, 12),
    ]
    page = await client.get("/courses/alpha")
    assert page.status_code == 200
    assert page.json()["total_minutes"] == 33 and page.json()["tags"] == ["python", "data"]


async def test_reimporting_the_same_file_writes_nothing(client: httpx.AsyncClient, admin: Actor) -> None:
    body = ndjson(*(course_item(f"c{i}") for i in range(5)))
    assert (await post_import(client, admin, body)).json()["created"] == 5
    before = {raw["slug"]: raw async for raw in Course.get_pymongo_collection().find({})}
    again = (await post_import(client, admin, body)).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 5)
    assert {i["status"] for i in again["items"]} == {"unchanged"}
    after = {raw["slug"]: raw async for raw in Course.get_pymongo_collection().find({})}
    assert after == before  # same versions, same updated_at, same section ids


async def test_a_small_import_into_a_larger_catalogue(
    client: httpx.AsyncClient, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few items against many courses: the stored courses are looked up by slug, not scanned."""
    await post_import(client, admin, ndjson(*(course_item(f"big-{i}") for i in range(14))))

    async def no_scan() -> None:
        raise AssertionError("a 3-item import should not scan 14 courses")

    monkeypatch.setattr(course_import, "all_heads", no_scan)
    body = ndjson(course_item("big-3"), course_item("big-5", name="Renamed"), course_item("small-new"))
    report = (await post_import(client, admin, body)).json()
    assert [i["status"] for i in report["items"]] == ["unchanged", "updated", "created"]
    assert (await stored("big-5"))["name"] == "Renamed"


async def test_api_edits_are_noticed_by_the_next_import(client: httpx.AsyncClient, admin: Actor) -> None:
    body = ndjson(course_item("edited"), course_item("restored"))
    await post_import(client, admin, body)
    await client.patch("/courses/edited", json={"name": "Changed in the API"}, headers=admin.headers)
    await client.patch("/courses/restored", json={"name": "Briefly changed"}, headers=admin.headers)
    await client.patch("/courses/restored", json={"name": "Course restored"}, headers=admin.headers)
    report = (await post_import(client, admin, body)).json()
    assert [i["status"] for i in report["items"]] == ["updated", "unchanged"]
    edited, restored = await stored("edited"), await stored("restored")
    assert (edited["name"], edited["version"]) == ("Course edited", 3)
    assert restored["version"] == 3  # the two API edits; the import wrote nothing
    again = (await post_import(client, admin, body)).json()
    assert [i["status"] for i in again["items"]] == ["unchanged", "unchanged"]
    assert (await stored("edited"))["version"] == 3


async def test_normalised_content_counts_as_unchanged(client: httpx.AsyncClient, admin: Actor) -> None:
    await post_import(client, admin, ndjson(course_item("norm")))
    same = course_item(
        "NORM", name="  Course norm ", description="About norm ", tags=["Python", "data", "python"]
    )
    again = (await post_import(client, admin, ndjson(same))).json()
    assert again["unchanged"] == 1, again


async def test_edits_keep_section_ids_and_students_progress(
    client: httpx.AsyncClient, admin: Actor, student: Actor
) -> None:
    await post_import(client, admin, ndjson(course_item("keep")))
    course = (await client.get("/courses/keep")).json()
    ids = [s["section_id"] for s in course["sections"]]
    enrollment = (await client.post(f"/courses/{course['id']}/enrollments", headers=student.headers)).json()
    done = await client.post(
        f"/enrollments/{enrollment['id']}/progress",
        json={"section_id": ids[1], "completed": True},
        headers=student.headers,
    )
    assert done.status_code == 200, done.text
    edited = course_item("keep", description="New words")
    edited["sections"].reverse()  # reordered, matched by title
    edited["sections"][0]["body"] = "Rewritten"
    edited["sections"][1] |= {"title": "Part two, renamed", "section_id": ids[1]}  # renamed, pinned by id
    report = (await post_import(client, admin, ndjson(edited))).json()
    assert report["updated"] == 1, report
    raw = await stored("keep")
    assert [str(s["section_id"]) for s in raw["sections"]] == [ids[2], ids[1], ids[0]]
    assert raw["sections"][1]["title"] == "Part two, renamed" and raw["version"] == 2
    assert raw["updated_at"] > raw["created_at"]
    mine = (await client.get(f"/enrollments/{enrollment['id']}", headers=student.headers)).json()
    assert mine["completed_sections"] == [ids[1]] and mine["progress"] == pytest.approx(100 / 3, abs=0.01)


async def test_removing_sections_recounts_progress(
    client: httpx.AsyncClient, admin: Actor, student: Actor
) -> None:
    await post_import(client, admin, ndjson(course_item("shrink", sections=2)))
    course = (await client.get("/courses/shrink")).json()
    enrollment = (await client.post(f"/courses/{course['id']}/enrollments", headers=student.headers)).json()
    await client.post(
        f"/enrollments/{enrollment['id']}/progress",
        json={"section_id": course["sections"][0]["section_id"], "completed": True},
        headers=student.headers,
    )
    report = (await post_import(client, admin, ndjson(course_item("shrink", sections=1)))).json()
    assert report["updated"] == 1
    mine = (await client.get(f"/enrollments/{enrollment['id']}", headers=student.headers)).json()
    assert (mine["progress"], mine["status"]) == (100.0, "completed")


async def test_imports_invalidate_cached_pages(client: httpx.AsyncClient, admin: Actor) -> None:
    await post_import(client, admin, ndjson(course_item("cached")))
    for _ in range(2):  # the second read is served from Redis
        assert (await client.get("/courses/cached")).json()["description"] == "About cached"
    listed = await client.get("/courses")
    assert listed.json()["total"] == 1
    await post_import(
        client, admin, ndjson(course_item("cached", description="Changed"), course_item("other"))
    )
    assert (await client.get("/courses/cached")).json()["description"] == "Changed"
    assert (await client.get("/courses")).json()["total"] == 2


async def test_json_array_and_multipart_uploads(client: httpx.AsyncClient, admin: Actor) -> None:
    text = json.dumps([course_item("arr-1"), course_item("arr-2")], indent=2)
    reply = await post_import(client, admin, text.encode(), {"Content-Type": "application/json"})
    assert reply.json()["created"] == 2, reply.text
    second = text[: text.index('"arr-2"')].rindex("{")
    assert [i["line"] for i in reply.json()["items"]] == [2, text.count("\n", 0, second) + 1]
    single = json.dumps(course_item("one-object"), indent=2).encode()  # one pretty-printed course
    assert (await post_import(client, admin, single, {"Content-Type": "application/json"})).json()[
        "created"
    ] == 1
    for name, content, media in (
        ("courses.ndjson", ndjson(course_item("up-1")), "application/octet-stream"),
        ("courses.json", json.dumps([course_item("up-2")]).encode(), "application/json"),
    ):
        upload = await client.post(IMPORT, files={"file": (name, content, media)}, headers=admin.headers)
        assert upload.status_code == 200, upload.text
        assert upload.json()["created"] == 1
    assert await Course.get_pymongo_collection().count_documents({}) == 5


async def test_mode_create_refuses_existing_slugs(client: httpx.AsyncClient, admin: Actor) -> None:
    await post_import(client, admin, ndjson(course_item("taken")))
    report = (
        await post_import(client, admin, ndjson(course_item("taken"), course_item("free")), mode="create")
    ).json()
    assert (report["created"], report["failed"]) == (1, 1)
    assert report["items"][0]["errors"] == [
        {
            "loc": ["slug"],
            "msg": "a course with this slug already exists (mode=create)",
            "type": "slug_exists",
            "ctx": None,
        }
    ]


async def test_dry_run_reports_and_writes_nothing(client: httpx.AsyncClient, admin: Actor) -> None:
    await post_import(client, admin, ndjson(course_item("exists")))
    body = ndjson(course_item("exists", name="Renamed"), course_item("new"), {"slug": "bad"})
    report = (await post_import(client, admin, body, dry_run="true")).json()
    assert report["dry_run"] is True
    assert [i["status"] for i in report["items"]] == ["updated", "created", "failed"]
    assert (await stored("exists"))["name"] == "Course exists"
    assert await Course.get_pymongo_collection().count_documents({}) == 1


async def test_atomic_import_with_a_bad_item_writes_nothing(client: httpx.AsyncClient, admin: Actor) -> None:
    body = ndjson(
        course_item("ok-1"),
        course_item("ok-2", sections=1) | {"sections": [{"title": ""}]},
        course_item("ok-3"),
    )
    reply = await post_import(client, admin, body, atomic="true")
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["title"] == "Import refused" and problem["refused"] is True
    assert (problem["failed"], problem["skipped"], problem["created"]) == (1, 2, 0)
    assert [i["status"] for i in problem["items"]] == ["skipped", "failed", "skipped"]
    assert problem["errors"] == [
        {
            "loc": ["body", 1, "sections", 0, "title"],
            "msg": "String should have at least 1 character",
            "type": "string_too_short",
            "ctx": {"min_length": 1},
        }
    ]
    assert await Course.get_pymongo_collection().count_documents({}) == 0
    good = await post_import(client, admin, ndjson(course_item("ok-1"), course_item("ok-3")), atomic="true")
    assert good.status_code == 200 and good.json()["created"] == 2


async def test_bad_items_get_clear_errors_and_good_ones_are_written(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    lines = [
        json.dumps(course_item("good-1")),
        '{"slug": "broken", "name": ',
        json.dumps([course_item("nested")]),
        json.dumps({"name": "No slug", "sections": [{"body": "no title"}]}),
        json.dumps(course_item("good-1", name="Again")),
        json.dumps(course_item("long", name="x" * 201, tags=["t" * 41])),
        json.dumps(course_item("dollar") | {"$where": "1"}),
        json.dumps(course_item("dotted", sections=1) | {"sections": [{"title": "t", "a.b": 1}]}),
        json.dumps(course_item("wrong", status="live") | {"sections": {"title": "t"}}),
        json.dumps(course_item("wrong-sections", sections=1) | {"sections": [[{"title": "t"}]]}),
        "",
        json.dumps(course_item("good-2")),
    ]
    reply = await post_import(client, admin, "\n".join(lines).encode())
    assert reply.status_code == 200, reply.text
    report = reply.json()
    assert (report["created"], report["failed"]) == (2, 9)
    by_index = {i["index"]: i for i in report["items"]}
    assert [i["line"] for i in report["items"]] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]

    def errors(index: int) -> list[tuple[list[Any], str]]:
        return [(e["loc"], e["msg"]) for e in by_index[index]["errors"]]

    assert by_index[1]["slug"] is None and errors(1)[0][0] == []
    assert errors(1)[0][1].startswith("invalid JSON on line 2")
    assert errors(2) == [([], "an item must be an object (one course), not an array")]
    assert errors(3) == [(["slug"], "Field required"), (["sections", 0, "title"], "Field required")]
    assert errors(4) == [(["slug"], "duplicate slug in this file (first at item 0, line 1)")]
    assert {tuple(loc) for loc, _ in errors(5)} == {("name",), ("tags", 0)}
    assert errors(6) == [(["$where"], "keys may not start with '$' or contain '.'")]
    assert errors(7) == [(["sections", 0, "a.b"], "keys may not start with '$' or contain '.'")]
    assert errors(8) == [
        (["status"], "Input should be 'draft', 'published' or 'archived'"),
        (["sections"], "should be an array, not an object"),
    ]
    assert errors(9) == [(["sections", 0], "should be an object, not an array")]
    assert {i["slug"]: i["status"] for i in report["items"] if i["status"] != "failed"} == {
        "good-1": "created",
        "good-2": "created",
    }
    assert await Course.get_pymongo_collection().count_documents({}) == 2
    assert (await stored("good-1"))["name"] == "Course good-1"


async def test_item_errors_carry_type_and_ctx(client: httpx.AsyncClient, admin: Actor) -> None:
    lines = [
        '{"slug": "broken", "name": ',
        json.dumps(course_item("long", name="x" * 201)),
        json.dumps(course_item("Bad_Slug!")),
        json.dumps([1]),
        json.dumps(course_item("long")),
        json.dumps(course_item("long")),
    ]
    reply = await post_import(client, admin, "\n".join(lines).encode())
    assert reply.status_code == 200, reply.text
    errors = {i["index"]: i["errors"] for i in reply.json()["items"]}
    assert errors[0] == [
        {"loc": [], "msg": errors[0][0]["msg"], "type": "invalid_json", "ctx": {"line": 1, "column": 1}}
    ]
    assert errors[1] == [
        {
            "loc": ["name"],
            "msg": "String should have at most 200 characters",
            "type": "string_too_long",
            "ctx": {"max_length": 200},
        }
    ]
    [slug] = errors[2]
    assert (slug["type"], slug["ctx"]["pattern"]) == ("string_pattern_mismatch", "^[a-z0-9]+(?:-[a-z0-9]+)*$")
    assert "A-Z" not in slug["msg"] and "a-z" in slug["msg"]
    assert errors[3][0]["type"] == "not_an_object" and errors[3][0]["ctx"] == {"given": "an array"}
    assert errors[5] == [
        {
            "loc": ["slug"],
            "msg": "duplicate slug in this file (first at item 4, line 5)",
            "type": "duplicate_slug",
            "ctx": {"first_index": 4, "first_line": 5},
        }
    ]


async def test_refused_import_problem_errors_carry_type(client: httpx.AsyncClient, admin: Actor) -> None:
    reply = await post_import(client, admin, json.dumps(course_item("x", name="")).encode(), atomic="true")
    assert reply.status_code == 422
    [error] = reply.json()["errors"]
    assert (error["loc"], error["type"], error["ctx"]) == (
        ["body", 0, "name"],
        "string_too_short",
        {"min_length": 1},
    )


@pytest.mark.parametrize("headers", [None, {"Content-Type": "application/json"}])
async def test_a_json_array_sent_as_ndjson_is_read_as_one(
    client: httpx.AsyncClient, admin: Actor, headers: dict[str, str] | None
) -> None:
    body = json.dumps([course_item("arr-1"), course_item("arr-2")], indent=2).encode()
    reply = await post_import(client, admin, body, headers)
    assert reply.status_code == 200, reply.text
    assert reply.json()["created"] == 2


@pytest.mark.parametrize("body", [b"[]", b" [ \n ] \n"])
async def test_an_empty_array_says_so(client: httpx.AsyncClient, admin: Actor, body: bytes) -> None:
    reply = await post_import(client, admin, body, {"Content-Type": "application/json"})
    assert reply.status_code == 422
    assert reply.json()["title"] == "Empty import"
    assert "empty" in reply.json()["detail"] and "[]" in reply.json()["detail"]


async def test_invalid_utf8_line_says_so(client: httpx.AsyncClient, admin: Actor) -> None:
    good = json.dumps(course_item("fine")).encode()
    bad = b'{"slug": "bad", "name": "caf\xe9"}'
    reply = await post_import(client, admin, good + b"\n" + bad + b"\n")
    assert reply.status_code == 200, reply.text
    [error] = reply.json()["items"][1]["errors"]
    assert error["type"] == "invalid_utf8" and error["ctx"] == {"line": 2}
    assert "line 2 is not valid UTF-8 text" in error["msg"] and "surrogate" not in error["msg"]


@pytest.mark.parametrize("body", [b"", b"  \n\n "])
async def test_empty_body_is_422(client: httpx.AsyncClient, admin: Actor, body: bytes) -> None:
    reply = await post_import(client, admin, body)
    assert reply.status_code == 422
    assert reply.json()["title"] == "Empty import"


async def test_malformed_json_array_writes_nothing(client: httpx.AsyncClient, admin: Actor) -> None:
    text = json.dumps([course_item("first")], indent=2)[:-2] + ",\n  {oops}\n]"
    reply = await post_import(client, admin, text.encode(), {"Content-Type": "application/json"})
    assert reply.status_code == 422
    assert reply.json()["title"] == "Malformed JSON"
    assert f"line {text.count(chr(10))} column 4" in reply.json()["detail"]
    assert await Course.get_pymongo_collection().count_documents({}) == 0


async def test_only_admins_import(client: httpx.AsyncClient, student: Actor) -> None:
    body = ndjson(course_item("nope"))
    assert (await client.post(IMPORT, content=body, headers=NDJSON)).status_code == 401
    assert (await client.post(IMPORT, content=body, headers={**NDJSON, **student.headers})).status_code == 403
    assert await Course.get_pymongo_collection().count_documents({}) == 0


async def test_unsupported_media_type_is_415(client: httpx.AsyncClient, admin: Actor) -> None:
    reply = await post_import(client, admin, b"slug,name\na,b\n", {"Content-Type": "text/csv"})
    assert reply.status_code == 415


async def test_import_has_its_own_body_limit(make_app: MakeApp) -> None:
    app: FastAPI = await make_app(max_body_bytes=2048, import_max_bytes=16 * 1024)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/api/v1") as client:
        await create_user(app.state.hasher, username="bigadmin", password=PASSWORD, role=Role.admin)
        admin = Actor({"id": "", "username": "bigadmin"}, await login(client, "bigadmin"))
        body = ndjson(*(course_item(f"big-{i}") for i in range(10)))  # about 4 KB: over the global limit
        assert 2048 < len(body) < 16 * 1024
        assert (await post_import(client, admin, body)).json()["created"] == 10
        too_big = ndjson(*(course_item(f"huge-{i}") for i in range(60)))
        assert len(too_big) > 16 * 1024
        reply = await post_import(client, admin, too_big)
        assert reply.status_code == 413 and reply.headers["content-type"] == "application/problem+json"

        async def chunks() -> Any:  # no Content-Length: the limit is enforced while streaming
            for start in range(0, len(too_big), 4096):
                yield too_big[start : start + 4096]

        streamed = await client.post(IMPORT, content=chunks(), headers={**admin.headers, **NDJSON})
        assert streamed.status_code == 413
        assert await Course.get_pymongo_collection().count_documents({"slug": {"$regex": "^huge"}}) == 0
        elsewhere = await client.post(
            "/courses", json={"name": "x" * 150, "description": "y" * 3000}, headers=admin.headers
        )
        assert elsewhere.status_code == 413


async def test_a_course_changed_during_the_import_is_not_overwritten(app: FastAPI, admin: Actor) -> None:
    await course_import.import_courses(
        io.BytesIO(ndjson(course_item("racy"))), Format.ndjson, course_import.ImportOptions(), app.state.cache
    )
    (batch,) = ItemReader(io.BytesIO(ndjson(course_item("racy", name="Mine"))), Format.ndjson).batches()
    now = utcnow()
    steps = await import_plan.plan(batch, course_import.ImportOptions(), now)
    await Course.get_pymongo_collection().update_one(
        {"slug": "racy"}, {"$set": {"name": "Theirs"}, "$inc": {"version": 1}}
    )
    await course_import._write(steps, now, app.state.cache)
    assert steps[0].status == "failed"
    assert steps[0].item.errors == [
        {
            "loc": [],
            "msg": "the course changed during the import; import it again",
            "type": "changed_during_import",
        }
    ]
    assert (await stored("racy"))["name"] == "Theirs"

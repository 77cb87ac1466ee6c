"""GET /admin/courses/export (NDJSON, byte-stable round trips) and the import format's JSON Schema."""

from __future__ import annotations

import json
from typing import Any

import httpx

from oms.documents import Course
from tests.support.api import Actor
from tests.support.course_files import course_item, ndjson, post_import
from tests.support.factories import MakeCourse
from tests.support.paths import DOCS

EXPORT = "/admin/courses/export"
SCHEMA_FILE = DOCS / "course-import.schema.json"


def catalogue() -> list[dict[str, Any]]:
    return [
        course_item("zeta", status="draft", tags=["ops"]),
        course_item("alpha", content='Ünïcode — 中文 ✓\nline two\n\n"quoted" \\ back', sections=0),
        course_item("mid", status="archived", tags=["ml"]),
        course_item("beta", sections=5, description=""),
    ]


async def export(client: httpx.AsyncClient, admin: Actor, **params: Any) -> httpx.Response:
    reply = await client.get(EXPORT, params=params, headers=admin.headers)
    assert reply.status_code == 200, reply.text
    return reply


async def test_export_writes_every_course_in_the_import_format(
    client: httpx.AsyncClient, admin: Actor, make_course: MakeCourse
) -> None:
    await post_import(client, admin, ndjson(*catalogue()))
    await make_course(name="Made by hand", sections=1)
    reply = await export(client, admin)
    assert reply.headers["content-type"] == "application/x-ndjson"
    assert "attachment" in reply.headers["content-disposition"]
    lines = [json.loads(line) for line in reply.text.splitlines()]
    assert [c["slug"] for c in lines] == ["alpha", "beta", "made-by-hand", "mid", "zeta"]
    assert all(
        list(c) == ["slug", "name", "description", "content", "tags", "status", "sections"] for c in lines
    )
    beta = lines[1]
    assert [list(s) for s in beta["sections"]] == [["title", "body", "duration_minutes"]] * 5
    assert beta["sections"][4] == {"title": "Part 5", "body": "Text 5", "duration_minutes": 14}
    assert lines[0]["content"] == catalogue()[1]["content"]


async def test_export_filters_by_status_and_tag(client: httpx.AsyncClient, admin: Actor) -> None:
    await post_import(client, admin, ndjson(*catalogue()))

    async def slugs(**params: Any) -> list[str]:
        return [
            json.loads(line)["slug"] for line in (await export(client, admin, **params)).text.splitlines()
        ]

    assert await slugs(status="published") == ["alpha", "beta"]
    assert await slugs(status=["draft", "archived"]) == ["mid", "zeta"]
    assert await slugs(tag="ML") == ["mid"]
    assert await slugs(tag="data") == ["alpha", "beta"]
    assert await slugs(tag="python", status="draft") == []
    assert (await client.get(EXPORT, params={"status": "gone"}, headers=admin.headers)).status_code == 422


async def test_export_import_export_gives_the_same_bytes(client: httpx.AsyncClient, admin: Actor) -> None:
    await post_import(client, admin, ndjson(*catalogue()))
    for params in ({}, {"section_ids": "true"}):
        first = (await export(client, admin, **params)).content
        await Course.get_pymongo_collection().delete_many({})
        report = (await post_import(client, admin, first)).json()
        assert report["created"] == 4 and report["failed"] == 0
        assert (await export(client, admin, **params)).content == first
        assert (await post_import(client, admin, first)).json()["unchanged"] == 4


async def test_exported_section_ids_pin_sections_on_import(client: httpx.AsyncClient, admin: Actor) -> None:
    await post_import(client, admin, ndjson(course_item("pinned")))
    line = json.loads((await export(client, admin, section_ids="true")).text)
    ids = [s["section_id"] for s in line["sections"]]
    for section in line["sections"]:
        section["title"] += " (renamed)"
    assert (await post_import(client, admin, ndjson(line))).json()["updated"] == 1
    stored = await Course.get_pymongo_collection().find_one({"slug": "pinned"})
    assert stored is not None
    assert [str(s["section_id"]) for s in stored["sections"]] == ids


async def test_export_is_for_admins(client: httpx.AsyncClient, student: Actor) -> None:
    assert (await client.get(EXPORT)).status_code == 401
    assert (await client.get(EXPORT, headers=student.headers)).status_code == 403


async def test_schema_is_served_and_matches_the_committed_file(client: httpx.AsyncClient) -> None:
    reply = await client.get("/schemas/course-import.json")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/schema+json"
    committed = json.loads(SCHEMA_FILE.read_text())
    assert reply.json() == committed, "regenerate it: scripts/write-import-schema"
    assert committed["required"] == ["slug", "name"]
    assert committed["additionalProperties"] is False
    assert committed["properties"]["slug"]["pattern"] == "^[a-z0-9]+(?:-[a-z0-9]+)*$"
    assert committed["properties"]["sections"]["maxItems"] == 200


async def test_exported_lines_use_only_schema_fields(client: httpx.AsyncClient, admin: Actor) -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    section_schema = schema["$defs"]["SectionImport"]["properties"]
    await post_import(client, admin, ndjson(*catalogue()))
    for line in (await export(client, admin, section_ids="true")).text.splitlines():
        course = json.loads(line)
        assert set(course) <= set(schema["properties"])
        assert all(set(s) <= set(section_schema) for s in course["sections"])

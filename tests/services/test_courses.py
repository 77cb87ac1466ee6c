"""Courses: creation, slugs, reads by id or slug, visibility, the catalogue, ETags, partial updates, limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from bson import ObjectId
from pymongo.errors import WriteError

from oms.documents import Course, Enrollment
from oms.services.courses import slugify
from tests.support.api import Actor
from tests.support.documents import raw_document
from tests.support.factories import MakeCourse

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def problem(reply: httpx.Response, status: int) -> dict[str, Any]:
    """Assert an RFC 9457 problem reply with `status`; return its body."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = reply.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "request_id"} <= body.keys()
    assert body["request_id"] == reply.headers["x-request-id"]
    assert "Traceback" not in reply.text
    return body


async def stored(course_id: str) -> dict[str, Any]:
    """The raw course document as analysts see it."""
    return await raw_document(Course, {"_id": ObjectId(course_id)})


async def count_courses() -> int:
    return await Course.get_pymongo_collection().count_documents({})


async def create(client: httpx.AsyncClient, admin: Actor, **body: Any) -> httpx.Response:
    return await client.post("/courses", json=body, headers=admin.headers)


# --- create --------------------------------------------------------------------------------------------


async def test_admin_creates_course(client: httpx.AsyncClient, admin: Actor) -> None:
    body = {
        "name": "Intro to Python",
        "description": "Learn the basics",
        "content": "# Overview",
        "tags": ["Python", "beginner", "python"],
        "status": "published",
        "sections": [
            {"title": "Setup", "body": "install it", "duration_minutes": 5},
            {"title": "Variables", "body": "x = 1", "duration_minutes": 15},
        ],
    }
    reply = await client.post("/courses", json=body, headers=admin.headers)
    assert reply.status_code == 201, reply.text
    course = reply.json()
    assert reply.headers["location"] == f"/api/v1/courses/{course['id']}"
    assert reply.headers["etag"] == f'"{course["id"]}-1"'
    assert ObjectId.is_valid(course["id"])
    assert course["slug"] == "intro-to-python"
    assert course["name"] == "Intro to Python"
    assert course["description"] == "Learn the basics"
    assert course["content"] == "# Overview"
    assert course["tags"] == ["python", "beginner"]
    assert course["status"] == "published"
    assert course["version"] == 1
    assert course["created_by"] == admin.id
    assert course["section_count"] == 2
    assert course["total_minutes"] == 20
    assert ISO_Z.match(course["created_at"]) and ISO_Z.match(course["updated_at"])
    assert [s["title"] for s in course["sections"]] == ["Setup", "Variables"]
    assert [s["order"] for s in course["sections"]] == [0, 1]
    assert all(ObjectId.is_valid(s["section_id"]) for s in course["sections"])
    assert len({s["section_id"] for s in course["sections"]}) == 2

    raw = await stored(course["id"])
    assert raw["slug"] == "intro-to-python"
    assert raw["status"] == "published"
    assert raw["tags"] == ["python", "beginner"]
    assert raw["version"] == 1
    assert raw["created_by"] == ObjectId(admin.id)
    assert isinstance(raw["created_at"], datetime) and isinstance(raw["updated_at"], datetime)
    assert raw["created_at"].tzinfo is not None
    assert [type(s["section_id"]) for s in raw["sections"]] == [ObjectId, ObjectId]
    assert [str(s["section_id"]) for s in raw["sections"]] == [s["section_id"] for s in course["sections"]]
    assert [s["order"] for s in raw["sections"]] == [0, 1]

    again = await client.get(reply.headers["location"].removeprefix("/api/v1"))
    assert again.status_code == 200
    assert again.json() == course


async def test_create_defaults_to_draft_with_no_sections(client: httpx.AsyncClient, admin: Actor) -> None:
    reply = await create(client, admin, name="Bare")
    assert reply.status_code == 201, reply.text
    course = reply.json()
    assert course["status"] == "draft"
    assert course["sections"] == []
    assert course["tags"] == []
    assert course["section_count"] == 0


async def test_slug_is_derived_from_name_and_made_unique(client: httpx.AsyncClient, admin: Actor) -> None:
    slugs = []
    for _ in range(3):
        reply = await create(client, admin, name="Data Science: Part 1!")
        assert reply.status_code == 201, reply.text
        slugs.append(reply.json()["slug"])
    assert slugs == ["data-science-part-1", "data-science-part-1-2", "data-science-part-1-3"]
    assert sorted([d["slug"] async for d in Course.get_pymongo_collection().find({}, {"slug": 1})]) == sorted(
        slugs
    )


async def test_accented_name_gives_ascii_slug(client: httpx.AsyncClient, admin: Actor) -> None:
    reply = await create(client, admin, name="Café  Crème -- Déjà vu")
    assert reply.status_code == 201, reply.text
    assert reply.json()["slug"] == "cafe-creme-deja-vu"


async def test_given_slug_is_used_and_a_taken_one_is_409(client: httpx.AsyncClient, admin: Actor) -> None:
    first = await create(client, admin, name="Anything", slug="py-101")
    assert first.status_code == 201, first.text
    assert first.json()["slug"] == "py-101"

    taken = await create(client, admin, name="Other", slug="py-101")
    problem(taken, 409)
    assert taken.json()["code"] == "slug_taken"
    upper = await create(client, admin, name="Other", slug="PY-101")  # slugs are case-insensitive
    problem(upper, 409)
    assert await count_courses() == 1

    # a derived slug that collides with a given one gets a suffix instead
    derived = await create(client, admin, name="Py 101")
    assert derived.status_code == 201
    assert derived.json()["slug"] == "py-101-2"


@pytest.mark.parametrize("slug", ["has space", "-lead", "trail-", "a--b", "ünï", "x" * 121, ""])
async def test_invalid_slug_is_422(client: httpx.AsyncClient, admin: Actor, slug: str) -> None:
    problem(await create(client, admin, name="Bad slug", slug=slug), 422)
    assert await count_courses() == 0


async def test_chinese_only_name_gets_a_valid_unique_slug(client: httpx.AsyncClient, admin: Actor) -> None:
    first = await create(client, admin, name="机器学习入门", status="published")
    second = await create(client, admin, name="深度学习", status="published")
    assert first.status_code == 201, first.text
    assert second.status_code == 201, second.text
    a, b = first.json(), second.json()
    assert SLUG.match(a["slug"]) and SLUG.match(b["slug"])
    assert a["slug"] != b["slug"]
    assert a["name"] == "机器学习入门"
    by_slug = await client.get(f"/courses/{a['slug']}")
    assert by_slug.status_code == 200
    assert by_slug.json()["id"] == a["id"]
    assert by_slug.json()["name"] == "机器学习入门"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("高等数学", "gao-deng-shu-xue"),
        ("Ωmega café", "omega-cafe"),
        ("Python 入门（第2版）", "python-ru-men-di-2-ban"),
        ("Ελληνικά", "ellinika"),
        ("Straße Øresund", "strasse-oresund"),
        ("!!!", "course"),
    ],
)
def test_slugify_transliterates_other_scripts(name: str, slug: str) -> None:
    assert slugify(name) == slug


async def test_chinese_names_get_pinyin_slugs_made_unique(client: httpx.AsyncClient, admin: Actor) -> None:
    slugs = [(await create(client, admin, name="高等数学")).json()["slug"] for _ in range(2)]
    assert slugs == ["gao-deng-shu-xue", "gao-deng-shu-xue-2"]


# --- read ----------------------------------------------------------------------------------------------


async def test_get_by_id_and_by_slug(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course(sections=2, name="Rust Basics")
    by_id = await client.get(f"/courses/{course['id']}")
    by_slug = await client.get("/courses/rust-basics", headers=student.headers)
    by_upper_slug = await client.get("/courses/Rust-Basics")
    assert by_id.status_code == by_slug.status_code == by_upper_slug.status_code == 200
    assert by_id.json() == by_slug.json() == by_upper_slug.json() == course
    assert by_id.headers["etag"] == by_slug.headers["etag"] == f'"{course["id"]}-1"'
    assert [s["body"] for s in by_id.json()["sections"]] == ["text", "text"]


async def test_slug_that_looks_like_an_object_id_is_found(client: httpx.AsyncClient, admin: Actor) -> None:
    hexname = "deadbeef" * 3
    reply = await create(client, admin, name=hexname, status="published")
    assert reply.status_code == 201, reply.text
    assert reply.json()["slug"] == hexname
    by_slug = await client.get(f"/courses/{hexname}")
    assert by_slug.status_code == 200, by_slug.text
    assert by_slug.json()["id"] == reply.json()["id"]
    edited = await client.patch(f"/courses/{hexname.upper()}", json={"name": "Hex"}, headers=admin.headers)
    assert edited.status_code == 200, edited.text
    assert edited.json()["id"] == reply.json()["id"]


async def test_unknown_course_is_404(client: httpx.AsyncClient, admin: Actor) -> None:
    problem(await client.get(f"/courses/{ObjectId()}"), 404)
    problem(await client.get("/courses/no-such-course", headers=admin.headers), 404)
    problem(await client.patch(f"/courses/{ObjectId()}", json={"name": "x"}, headers=admin.headers), 404)
    problem(await client.delete("/courses/no-such-course", headers=admin.headers), 404)


# --- update --------------------------------------------------------------------------------------------


async def test_patch_changes_only_the_fields_sent(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course(sections=2, tags=["a", "b"], content="overview")
    old = datetime(2020, 1, 1, tzinfo=UTC)
    await Course.get_pymongo_collection().update_one(
        {"_id": ObjectId(course["id"])}, {"$set": {"updated_at": old}}
    )
    reply = await client.patch(
        f"/courses/{course['id']}",
        json={"description": "New text", "tags": ["C", "c"]},
        headers=admin.headers,
    )
    assert reply.status_code == 200, reply.text
    updated = reply.json()
    assert reply.headers["etag"] == f'"{course["id"]}-2"'
    assert updated["description"] == "New text"
    assert updated["tags"] == ["c"]
    assert updated["version"] == 2
    assert updated["updated_at"] > "2020-01-01T00:00:00.000Z"
    for field in ("name", "slug", "content", "status", "sections", "created_at", "created_by", "id"):
        assert updated[field] == course[field], field

    raw = await stored(course["id"])
    assert raw["description"] == "New text"
    assert raw["tags"] == ["c"]
    assert raw["version"] == 2
    assert raw["updated_at"] > old
    assert raw["name"] == course["name"]
    assert raw["content"] == "overview"
    assert [str(s["section_id"]) for s in raw["sections"]] == [s["section_id"] for s in course["sections"]]


async def test_patch_each_write_bumps_version(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course()
    for n, status in enumerate(["draft", "published", "archived"], start=2):
        reply = await client.patch(f"/courses/{course['id']}", json={"status": status}, headers=admin.headers)
        assert reply.status_code == 200, reply.text
        assert reply.json()["version"] == n
        assert reply.json()["status"] == status
    assert (await stored(course["id"]))["version"] == 4


async def test_patch_slug(client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor) -> None:
    course = await make_course()
    other = await make_course()
    reply = await client.patch(f"/courses/{course['id']}", json={"slug": "Fresh-Slug"}, headers=admin.headers)
    assert reply.status_code == 200, reply.text
    assert reply.json()["slug"] == "fresh-slug"
    assert (await client.get("/courses/fresh-slug")).json()["id"] == course["id"]

    taken = await client.patch(f"/courses/{other['id']}", json={"slug": "fresh-slug"}, headers=admin.headers)
    problem(taken, 409)
    raw = await stored(other["id"])
    assert raw["slug"] == other["slug"]
    assert raw["version"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"name": None},
        {"status": None},
        {"name": ""},
        {"name": "x" * 201},
        {"status": "bogus"},
        {"tags": ["t"] * 21},
        {"tags": ["x" * 41]},
        {"description": "d" * 5001},
        {"content": "c" * 100_001},
        {"sections": []},
        {"version": 9},
        {"nonsense": 1},
    ],
    ids=lambda b: next(iter(b)) + "-" + str(b[next(iter(b))])[:10],
)
async def test_patch_invalid_is_422_and_changes_nothing(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, body: dict[str, Any]
) -> None:
    course = await make_course()
    before = await stored(course["id"])
    problem(await client.patch(f"/courses/{course['id']}", json=body, headers=admin.headers), 422)
    assert await stored(course["id"]) == before


async def test_empty_patch_changes_nothing(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course()
    reply = await client.patch(f"/courses/{course['id']}", json={}, headers=admin.headers)
    assert reply.status_code == 200, reply.text
    assert reply.json() == course
    assert (await stored(course["id"]))["version"] == 1


# --- archive -------------------------------------------------------------------------------------------


async def test_delete_archives_and_keeps_enrollments(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, student: Actor
) -> None:
    course = await make_course(sections=2)
    enrolled = await client.post(f"/courses/{course['id']}/enrollments", headers=student.headers)
    assert enrolled.status_code == 201, enrolled.text

    reply = await client.delete(f"/courses/{course['id']}", headers=admin.headers)
    assert reply.status_code == 204
    assert reply.content == b""

    raw = await stored(course["id"])
    assert raw["status"] == "archived"
    assert raw["version"] == 2
    assert len(raw["sections"]) == 2
    assert (
        await Enrollment.get_pymongo_collection().count_documents({"course_id": ObjectId(course["id"])}) == 1
    )

    problem(await client.get(f"/courses/{course['id']}", headers=student.headers), 404)
    assert (await client.get(f"/courses/{course['id']}", headers=admin.headers)).json()[
        "status"
    ] == "archived"
    mine = await client.get(f"/enrollments/{enrolled.json()['id']}", headers=student.headers)
    assert mine.status_code == 200
    assert mine.json()["status"] == "active"
    listing = await client.get("/me/enrollments", headers=student.headers)
    assert listing.json()["total"] == 1
    assert listing.json()["items"][0]["course"]["status"] == "archived"


# --- visibility ----------------------------------------------------------------------------------------


async def test_students_and_anonymous_see_only_published(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor, student: Actor
) -> None:
    published = await make_course(status="published")
    draft = await make_course(status="draft")
    archived = await make_course(status="published")
    assert (await client.delete(f"/courses/{archived['id']}", headers=admin.headers)).status_code == 204

    for headers in ({}, student.headers):
        for hidden in (draft, archived):
            problem(await client.get(f"/courses/{hidden['id']}", headers=headers), 404)
            problem(await client.get(f"/courses/{hidden['slug']}", headers=headers), 404)
        assert (await client.get(f"/courses/{published['slug']}", headers=headers)).status_code == 200
        listing = await client.get("/courses", headers=headers)
        assert listing.status_code == 200
        assert [c["id"] for c in listing.json()["items"]] == [published["id"]]
        assert listing.json()["total"] == 1
        # asking for other statuses does not reveal them
        sneaky = await client.get("/courses", params={"status": "draft"}, headers=headers)
        assert [c["id"] for c in sneaky.json()["items"]] == [published["id"]]

    everything = await client.get("/courses", headers=admin.headers)
    assert {c["id"] for c in everything.json()["items"]} == {published["id"], draft["id"], archived["id"]}
    assert everything.json()["total"] == 3
    drafts = await client.get("/courses", params={"status": "draft"}, headers=admin.headers)
    assert [c["id"] for c in drafts.json()["items"]] == [draft["id"]]
    two = await client.get(
        "/courses", params=[("status", "draft"), ("status", "archived")], headers=admin.headers
    )
    assert {c["id"] for c in two.json()["items"]} == {draft["id"], archived["id"]}
    for hidden in (draft, archived):
        assert (await client.get(f"/courses/{hidden['id']}", headers=admin.headers)).status_code == 200
        assert (await client.get(f"/courses/{hidden['slug']}", headers=admin.headers)).status_code == 200
    problem(await client.get("/courses", params={"status": "bogus"}, headers=admin.headers), 422)


async def test_bad_token_on_public_read_is_401(client: httpx.AsyncClient, make_course: MakeCourse) -> None:
    course = await make_course()
    reply = await client.get(f"/courses/{course['id']}", headers={"Authorization": "Bearer nonsense"})
    problem(reply, 401)
    problem(await client.get("/courses", headers={"Authorization": "Bearer nonsense"}), 401)


# --- catalogue -----------------------------------------------------------------------------------------


async def test_catalogue_pagination(client: httpx.AsyncClient, make_course: MakeCourse) -> None:
    created = [await make_course(sections=2) for _ in range(5)]
    reply = await client.get("/courses", params={"limit": 2})
    assert reply.status_code == 200
    page = reply.json()
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 0
    assert len(page["items"]) == 2

    seen: list[str] = []
    for offset in (0, 2, 4):
        chunk = (await client.get("/courses", params={"limit": 2, "offset": offset})).json()
        assert chunk["total"] == 5 and chunk["offset"] == offset
        seen += [c["id"] for c in chunk["items"]]
    assert sorted(seen) == sorted(c["id"] for c in created)
    assert len(seen) == 5

    past = (await client.get("/courses", params={"offset": 10})).json()
    assert past["items"] == [] and past["total"] == 5
    default = (await client.get("/courses")).json()
    assert default["limit"] == 20 and len(default["items"]) == 5
    assert (await client.get("/courses", params={"limit": 100})).status_code == 200


@pytest.mark.parametrize(
    "params", [{"limit": 101}, {"limit": 0}, {"limit": -1}, {"offset": -1}, {"limit": "x"}]
)
async def test_catalogue_bad_paging_is_422(client: httpx.AsyncClient, params: dict[str, Any]) -> None:
    body = problem(await client.get("/courses", params=params), 422)
    assert body["errors"]
    assert body["errors"][0]["loc"][0] == "query"


async def test_catalogue_items_are_summaries(client: httpx.AsyncClient, make_course: MakeCourse) -> None:
    await make_course(sections=3, content="long overview")
    item = (await client.get("/courses")).json()["items"][0]
    assert "sections" not in item
    assert "content" not in item
    assert item["section_count"] == 3
    assert item["total_minutes"] == 30
    assert {"id", "slug", "name", "description", "tags", "status", "created_at", "updated_at"} <= item.keys()


async def test_catalogue_q_is_case_insensitive_on_name_and_description(
    client: httpx.AsyncClient, make_course: MakeCourse
) -> None:
    by_name = await make_course(name="Python Basics", description="start here")
    by_description = await make_course(name="Scripting", description="Learn PYTHON fast")
    await make_course(name="Rust", description="systems")
    reply = await client.get("/courses", params={"q": "pYtHoN"})
    assert reply.status_code == 200
    assert {c["id"] for c in reply.json()["items"]} == {by_name["id"], by_description["id"]}
    assert reply.json()["total"] == 2
    assert (await client.get("/courses", params={"q": "  rust  "})).json()["total"] == 1
    assert (await client.get("/courses", params={"q": "cobol"})).json()["total"] == 0


@pytest.mark.parametrize("q", [".*", "(", "[", "a+", "^", "$", "\\", "C++", "x|y", "(?i)", "{1}"])
async def test_catalogue_q_matches_regex_metacharacters_literally(
    client: httpx.AsyncClient, make_course: MakeCourse, q: str
) -> None:
    await make_course(name="Plain course", description="nothing special here")
    literal = await make_course(name=f"Odd {q} name", description="has it")
    reply = await client.get("/courses", params={"q": q})
    assert reply.status_code == 200, reply.text
    assert [c["id"] for c in reply.json()["items"]] == [literal["id"]]
    assert reply.json()["total"] == 1


async def test_catalogue_q_too_long_is_422(client: httpx.AsyncClient) -> None:
    problem(await client.get("/courses", params={"q": "x" * 101}), 422)


async def test_catalogue_tag_filter(client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor) -> None:
    web = await make_course(tags=["Python", "web"])
    data = await make_course(tags=["python", "data"])
    await make_course(tags=["rust"])
    await make_course(tags=["python"], status="draft")
    python = await client.get("/courses", params={"tag": "python"})
    assert {c["id"] for c in python.json()["items"]} == {web["id"], data["id"]}
    assert python.json()["total"] == 2
    assert [c["id"] for c in (await client.get("/courses", params={"tag": "WEB"})).json()["items"]] == [
        web["id"]
    ]
    assert (await client.get("/courses", params={"tag": "go"})).json()["total"] == 0
    assert (await client.get("/courses", params={"tag": "pyth"})).json()["total"] == 0
    both = await client.get("/courses", params={"tag": "python", "q": "About"})
    assert both.json()["total"] == 2
    admin_view = await client.get("/courses", params={"tag": "python"}, headers=admin.headers)
    assert admin_view.json()["total"] == 3


async def test_catalogue_sort(client: httpx.AsyncClient, make_course: MakeCourse) -> None:
    b = await make_course(name="Bravo")
    a = await make_course(name="alpha")
    c = await make_course(name="Charlie")
    newest = await client.get("/courses", params={"sort": "newest"})
    assert [x["id"] for x in newest.json()["items"]] == [c["id"], a["id"], b["id"]]
    default = await client.get("/courses")
    assert [x["id"] for x in default.json()["items"]] == [c["id"], a["id"], b["id"]]
    by_name = await client.get("/courses", params={"sort": "name"})
    names = [x["name"] for x in by_name.json()["items"]]
    assert names == sorted(names)
    assert set(names) == {"Bravo", "alpha", "Charlie"}
    paged = [
        x["id"]
        for offset in (0, 1, 2)
        for x in (await client.get("/courses", params={"sort": "name", "limit": 1, "offset": offset})).json()[
            "items"
        ]
    ]
    assert paged == [x["id"] for x in by_name.json()["items"]]
    problem(await client.get("/courses", params={"sort": "bogus"}), 422)


# --- ETags ---------------------------------------------------------------------------------------------


async def test_etag_and_if_none_match(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course()
    first = await client.get(f"/courses/{course['id']}")
    etag = first.headers["etag"]
    assert etag == f'"{course["id"]}-1"'

    cached = await client.get(f"/courses/{course['id']}", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag
    by_slug = await client.get(f"/courses/{course['slug']}", headers={"If-None-Match": f'"other", {etag}'})
    assert by_slug.status_code == 304
    weak = await client.get(f"/courses/{course['id']}", headers={"If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304  # If-None-Match uses the weak comparison (proxies weaken ETags)
    star = await client.get(f"/courses/{course['id']}", headers={"If-None-Match": "*"})
    assert star.status_code == 304
    other = await client.get(f"/courses/{course['id']}", headers={"If-None-Match": '"nope-1"'})
    assert other.status_code == 200
    assert other.json() == course

    changed = await client.patch(f"/courses/{course['id']}", json={"name": "Renamed"}, headers=admin.headers)
    assert changed.status_code == 200
    fresh = await client.get(f"/courses/{course['id']}", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.json()["name"] == "Renamed"
    assert fresh.headers["etag"] == changed.headers["etag"] == f'"{course["id"]}-2"'
    assert fresh.headers["etag"] != etag


async def test_if_match_guards_patch_and_delete(
    client: httpx.AsyncClient, make_course: MakeCourse, admin: Actor
) -> None:
    course = await make_course()
    stale = (await client.get(f"/courses/{course['id']}")).headers["etag"]
    moved = await client.patch(f"/courses/{course['id']}", json={"name": "Second"}, headers=admin.headers)
    current = moved.headers["etag"]

    reply = await client.patch(
        f"/courses/{course['id']}", json={"name": "Lost update"}, headers={**admin.headers, "If-Match": stale}
    )
    problem(reply, 412)
    problem(
        await client.delete(f"/courses/{course['id']}", headers={**admin.headers, "If-Match": stale}), 412
    )
    raw = await stored(course["id"])
    assert raw["name"] == "Second"
    assert raw["status"] == "published"
    assert raw["version"] == 2

    ok = await client.patch(
        f"/courses/{course['id']}", json={"name": "Third"}, headers={**admin.headers, "If-Match": current}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["name"] == "Third"
    assert ok.json()["version"] == 3
    star = await client.patch(
        f"/courses/{course['id']}", json={"name": "Fourth"}, headers={**admin.headers, "If-Match": "*"}
    )
    assert star.status_code == 200
    gone = await client.delete(
        f"/courses/{course['id']}", headers={**admin.headers, "If-Match": star.headers["etag"]}
    )
    assert gone.status_code == 204
    raw = await stored(course["id"])
    assert raw["name"] == "Fourth"
    assert raw["status"] == "archived"
    assert raw["version"] == 5


# --- size limits and strict bodies ---------------------------------------------------------------------


def _section(**overrides: Any) -> dict[str, Any]:
    return {"title": "S", "body": "b", "duration_minutes": 1, **overrides}


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"name": "n" * 201}, "name"),
        ({"name": ""}, "name"),
        ({"name": "ok", "sections": [_section(body="b" * 100_001)]}, "sections"),
        ({"name": "ok", "sections": [_section() for _ in range(201)]}, "sections"),
        ({"name": "ok", "tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"name": "ok", "tags": ["t" * 41]}, "tags"),
        ({"name": "ok", "description": "d" * 5001}, "description"),
        ({"name": "ok", "content": "c" * 100_001}, "content"),
        ({"name": "ok", "sections": [_section(title="t" * 201)]}, "sections"),
        ({"name": "ok", "sections": [_section(duration_minutes=-1)]}, "sections"),
        ({"name": "ok", "sections": [_section(order=3)]}, "sections"),
        ({"name": "ok", "status": "bogus"}, "status"),
        ({"name": "ok", "version": 7}, "version"),
        ({"name": "ok", "id": str(ObjectId())}, "id"),
        ({"name": "ok", "created_by": str(ObjectId())}, "created_by"),
        ({"description": "no name"}, "name"),
    ],
    ids=[
        "name-too-long",
        "name-empty",
        "section-body-too-long",
        "too-many-sections",
        "too-many-tags",
        "tag-too-long",
        "description-too-long",
        "content-too-long",
        "section-title-too-long",
        "negative-duration",
        "unknown-section-field",
        "bad-status",
        "unknown-field-version",
        "unknown-field-id",
        "unknown-field-created-by",
        "missing-name",
    ],
)
async def test_create_invalid_is_422_and_stores_nothing(
    client: httpx.AsyncClient, admin: Actor, body: dict[str, Any], where: str
) -> None:
    reply = await client.post("/courses", json=body, headers=admin.headers)
    detail = problem(reply, 422)
    assert any(where in e["loc"] for e in detail["errors"]), detail["errors"]
    assert await count_courses() == 0


async def test_create_at_the_limits_is_accepted(client: httpx.AsyncClient, admin: Actor) -> None:
    body = {
        "name": "n" * 200,
        "tags": [f"t{i}" for i in range(20)],
        "description": "d" * 5000,
        "content": "c" * 100_000,
        "sections": [_section(body="b" * 100_000)] + [_section() for _ in range(199)],
    }
    reply = await client.post("/courses", json=body, headers=admin.headers)
    assert reply.status_code == 201, reply.text[:500]
    course = reply.json()
    assert course["section_count"] == 200
    assert len(course["tags"]) == 20
    assert course["slug"] == "n" * 80
    raw = await stored(course["id"])
    assert len(raw["sections"]) == 200
    assert len(raw["sections"][0]["body"]) == 100_000
    assert [s["order"] for s in raw["sections"]] == list(range(200))


async def test_malformed_json_is_422(client: httpx.AsyncClient, admin: Actor) -> None:
    reply = await client.post(
        "/courses", content=b'{"name": ', headers={**admin.headers, "Content-Type": "application/json"}
    )
    problem(reply, 422)
    assert await count_courses() == 0


# --- who may write -------------------------------------------------------------------------------------


async def test_students_may_not_write_courses(
    client: httpx.AsyncClient, make_course: MakeCourse, student: Actor
) -> None:
    course = await make_course()
    before = await stored(course["id"])
    problem(await client.post("/courses", json={"name": "Mine"}, headers=student.headers), 403)
    problem(
        await client.patch(f"/courses/{course['id']}", json={"name": "Mine"}, headers=student.headers), 403
    )
    problem(await client.delete(f"/courses/{course['id']}", headers=student.headers), 403)
    assert await stored(course["id"]) == before
    assert await count_courses() == 1


async def test_anonymous_may_not_write_courses(client: httpx.AsyncClient, make_course: MakeCourse) -> None:
    course = await make_course()
    before = await stored(course["id"])
    for reply in (
        await client.post("/courses", json={"name": "Mine"}),
        await client.patch(f"/courses/{course['id']}", json={"name": "Mine"}),
        await client.delete(f"/courses/{course['id']}"),
        await client.post("/courses", json={"name": "Mine"}, headers={"Authorization": "Bearer not-a-token"}),
    ):
        problem(reply, 401)
        assert reply.headers["www-authenticate"] == "Bearer"
    assert await stored(course["id"]) == before
    assert await count_courses() == 1


# --- stored shape --------------------------------------------------------------------------------------


def _valid_course_doc(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "slug": f"direct-{ObjectId()}",
        "name": "Direct",
        "status": "draft",
        "tags": [],
        "sections": [],
        "created_at": now,
        "updated_at": now,
        "version": 1,
        **overrides,
    }


async def test_courses_collection_validator_refuses_bad_documents() -> None:
    collection = Course.get_pymongo_collection()
    await collection.insert_one(_valid_course_doc())  # the baseline is accepted
    bad: list[dict[str, Any]] = [
        {"status": "bogus"},
        {"slug": "Not A Slug"},
        {"name": ""},
        {"version": 0},
        {"created_at": "2024-01-01T00:00:00Z"},
        {"tags": [1]},
        {"sections": [{"section_id": "not-an-oid", "title": "x", "order": 0}]},
        {"sections": [{"section_id": ObjectId(), "title": "x", "order": -1}]},
    ]
    for override in bad:
        with pytest.raises(WriteError):
            await collection.insert_one(_valid_course_doc(**override))
    missing = _valid_course_doc()
    del missing["sections"]
    with pytest.raises(WriteError):
        await collection.insert_one(missing)
    assert await collection.count_documents({}) == 1


async def test_courses_slug_index_is_unique() -> None:
    info = await Course.get_pymongo_collection().index_information()
    slug_indexes = [v for v in info.values() if v["key"] == [("slug", 1)]]
    assert slug_indexes and slug_indexes[0].get("unique") is True

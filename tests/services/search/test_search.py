"""Catalogue search on the embedded index: relevance, typos, prefixes, Chinese, facets, highlights,
visibility, hostile queries, type-ahead and cursor paging (real SecantusDB and Redis)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.api import Actor, problem


def names(reply: httpx.Response) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [item["name"] for item in reply.json()["items"]]


@pytest.fixture
async def catalogue(make_course: Any) -> dict[str, dict[str, Any]]:
    specs = {
        "ml": {
            "name": "Introduction to Machine Learning",
            "description": "Models that learn",
            "tags": ["ai"],
        },
        "py": {"name": "Python Programming Basics", "description": "Start coding", "tags": ["python"]},
        "web": {
            "name": "Web Development with Django",
            "description": "Build sites in Python",
            "tags": ["python", "web"],
        },
        "dl": {"name": "Deep Learning Foundations", "description": "Neural networks", "tags": ["ai"]},
        "zh": {"name": "机器学习导论", "description": "监督学习与无监督学习的入门课程", "tags": ["ai"]},
        "zh2": {"name": "数据结构与算法", "description": "链表、树和图", "tags": ["cs"]},
        "stats": {"name": "Statistics for Data Science", "description": "Probability", "tags": ["data"]},
    }
    return {key: await make_course(**spec) for key, spec in specs.items()}


async def test_any_word_order_and_relevance_first(client: httpx.AsyncClient, catalogue: Any) -> None:
    reply = await client.get("/courses", params={"q": "machine learning intro"})
    assert names(reply)[0] == "Introduction to Machine Learning"
    assert reply.json()["items"][0]["score"] > 0
    assert names(await client.get("/courses", params={"q": "learning machine"}))[0] == (
        "Introduction to Machine Learning"
    )


async def test_typos_are_forgiven(client: httpx.AsyncClient, catalogue: Any) -> None:
    assert names(await client.get("/courses", params={"q": "pyhton"}))[0] == "Python Programming Basics"
    assert "Statistics for Data Science" in names(await client.get("/courses", params={"q": "statistcs"}))
    # short words must be exact: "dat" is no typo of "deep"
    assert names(await client.get("/courses", params={"q": "foundatoins deep"})) == [
        "Deep Learning Foundations"
    ]


async def test_typos_are_matched_as_written_not_as_stems(client: httpx.AsyncClient, make_course: Any) -> None:
    # A misspelt word has no reliable stem ("businses" would not stem to "busi" as "business" does), and a
    # word being typed is a prefix of the word, not of its stem ("learni" is no prefix of "learn").
    await make_course(name="Business English for Teams")
    await make_course(name="Search Engine Optimization")
    await make_course(name="Introduction to Machine Learning")
    await make_course(name="Learn Adobe Illustrator")
    reply = await client.get("/courses", params={"q": "businses englsh"})
    assert names(reply) == ["Business English for Teams"]
    assert (
        reply.json()["items"][0]["highlights"]["name"]
        == "<mark>Business</mark> <mark>English</mark> for Teams"
    )
    assert names(await client.get("/courses", params={"q": "optimizaiton"})) == ["Search Engine Optimization"]
    assert names(await client.get("/courses", params={"q": "machine learni"})) == [
        "Introduction to Machine Learning"
    ]
    suggested = (await client.get("/courses/suggest", params={"q": "machine learni"})).json()["items"]
    assert suggested == ["Introduction to Machine Learning"]


async def test_when_nothing_matches_short_words_may_have_a_typo(
    client: httpx.AsyncClient, catalogue: Any
) -> None:
    # "daat" (4 letters) gets no typo budget, so the query as typed finds nothing; the second try allows one.
    reply = await client.get("/courses", params={"q": "daat"})
    assert names(reply) == ["Statistics for Data Science"]
    assert reply.json()["items"][0]["highlights"]["name"] == "Statistics for <mark>Data</mark> Science"
    # ...but a query that matches as typed is never widened.
    assert names(await client.get("/courses", params={"q": "data"})) == ["Statistics for Data Science"]


async def test_typos_of_a_base_form_and_of_short_words_need_every_word(
    client: httpx.AsyncClient, make_course: Any
) -> None:
    for name in ("Web Development Basics", "Web Design Basics", "Video Editing", "Photo Editing"):
        await make_course(name=name, description="")
    # A typo in the base form of an inflected word is matched against the name's stems.
    assert names(await client.get("/courses", params={"q": "web devlop"})) == ["Web Development Basics"]
    # A four-letter typo is forgiven in the second try, still with every word required.
    assert names(await client.get("/courses", params={"q": "vdeo editing"})) == ["Video Editing"]


async def test_realistic_chinese_names_and_mixed_queries(client: httpx.AsyncClient, make_course: Any) -> None:
    for name in (
        "高等数学（上）",
        "数据结构与算法",
        "机器学习导论",
        "大学英语",
        "Python程序设计入门",
        "中国近现代史纲要",
    ):
        await make_course(name=name, description="")
    await make_course(name="Introduction to Machine Learning", description="")
    assert names(await client.get("/courses", params={"q": "高等数学"})) == ["高等数学（上）"]
    assert names(await client.get("/courses", params={"q": "算法与数据结构"})) == ["数据结构与算法"]
    assert names(await client.get("/courses", params={"q": "数据结构 算法"})) == ["数据结构与算法"]
    assert names(await client.get("/courses", params={"q": "大学英语"})) == ["大学英语"]
    assert names(await client.get("/courses", params={"q": "python 入门"})) == ["Python程序设计入门"]
    mixed = names(await client.get("/courses", params={"q": "机器学习 intro"}))
    assert mixed[0] == "机器学习导论" and "Introduction to Machine Learning" in mixed
    # Nothing has the pairs of characters as typed: every character, in any order, is the second try.
    assert names(await client.get("/courses", params={"q": "高数"})) == ["高等数学（上）"]
    assert names(await client.get("/courses", params={"q": "近代史"})) == ["中国近现代史纲要"]
    assert names(await client.get("/courses", params={"q": "量子力学"})) == []


async def test_last_word_matches_as_a_prefix(client: httpx.AsyncClient, catalogue: Any) -> None:
    assert names(await client.get("/courses", params={"q": "django web dev"})) == [
        "Web Development with Django"
    ]
    assert names(await client.get("/courses", params={"q": "statis"})) == ["Statistics for Data Science"]


async def test_chinese_queries(client: httpx.AsyncClient, catalogue: Any) -> None:
    assert names(await client.get("/courses", params={"q": "机器学习"}))[0] == "机器学习导论"
    assert names(await client.get("/courses", params={"q": "导论 机器"}))[0] == "机器学习导论"
    assert names(await client.get("/courses", params={"q": "算法"})) == ["数据结构与算法"]
    assert names(await client.get("/courses", params={"q": "无监督"})) == ["机器学习导论"]
    assert names(await client.get("/courses", params={"q": "量子"})) == []


async def test_tag_facets_count_all_matches(client: httpx.AsyncClient, catalogue: Any) -> None:
    page = (await client.get("/courses", params={"q": "learning", "limit": 1})).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert {f["tag"]: f["count"] for f in page["facets"]} == {"ai": 2}
    python = (await client.get("/courses", params={"q": "python"})).json()
    assert {f["tag"]: f["count"] for f in python["facets"]} == {"python": 2, "web": 1}
    only_web = await client.get("/courses", params={"q": "python", "tag": "web"})
    assert names(only_web) == ["Web Development with Django"]


async def test_highlights_escape_course_text(client: httpx.AsyncClient, make_course: Any) -> None:
    await make_course(name="<script>alert(1)</script> Rust & Go", description='say "<b>rust</b>" now')
    item = (await client.get("/courses", params={"q": "rust"})).json()["items"][0]
    marks = item["highlights"]
    assert marks["name"] == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Rust</mark> &amp; Go"
    assert marks["description"] == "say &quot;&lt;b&gt;<mark>rust</mark>&lt;/b&gt;&quot; now"
    assert item["name"] == "<script>alert(1)</script> Rust & Go"  # the plain field is the course's text


async def test_archived_and_drafts_never_reach_students(
    client: httpx.AsyncClient, make_course: Any, admin: Actor, student: Actor
) -> None:
    live = await make_course(name="Kotlin Live")
    draft = await make_course(name="Kotlin Draft", status="draft")
    gone = await make_course(name="Kotlin Gone")
    assert (await client.delete(f"/courses/{gone['id']}", headers=admin.headers)).status_code == 204
    for headers in ({}, student.headers):
        for params in (
            {"q": "kotlin"},
            {"q": "kotlin", "status": "archived"},
            {"q": "kotlin", "status": "draft"},
        ):
            assert names(await client.get("/courses", params=params, headers=headers)) == ["Kotlin Live"]
        assert (await client.get("/courses/suggest", params={"q": "kotl"}, headers=headers)).json() == {
            "items": ["Kotlin Live"]
        }
    every = await client.get("/courses", params={"q": "kotlin"}, headers=admin.headers)
    assert {i["id"] for i in every.json()["items"]} == {live["id"], draft["id"], gone["id"]}
    archived = await client.get(
        "/courses", params={"q": "kotlin", "status": "archived"}, headers=admin.headers
    )
    assert names(archived) == ["Kotlin Gone"]


@pytest.mark.parametrize(
    "q",
    [
        ".*",
        "((((((",
        "a" * 100,
        "\x00\x01\x7f",
        "\u200b\u202e",
        "AND OR NOT",
        '+-&&||!(){}[]^"~*?:\\/',
        "title:python",
        "python~2 ^3",
        "*",
        "%00",
        "' OR 1=1 --",
        "$where",
        "🙂🙂",
    ],
)
async def test_hostile_queries_are_harmless(client: httpx.AsyncClient, catalogue: Any, q: str) -> None:
    reply = await client.get("/courses", params={"q": q})
    assert reply.status_code == 200, reply.text
    assert reply.json()["total"] <= 7
    assert (await client.get("/courses/suggest", params={"q": q})).status_code == 200


async def test_long_queries_are_422(client: httpx.AsyncClient) -> None:
    problem(await client.get("/courses", params={"q": "x" * 10_000}), 422)
    problem(await client.get("/courses/suggest", params={"q": "y" * 101}), 422)


async def test_suggest_gives_at_most_eight_names(client: httpx.AsyncClient, make_course: Any) -> None:
    for n in range(10):
        await make_course(name=f"Algebra {n}")
    await make_course(name="Geometry")
    reply = await client.get("/courses/suggest", params={"q": "alge"})
    assert reply.status_code == 200
    items = reply.json()["items"]
    assert len(items) == 8 and all(i.startswith("Algebra") for i in items)
    assert (await client.get("/courses/suggest", params={"q": "geom"})).json()["items"] == ["Geometry"]
    assert (await client.get("/courses/suggest", params={"q": " "})).json()["items"] == []


@pytest.mark.parametrize("sort", ["newest", "name", "relevance"])
async def test_after_cursor_walks_every_page(client: httpx.AsyncClient, make_course: Any, sort: str) -> None:
    created = {(await make_course(name=f"Topic {n} course"))["id"] for n in range(7)}
    params: dict[str, Any] = {"limit": 3, "sort": sort, "q": "course"}
    seen: list[str] = []
    while True:
        page = (await client.get("/courses", params=params)).json()
        seen += [i["id"] for i in page["items"]]
        if page["next_after"] is None:
            break
        params["after"] = page["next_after"]
    assert len(seen) == 7 and set(seen) == created
    problem(await client.get("/courses", params={"after": "not-a-cursor"}), 422)


async def test_plain_listing_and_sorts_come_from_the_index(
    client: httpx.AsyncClient, make_course: Any, app: Any
) -> None:
    for name in ("Bravo", "alpha", "Charlie"):
        await make_course(name=name)
    by_name = await client.get("/courses", params={"sort": "name"})
    assert names(by_name) == ["Bravo", "Charlie", "alpha"]
    assert app.state.search.status().documents == 3
    newest = await client.get("/courses", params={"limit": 1, "offset": 2})
    assert names(newest) == ["Bravo"] and newest.json()["total"] == 3


async def test_popular_courses_rank_first_among_equals(
    client: httpx.AsyncClient, make_course: Any, app: Any, make_student: Any
) -> None:
    quiet = await make_course(name="Origami Folding")
    loved = await make_course(name="Origami Folding")
    for _ in range(3):
        fan = await make_student()
        assert (
            await client.post(f"/courses/{loved['id']}/enrollments", headers=fan.headers)
        ).status_code == 201
    assert (await client.get("/courses/popular")).status_code == 200  # the ranking exists once used
    assert await app.state.search.refresh_popularity() >= 1
    ranked = (await client.get("/courses", params={"q": "origami"})).json()["items"]
    assert [i["id"] for i in ranked] == [loved["id"], quiet["id"]]
    assert ranked[0]["score"] > ranked[1]["score"]
    by_popularity = (await client.get("/courses", params={"q": "folding", "sort": "popular"})).json()["items"]
    assert [i["id"] for i in by_popularity] == [loved["id"], quiet["id"]]


async def test_while_the_index_builds_searches_are_503_and_the_listing_comes_from_mongodb(
    client: httpx.AsyncClient, make_course: Any, app: Any
) -> None:
    course = await make_course(name="Meteorology")
    index = app.state.search.index
    index.state = "building"
    try:
        problem(await client.get("/courses", params={"q": "meteorology"}), 503)
        listing = await client.get("/courses")
        assert [i["id"] for i in listing.json()["items"]] == [course["id"]]
        assert (await client.get("/courses/suggest", params={"q": "met"})).json() == {"items": []}
    finally:
        index.state = "ready"
    assert names(await client.get("/courses", params={"q": "meteorology"})) == ["Meteorology"]


@pytest.mark.parametrize(
    "raw_query",
    [
        "q=%ED%A0%80",  # an unpaired surrogate, as UTF-8 would spell it (not valid UTF-8)
        "q=%FF%FE%00",  # bytes that are no UTF-8 at all, and a NUL
        "q=%00%00%00",
        "q=%5C%5Cu0000",  # a JSON-style escape, literally
        "q=" + "%E2%80%AE" * 30,  # right-to-left overrides only
        "q=" + "%F0%9F%99%82" * 30,  # emoji only
        "q=" + "(" * 100,
        "q=a&q=b",  # the parameter twice
        "q=python&tag=.*",
        "q=python&sort=%24where",
        "q=python&after=%00",
        "q=python&after=" + "A" * 10_000,
        "q=python&tag=" + "t" * 10_000,
        "q=" + "%20" * 10_000,
        "q=python&limit=-1",
        "q=python&offset=1e9",
    ],
)
async def test_hostile_raw_queries_are_a_problem_or_harmless(
    client: httpx.AsyncClient, catalogue: Any, raw_query: str
) -> None:
    for path in ("/courses", "/courses/suggest"):
        reply = await client.get(f"{path}?{raw_query}")
        assert reply.status_code in (200, 422), (path, reply.status_code, reply.text[:300])
        if reply.status_code == 422:
            problem(reply, 422)
        elif path == "/courses":
            assert reply.json()["total"] <= 7

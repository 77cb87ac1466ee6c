"""Course, catalogue and popular replies as JSON bytes, read through the cache (cache-aside).

On a hit nothing touches MongoDB or a model. On a miss the page is built from MongoDB and stored under the
generation read before the load (see `cache`), so a write can never be hidden by a stale page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import orjson
from bson import ObjectId

from oms.documents import Course
from oms.documents.course import CourseStatus
from oms.exceptions import CourseNotFound
from oms.redis_store import POPULAR_TTL_S
from oms.schemas.common import PageParams
from oms.schemas.courses import (
    CatalogueSort,
    CoursePublic,
    CourseSummary,
    PopularItem,
    PopularPage,
)
from oms.services import courses as course_service
from oms.services.pagecache.cache import Cache, CoursePage
from oms.services.popularity.rankings import Rankings, Window, mongo_counts, today_bucket
from oms.services.search.base import SearchIndex


@dataclass(frozen=True)
class Reply:
    """A reply body ready to send, with its ETag when it has one."""

    body: bytes
    etag: str | None = None
    slug: str | None = None
    course_id: str | None = None
    published: bool = True


def etag_matches(etag: str, header: str | None) -> bool:
    """`If-None-Match` semantics: weak comparison (a `W/` prefix is ignored, as proxies that compress
    weaken ETags), and `*` matches any existing course."""
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags


def course_reply(course: Course) -> Reply:
    """A course as clients see it, serialised once."""
    return Reply(
        CoursePublic.model_validate(course).model_dump_json().encode(),
        course.etag,
        course.slug,
        str(course.id),
        course.status == CourseStatus.published,
    )


async def read_course(cache: Cache, rankings: Rankings, ref: str, *, admin: bool) -> Reply:
    """A course page by id or slug; drafts and archived courses exist only for admins (and are never cached).

    A cache hit counts the view inside the same Redis call; other reads of published pages count it here.
    """
    is_slug = not ObjectId.is_valid(ref)
    ref = ref.lower() if is_slug else ref
    page = await cache.course(ref, is_slug, "" if admin else today_bucket())
    if page is not None and page.body is not None:
        return Reply(page.body, page.etag)
    if page is not None and page.course_id is not None:
        try:
            reply = await _cached_load(cache, page, page.course_id, admin=admin)
        except CourseNotFound:
            if not is_slug:
                raise
            reply = Reply(b"", slug=None)  # the remembered course is gone: the slug may name another now
        if is_slug and reply.slug != ref:  # the remembered slug now names another course: ask MongoDB
            reply = course_reply(await course_service.find_course(ref, include_unpublished=admin))
            if reply.published and reply.course_id:
                await cache.remember_slug(page.epoch, ref, reply.course_id)
    else:  # no cache, or a slug not seen yet: MongoDB, once for concurrent callers

        async def load() -> Reply:
            return course_reply(await course_service.find_course(ref, include_unpublished=admin))

        reply = await cache.single_flight(f"course-ref:{ref}:{int(admin)}", load)
        if page is not None and is_slug and reply.published and reply.course_id:
            await cache.remember_slug(page.epoch, ref, reply.course_id)
    if reply.published and reply.course_id and not admin:
        rankings.record_view(reply.course_id)
    return reply


async def _cached_load(cache: Cache, page: CoursePage, course_id: str, *, admin: bool) -> Reply:
    """Load a course by id on a miss and store it if it is published; one load for concurrent misses."""

    async def load() -> Reply:
        reply = course_reply(await course_service.find_course(course_id, include_unpublished=admin))
        if reply.published and reply.course_id == course_id:  # (a 24-hex slug is not that course's id)
            await cache.store_course(page, reply.body, reply.etag or "", reply.slug or "")
        return reply

    async def read_cached() -> Reply | None:
        again = await cache.course(course_id, False, count_miss=False)
        return Reply(again.body, again.etag, course_id=course_id) if again and again.body else None

    return await cache.load_once(
        f"course:{page.epoch}:{course_id}:{page.gen}:{int(admin)}", read_cached, load
    )


async def catalogue(
    cache: Cache,
    rankings: Rankings,
    page: PageParams,
    *,
    q: str | None,
    tag: str | None,
    sort: CatalogueSort | None,
    statuses: list[CourseStatus],
    index: SearchIndex | None = None,
) -> Reply:
    """A catalogue page; the published-only view that students and visitors get is cached (pages built
    from the search index too: workers that apply a change from another worker retire cached pages)."""
    q_norm = " ".join(q.split()).lower() if q else ""
    tag_norm = tag.strip().lower() if tag else ""
    public = statuses == [CourseStatus.published]

    async def load() -> Reply:
        rank = await _rank(rankings, Window.month) if sort == CatalogueSort.popular else None
        result = await course_service.catalogue(
            page, q=q_norm or None, tag=tag_norm or None, sort=sort, statuses=statuses, rank=rank, index=index
        )
        return Reply(orjson.dumps(result))

    cached = (
        await cache.page(
            "catalogue",
            q=q_norm,
            tag=tag_norm,
            sort=sort.value if sort else "",
            limit=page.limit,
            offset=page.offset,
        )
        if public
        else None
    )
    if cached is None:
        return await load()
    if cached.body is not None:
        return Reply(cached.body)

    async def fill() -> Reply:
        reply = await load()
        await cache.store_page(cached, reply.body, POPULAR_TTL_S if sort == CatalogueSort.popular else None)
        return reply

    return await cache.load_once(cached.key, _page_reader(cache, cached.key), fill)


def _page_reader(cache: Cache, key: str) -> Callable[[], Awaitable[Reply | None]]:
    async def read() -> Reply | None:
        body = await cache.read_page(key)
        return Reply(body) if body is not None else None

    return read


async def _rank(rankings: Rankings, window: Window) -> dict[str, float]:
    """Course id -> popularity score: from Redis, or counted by MongoDB when Redis cannot say."""
    ranked = await rankings.top(window, 100_000)
    if ranked is not None:
        return {course_id: score for course_id, score, _ in ranked}
    return {str(k): float(n) for k, n in (await mongo_counts(window)).items()}


async def popular(cache: Cache, rankings: Rankings, window: Window, limit: int) -> Reply:
    """The most popular published courses of the window, with score and enrollments."""
    cached = await cache.page("popular", window=window.value, limit=limit)
    if cached is not None and cached.body is not None:
        return Reply(cached.body)

    async def load() -> Reply:
        wanted = limit * 2 + 10  # room for courses no longer published
        ranked = await rankings.top(window, wanted)
        if ranked is None:
            counts = await mongo_counts(window, top=wanted)
            ranked = [
                (str(k), float(n), n) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            ]
        courses = await course_service.published_summaries([ObjectId(i) for i, _, _ in ranked])
        items = [
            PopularItem(course=CourseSummary.model_validate(courses[i]), score=round(score, 4), enrollments=n)
            for i, score, n in ranked
            if i in courses
        ][:limit]
        reply = Reply(PopularPage(items=items, window=window).model_dump_json().encode())
        if cached is not None:
            await cache.store_page(cached, reply.body, POPULAR_TTL_S)
        return reply

    if cached is None:  # Redis unavailable: still one MongoDB read for concurrent callers
        reply: Reply = await cache.single_flight(f"popular:{window.value}:{limit}", load)
        return reply
    return await cache.load_once(cached.key, _page_reader(cache, cached.key), load)

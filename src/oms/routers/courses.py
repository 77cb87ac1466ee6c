"""/courses: the catalogue, course reads with ETags, and admin edits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from oms.deps import (
    AdminCourse,
    AdminUser,
    Auditor,
    CacheDep,
    CatalogueStatuses,
    ExpectedVersion,
    OptionalUser,
    Paging,
    RankingsDep,
    SearchDep,
)
from oms.documents import Course
from oms.routers import API_PREFIX
from oms.schemas.common import MAX_LIMIT, PageParams
from oms.schemas.courses import (
    CataloguePage,
    CatalogueSort,
    CourseCreate,
    CoursePublic,
    CourseUpdate,
    PopularPage,
    Suggestions,
)
from oms.services import courses as course_service
from oms.services.audit import audited, snapshot
from oms.services.pagecache import course_pages
from oms.services.pagecache.course_pages import Reply, etag_matches
from oms.services.popularity.rankings import Window
from oms.services.search.catalogue import decode_after

router = APIRouter(prefix=f"{API_PREFIX}/courses", tags=["courses"])


def course_reply(course: Course, response: Response) -> CoursePublic:
    """The course as clients see it, with its ETag header set."""
    response.headers["ETag"] = course.etag
    return CoursePublic.model_validate(course)


def json_reply(reply: Reply, status_code: int = 200) -> Response:
    """Send pre-serialised JSON as it is."""
    headers = {"ETag": reply.etag} if reply.etag else None
    return Response(reply.body, status_code=status_code, media_type="application/json", headers=headers)


@router.get("", response_model=CataloguePage)
async def catalogue(
    statuses: CatalogueStatuses,
    page: Paging,
    cache: CacheDep,
    rankings: RankingsDep,
    search: SearchDep,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="words to search for in any order, in English or Chinese; typos are forgiven and the "
            "last word may be unfinished",
        ),
    ] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    sort: Annotated[
        CatalogueSort | None,
        Query(description="relevance (the default with q) | newest (the default without) | name | popular"),
    ] = None,
    after: Annotated[
        str | None,
        Query(max_length=200, description="the `next_after` of the previous page (instead of offset)"),
    ] = None,
) -> Any:
    """Browse or search courses. Students and anonymous callers see published courses only.

    With `q`, items carry `highlights` (HTML-escaped text with `<mark>` around matches) and the page
    carries `facets` (tag counts over all matches). Follow `next_after` for the next page."""
    if after is not None:
        page = PageParams(limit=page.limit, offset=decode_after(after))
    reply = await course_pages.catalogue(
        cache, rankings, page, q=q, tag=tag, sort=sort, statuses=statuses, index=search.index
    )
    return json_reply(reply)


@router.get("/suggest", response_model=Suggestions)
async def suggest(
    user: OptionalUser,
    search: SearchDep,
    q: Annotated[str, Query(max_length=100, description="what has been typed so far")],
) -> Any:
    """Type-ahead: up to 8 course names matching what has been typed (the last word may be unfinished)."""
    statuses = ("draft", "published") if user and user.is_admin else ("published",)
    if not search.index.status().ready:
        return Suggestions(items=[])
    return Suggestions(items=await search.index.suggest(q, statuses))


@router.get("/popular", response_model=PopularPage)
async def popular(
    cache: CacheDep,
    rankings: RankingsDep,
    window: Annotated[Window, Query(description="7d | 30d | all")] = Window.week,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
) -> Any:
    """The most popular published courses: score = enrollments + 0.1 × views in the window."""
    return json_reply(await course_pages.popular(cache, rankings, window, limit))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CoursePublic)
async def create_course(
    body: CourseCreate, admin: AdminUser, actor: Auditor, cache: CacheDep, response: Response
) -> Any:
    """Create a course (admin). The slug comes from the name unless given; 409 when a given slug is taken."""
    async with audited(actor, "course.create", "courses", None) as outcome:
        course = await course_service.create_course(body, admin, cache)
        outcome.target_id, outcome.after = str(course.id), snapshot(course)
    response.headers["Location"] = f"/api/v1/courses/{course.id}"
    return course_reply(course, response)


@router.get(
    "/{course_ref}",
    response_model=CoursePublic,
    responses={304: {"description": "Not modified (the `If-None-Match` ETag is current)"}},
)
async def read_course(
    course_ref: str, user: OptionalUser, cache: CacheDep, rankings: RankingsDep, request: Request
) -> Any:
    """One course with its sections, by id or slug. Send `If-None-Match` to get 304 when unchanged."""
    admin = bool(user and user.is_admin)
    reply = await course_pages.read_course(cache, rankings, course_ref, admin=admin)
    if reply.etag and etag_matches(reply.etag, request.headers.get("if-none-match")):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": reply.etag})
    return json_reply(reply)


@router.patch(
    "/{course_ref}", response_model=CoursePublic, responses={412: {"description": "stale If-Match"}}
)
async def update_course(
    body: CourseUpdate,
    course: AdminCourse,
    expected: ExpectedVersion,
    actor: Auditor,
    cache: CacheDep,
    response: Response,
) -> Any:
    """Change some fields (admin). Send `If-Match: <ETag>` to refuse the write (412) if someone changed it."""
    async with audited(actor, "course.update", "courses", str(course.id), snapshot(course)) as outcome:
        updated = await course_service.update_course(course, body, expected, cache)
        outcome.after = snapshot(updated)
    return course_reply(updated, response)


@router.delete("/{course_ref}", status_code=status.HTTP_204_NO_CONTENT)
async def archive_course(
    course: AdminCourse, expected: ExpectedVersion, actor: Auditor, cache: CacheDep
) -> None:
    """Archive the course (admin). Enrollments are kept; students no longer see it in the catalogue."""
    async with audited(actor, "course.archive", "courses", str(course.id), snapshot(course)) as outcome:
        outcome.after = snapshot(await course_service.archive_course(course, expected, cache))

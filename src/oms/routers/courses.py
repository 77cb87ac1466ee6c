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
)
from oms.documents import Course
from oms.routers import API_PREFIX
from oms.schemas.common import MAX_LIMIT, Page
from oms.schemas.courses import (
    CatalogueSort,
    CourseCreate,
    CoursePublic,
    CourseSummary,
    CourseUpdate,
    PopularPage,
)
from oms.services import courses as course_service
from oms.services.audit import audited, snapshot
from oms.services.pagecache import course_pages
from oms.services.pagecache.course_pages import Reply, etag_matches
from oms.services.popularity.rankings import Window

router = APIRouter(prefix=f"{API_PREFIX}/courses", tags=["courses"])


def course_reply(course: Course, response: Response) -> CoursePublic:
    """The course as clients see it, with its ETag header set."""
    response.headers["ETag"] = course.etag
    return CoursePublic.model_validate(course)


def json_reply(reply: Reply, status_code: int = 200) -> Response:
    """Send pre-serialised JSON as it is."""
    headers = {"ETag": reply.etag} if reply.etag else None
    return Response(reply.body, status_code=status_code, media_type="application/json", headers=headers)


@router.get("", response_model=Page[CourseSummary])
async def catalogue(
    statuses: CatalogueStatuses,
    page: Paging,
    cache: CacheDep,
    rankings: RankingsDep,
    q: Annotated[str | None, Query(max_length=100, description="words in the name or description")] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    sort: Annotated[
        CatalogueSort, Query(description="popular: by the 30-day ranking")
    ] = CatalogueSort.newest,
) -> Any:
    """Browse courses. Students and anonymous callers see published courses only."""
    reply = await course_pages.catalogue(cache, rankings, page, q=q, tag=tag, sort=sort, statuses=statuses)
    return json_reply(reply)


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

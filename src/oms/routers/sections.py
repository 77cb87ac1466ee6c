"""/courses/{course}/sections: add, edit, remove and reorder a course's sections (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status

from oms.deps import AdminCourse, Auditor, CacheDep, ExpectedVersion
from oms.routers import API_PREFIX
from oms.routers.courses import course_reply
from oms.schemas.common import ObjectIdIn
from oms.schemas.courses import CoursePublic, SectionCreate, SectionOrder, SectionPublic, SectionUpdate
from oms.services import sections as section_service
from oms.services.audit import audited, snapshot

router = APIRouter(prefix=API_PREFIX + "/courses/{course_ref}/sections", tags=["sections"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SectionPublic)
async def add_section(
    body: SectionCreate,
    course: AdminCourse,
    expected: ExpectedVersion,
    actor: Auditor,
    cache: CacheDep,
    response: Response,
) -> Any:
    """Add a section at the end, or at `position`. The reply's ETag is the course's new one."""
    async with audited(actor, "section.add", "courses", str(course.id), snapshot(course)) as outcome:
        course, section = await section_service.add_section(course, body, expected, cache)
        outcome.after = snapshot(course)
    response.headers["ETag"] = course.etag
    return section


@router.put("/order", response_model=CoursePublic)
async def reorder(
    body: SectionOrder,
    course: AdminCourse,
    expected: ExpectedVersion,
    actor: Auditor,
    cache: CacheDep,
    response: Response,
) -> Any:
    """Reorder: `section_ids` must list every section exactly once."""
    async with audited(actor, "section.reorder", "courses", str(course.id), snapshot(course)) as outcome:
        course = await section_service.reorder_sections(course, body, expected, cache)
        outcome.after = snapshot(course)
    return course_reply(course, response)


@router.api_route("/order", methods=["GET", "POST", "PATCH", "DELETE"], include_in_schema=False)
async def order_other_methods() -> None:
    """`/order` is not a section id: only PUT is served there."""
    raise HTTPException(status.HTTP_405_METHOD_NOT_ALLOWED)


@router.patch("/{section_id}", response_model=SectionPublic)
async def update_section(
    section_id: ObjectIdIn,
    body: SectionUpdate,
    course: AdminCourse,
    expected: ExpectedVersion,
    actor: Auditor,
    cache: CacheDep,
    response: Response,
) -> Any:
    """Edit a section's title, body or duration; its id and place stay."""
    async with audited(actor, "section.update", "courses", str(course.id), snapshot(course)) as outcome:
        course, section = await section_service.update_section(course, section_id, body, expected, cache)
        outcome.after = snapshot(course)
    response.headers["ETag"] = course.etag
    return section


@router.delete("/{section_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_section(
    section_id: ObjectIdIn,
    course: AdminCourse,
    expected: ExpectedVersion,
    actor: Auditor,
    cache: CacheDep,
) -> None:
    """Remove a section. Students' progress is recomputed against the remaining sections."""
    async with audited(actor, "section.remove", "courses", str(course.id), snapshot(course)) as outcome:
        outcome.after = snapshot(await section_service.remove_section(course, section_id, expected, cache))

"""/courses/{course}/sections: add, edit, remove and reorder a course's sections (admin)."""

from __future__ import annotations

from typing import Any

from beanie import PydanticObjectId
from fastapi import APIRouter, Response, status

from oms.deps import AdminCourse, CacheDep, ExpectedVersion
from oms.routers import API_PREFIX
from oms.routers.courses import course_reply
from oms.schemas.courses import CoursePublic, SectionCreate, SectionOrder, SectionPublic, SectionUpdate
from oms.services import sections as section_service

router = APIRouter(prefix=API_PREFIX + "/courses/{course_ref}/sections", tags=["sections"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SectionPublic)
async def add_section(
    body: SectionCreate, course: AdminCourse, expected: ExpectedVersion, cache: CacheDep, response: Response
) -> Any:
    """Add a section at the end, or at `position`. The reply's ETag is the course's new one."""
    course, section = await section_service.add_section(course, body, expected, cache)
    response.headers["ETag"] = course.etag
    return section


@router.put("/order", response_model=CoursePublic)
async def reorder(
    body: SectionOrder, course: AdminCourse, expected: ExpectedVersion, cache: CacheDep, response: Response
) -> Any:
    """Reorder: `section_ids` must list every section exactly once."""
    return course_reply(await section_service.reorder_sections(course, body, expected, cache), response)


@router.patch("/{section_id}", response_model=SectionPublic)
async def update_section(
    section_id: PydanticObjectId,
    body: SectionUpdate,
    course: AdminCourse,
    expected: ExpectedVersion,
    cache: CacheDep,
    response: Response,
) -> Any:
    """Edit a section's title, body or duration; its id and place stay."""
    course, section = await section_service.update_section(course, section_id, body, expected, cache)
    response.headers["ETag"] = course.etag
    return section


@router.delete("/{section_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_section(
    section_id: PydanticObjectId, course: AdminCourse, expected: ExpectedVersion, cache: CacheDep
) -> None:
    """Remove a section. Students' progress is recomputed against the remaining sections."""
    await section_service.remove_section(course, section_id, expected, cache)

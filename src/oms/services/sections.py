"""Sections of a course: add, edit, remove, reorder. Each change is one versioned write of the array."""

from __future__ import annotations

from collections.abc import Callable

from beanie import PydanticObjectId

from oms.documents import Course, Section
from oms.exceptions import CourseNotFound, PreconditionFailed, SectionNotFound, Unprocessable
from oms.schemas.courses import MAX_SECTIONS, SectionCreate, SectionOrder, SectionUpdate
from oms.services.courses import check_size, write
from oms.services.enrollments import recompute_for_course

_RETRIES = 5

Edit = Callable[[list[Section]], list[Section]]


async def _change(course: Course, edit: Edit, expected_version: int | None) -> Course:
    """Apply `edit` to the section list and store it if nobody wrote in between (retried when no ETag was sent)."""
    for _ in range(_RETRIES):
        sections = edit([s.model_copy() for s in course.sections])
        for i, section in enumerate(sections):
            section.order = i
        check_size(course.content, sections)
        payload = [s.model_dump() for s in sections]
        try:
            return await write(course, {"$set": {"sections": payload}}, expected_version or course.version)
        except PreconditionFailed:
            if expected_version is not None:
                raise
        fresh = await Course.get(course.id)
        if fresh is None:
            raise CourseNotFound()
        course = fresh
    raise PreconditionFailed("the course is being changed by others; try again")


def _index(sections: list[Section], section_id: PydanticObjectId) -> int:
    for i, section in enumerate(sections):
        if section.section_id == section_id:
            return i
    raise SectionNotFound()


async def add_section(
    course: Course, body: SectionCreate, expected_version: int | None
) -> tuple[Course, Section]:
    """Insert a section at `position` (or last); the new section comes back with the course."""
    new = Section(title=body.title, body=body.body, duration_minutes=body.duration_minutes)

    def edit(sections: list[Section]) -> list[Section]:
        if len(sections) >= MAX_SECTIONS:
            raise Unprocessable(f"a course has at most {MAX_SECTIONS} sections")
        position = len(sections) if body.position is None else min(body.position, len(sections))
        sections.insert(position, new)
        return sections

    course = await _change(course, edit, expected_version)
    await recompute_for_course(course)
    return course, course.sections[_index(course.sections, new.section_id)]


async def update_section(
    course: Course, section_id: PydanticObjectId, body: SectionUpdate, expected_version: int | None
) -> tuple[Course, Section]:
    """Change a section's title, body or duration."""
    changes = body.model_dump(exclude_unset=True)
    if any(v is None for v in changes.values()):
        raise Unprocessable(
            errors=[{"loc": ["body", k], "msg": "may not be null"} for k, v in changes.items() if v is None]
        )

    def edit(sections: list[Section]) -> list[Section]:
        i = _index(sections, section_id)
        sections[i] = sections[i].model_copy(update=changes)
        return sections

    course = await _change(course, edit, expected_version)
    return course, course.sections[_index(course.sections, section_id)]


async def remove_section(
    course: Course, section_id: PydanticObjectId, expected_version: int | None
) -> Course:
    """Remove a section; enrollments' progress is recomputed, their history stays."""

    def edit(sections: list[Section]) -> list[Section]:
        i = _index(sections, section_id)
        return sections[:i] + sections[i + 1 :]

    course = await _change(course, edit, expected_version)
    await recompute_for_course(course)
    return course


async def reorder_sections(course: Course, body: SectionOrder, expected_version: int | None) -> Course:
    """Put the sections in the order given, which must name each section exactly once."""

    def edit(sections: list[Section]) -> list[Section]:
        by_id = {s.section_id: s for s in sections}
        if len(body.section_ids) != len(by_id) or set(body.section_ids) != set(by_id):
            raise Unprocessable(
                "section_ids must list every section of the course exactly once",
                errors=[
                    {"loc": ["body", "section_ids"], "msg": "not a permutation of the course's sections"}
                ],
            )
        return [by_id[i] for i in body.section_ids]

    return await _change(course, edit, expected_version)

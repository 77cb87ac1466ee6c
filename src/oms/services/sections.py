"""Sections of a course: add, edit, remove, reorder.

Each change is one atomic pipeline update of the course document: the server edits the section array,
renumbers `order` to 0..n-1 and bumps `version`, so concurrent admins never lose each other's changes and
need no retries. With `If-Match` the update applies only to that version (412 otherwise).
"""

from __future__ import annotations

from typing import Any

from beanie import PydanticObjectId
from pymongo import ReturnDocument

from oms.clock import utcnow
from oms.documents import Course, Section
from oms.exceptions import CourseNotFound, DomainError, PreconditionFailed, SectionNotFound, Unprocessable
from oms.schemas.courses import MAX_SECTIONS, SectionCreate, SectionOrder, SectionUpdate
from oms.services.courses import check_size
from oms.services.enrollments import recompute_for_course
from oms.services.pagecache.cache import Cache
from oms.services.search.runtime import course_changed

_RENUMBER = {
    "$set": {
        "sections": {
            "$map": {
                "input": {"$range": [0, {"$size": "$sections"}]},
                "as": "i",
                "in": {"$mergeObjects": [{"$arrayElemAt": ["$sections", "$$i"]}, {"order": "$$i"}]},
            }
        }
    }
}


def _not_a_permutation() -> Unprocessable:
    return Unprocessable(
        "section_ids must list every section of the course exactly once",
        errors=[{"loc": ["body", "section_ids"], "msg": "not a permutation of the course's sections"}],
    )


async def _apply(
    course: Course,
    match: dict[str, Any],
    sections: Any,
    expected_version: int | None,
    on_miss: DomainError,
    cache: Cache,
) -> Course:
    """Set `sections` (an aggregation expression) where `match` holds, renumber, bump the version.

    When nothing matched: CourseNotFound if the course is gone, 412 if `expected_version` is stale,
    else `on_miss` (the section is absent, the course is full, ...).
    """
    query: dict[str, Any] = {"_id": course.id, **match}
    if expected_version is not None:
        query["version"] = expected_version
    pipeline = [
        {"$set": {"sections": sections}},
        _RENUMBER,
        {"$set": {"updated_at": utcnow(), "version": {"$add": ["$version", 1]}}},
    ]
    raw = await Course.get_pymongo_collection().find_one_and_update(
        query, pipeline, return_document=ReturnDocument.AFTER
    )
    if raw is not None:
        updated: Course = Course.model_validate(raw)
        await course_changed(str(updated.id))
        await cache.invalidate_course(str(updated.id))
        return updated
    current = await Course.get_pymongo_collection().find_one({"_id": course.id}, {"version": 1})
    if current is None:
        raise CourseNotFound()
    if expected_version is not None and current["version"] != expected_version:
        raise PreconditionFailed("the course changed since the ETag you sent; fetch it again")
    raise on_miss


def _index(sections: list[Section], section_id: PydanticObjectId) -> int:
    for i, section in enumerate(sections):
        if section.section_id == section_id:
            return i
    raise SectionNotFound()


async def recompute(course: Course) -> None:
    """Bring enrollments' progress up to date, again if the sections changed meanwhile (last writer wins)."""
    while True:
        await recompute_for_course(course)
        fresh = await Course.get(course.id)
        if fresh is None or fresh.section_ids == course.section_ids:
            return
        course = fresh


async def add_section(
    course: Course, body: SectionCreate, expected_version: int | None, cache: Cache
) -> tuple[Course, Section]:
    """Insert a section at `position` (or last); the new section comes back with the course."""
    new = Section(title=body.title, body=body.body, duration_minutes=body.duration_minutes)
    check_size(course.content, [*course.sections, new])
    literal = {"$literal": [new.model_dump()]}
    if body.position is None:
        sections: Any = {"$concatArrays": ["$sections", literal]}
    else:
        p = body.position
        sections = {
            "$concatArrays": [
                {"$slice": ["$sections", p]},
                literal,
                {"$slice": ["$sections", p, MAX_SECTIONS]},
            ]
        }
    full = Unprocessable(
        f"a course has at most {MAX_SECTIONS} sections",
        errors=[{"loc": ["body"], "msg": f"the course already has {MAX_SECTIONS} sections"}],
    )
    not_full = {f"sections.{MAX_SECTIONS - 1}": {"$exists": False}}
    course = await _apply(course, not_full, sections, expected_version, full, cache)
    await recompute(course)
    return course, course.sections[_index(course.sections, new.section_id)]


async def update_section(
    course: Course,
    section_id: PydanticObjectId,
    body: SectionUpdate,
    expected_version: int | None,
    cache: Cache,
) -> tuple[Course, Section]:
    """Change a section's title, body or duration."""
    changes = body.model_dump(exclude_unset=True)
    i = _index(course.sections, section_id)
    edited = [*course.sections]
    edited[i] = edited[i].model_copy(update=changes)
    check_size(course.content, edited)
    sections = {
        "$map": {
            "input": "$sections",
            "in": {
                "$cond": [
                    {"$eq": ["$$this.section_id", section_id]},
                    {"$mergeObjects": ["$$this", {"$literal": changes}]},
                    "$$this",
                ]
            },
        }
    }
    match = {"sections.section_id": section_id}
    course = await _apply(course, match, sections, expected_version, SectionNotFound(), cache)
    return course, course.sections[_index(course.sections, section_id)]


async def remove_section(
    course: Course, section_id: PydanticObjectId, expected_version: int | None, cache: Cache
) -> Course:
    """Remove a section; enrollments' progress is recomputed, their history stays."""
    sections = {"$filter": {"input": "$sections", "cond": {"$ne": ["$$this.section_id", section_id]}}}
    match = {"sections.section_id": section_id}
    course = await _apply(course, match, sections, expected_version, SectionNotFound(), cache)
    await recompute(course)
    return course


async def reorder_sections(
    course: Course, body: SectionOrder, expected_version: int | None, cache: Cache
) -> Course:
    """Put the sections in the order given, which must name each section exactly once."""
    wanted = list(body.section_ids)
    if len(set(wanted)) != len(wanted) or set(wanted) != set(course.section_ids):
        raise _not_a_permutation()
    # the write applies only while the course has exactly these sections
    match: dict[str, Any] = {"sections": {"$size": len(wanted)}}
    if wanted:  # `$and` of equalities rather than `$all`, which SecantusDB does not match on array paths
        match["$and"] = [{"sections.section_id": i} for i in wanted]
    sections = {
        "$map": {
            "input": {"$literal": wanted},
            "as": "id",
            "in": {
                "$arrayElemAt": [
                    {"$filter": {"input": "$sections", "cond": {"$eq": ["$$this.section_id", "$$id"]}}},
                    0,
                ]
            },
        }
    }
    return await _apply(course, match, sections, expected_version, _not_a_permutation(), cache)

"""Enrollments: enroll, drop, read, roster, and progress, each one atomic update per request.

Progress writes are MongoDB pipeline updates: the server decides whether the section changes state,
recomputes `progress` against the course's current sections, and appends one history event only when
something changed, all in one document update, so concurrent requests never lose a section or an event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from oms.clock import utcnow
from oms.documents import Course, Enrollment, User
from oms.documents.course import CourseStatus
from oms.documents.enrollment import EnrollmentStatus
from oms.exceptions import (
    AlreadyEnrolled,
    CourseNotFound,
    EnrollmentClosed,
    EnrollmentNotFound,
    Unprocessable,
)
from oms.schemas.common import PageParams
from oms.services.courses import SUMMARY_PROJECTION
from oms.services.popularity.rankings import Rankings

ACTIVE, COMPLETED, DROPPED = (s.value for s in EnrollmentStatus)
_CHANGED = "_oms_changed"


def _progress_expr(section_ids: list[PydanticObjectId]) -> Any:
    """Completed sections still in the course / sections in the course × 100, computed by the server."""
    if not section_ids:
        return 0.0
    done = {"$size": {"$setIntersection": ["$completed_sections", section_ids]}}
    return {"$round": [{"$multiply": [{"$divide": [done, len(section_ids)]}, 100]}, 4]}


def _history_stages(
    event: str, section_id: ObjectId | None, now: datetime, limit: int
) -> list[dict[str, Any]]:
    """Append an event (carrying the new progress) when `_oms_changed` is true, keep the newest `limit`."""
    entry = {"at": now, "event": event, "section_id": section_id, "progress": "$progress"}
    appended = {"$slice": [{"$concatArrays": ["$history", [entry]]}, -limit]}
    return [
        {
            "$set": {
                "history": {"$cond": [f"${_CHANGED}", appended, "$history"]},
                "updated_at": {"$cond": [f"${_CHANGED}", now, "$updated_at"]},
            }
        },
        {"$unset": _CHANGED},
    ]


def _status_stage(now: datetime) -> dict[str, Any]:
    done = {"$gte": ["$progress", 100]}
    return {
        "$set": {
            "status": {"$cond": [done, COMPLETED, ACTIVE]},
            "completed_at": {"$cond": [done, {"$ifNull": ["$completed_at", now]}, None]},
        }
    }


async def _update(query: dict[str, Any], pipeline: list[dict[str, Any]]) -> Enrollment | None:
    raw = await Enrollment.get_pymongo_collection().find_one_and_update(
        query, pipeline, return_document=ReturnDocument.AFTER
    )
    if raw is None:
        return None
    enrollment: Enrollment = Enrollment.model_validate(raw)
    return enrollment


async def enroll(user: User, course: Course, history_limit: int, rankings: Rankings) -> Enrollment:
    """Enroll `user` in a published course; a dropped enrollment is revived, any other is AlreadyEnrolled."""
    if course.status != CourseStatus.published:
        raise CourseNotFound()
    now = utcnow()
    enrollment: Enrollment = Enrollment.model_validate(
        {
            "user_id": user.id,
            "course_id": course.id,
            "history": [{"at": now, "event": "enrolled", "section_id": None, "progress": 0.0}],
            "enrolled_at": now,
            "updated_at": now,
        }
    )
    try:
        await enrollment.insert()
    except DuplicateKeyError:
        pass
    else:
        await rankings.record_enrollment(course.id, now)  # type: ignore[arg-type]  # stored courses have ids
        return enrollment
    pipeline = [
        {"$set": {_CHANGED: True, "status": ACTIVE, "progress": _progress_expr(course.section_ids)}},
        _status_stage(now),
        *_history_stages("enrolled", None, now, history_limit),
    ]
    revived = await _update({"user_id": user.id, "course_id": course.id, "status": DROPPED}, pipeline)
    if revived is None:
        raise AlreadyEnrolled("you are already enrolled in this course")
    return revived


async def record_progress(
    enrollment: Enrollment, section_id: PydanticObjectId, completed: bool, history_limit: int
) -> Enrollment:
    """Mark a section of the enrollment's course done or not done (the course read by its id, any status:
    an archived course's students keep their progress)."""
    course = await Course.get(enrollment.course_id)
    if course is None:
        raise CourseNotFound()
    return await mark_progress(enrollment, course, section_id, completed, history_limit)


async def mark_progress(
    enrollment: Enrollment, course: Course, section_id: PydanticObjectId, completed: bool, history_limit: int
) -> Enrollment:
    """Mark a section done or not done; one event only when its state really changes."""
    if section_id not in course.section_ids:
        raise Unprocessable(
            "no such section in this course",
            errors=[{"loc": ["body", "section_id"], "msg": "not a section of this course"}],
        )
    now = utcnow()
    is_done = {"$in": [section_id, "$completed_sections"]}
    if completed:
        changed: Any = {"$not": [is_done]}
        new_list: Any = {"$concatArrays": ["$completed_sections", [section_id]]}
    else:
        changed = is_done
        new_list = {"$filter": {"input": "$completed_sections", "cond": {"$ne": ["$$this", section_id]}}}
    pipeline = [
        {"$set": {_CHANGED: changed}},
        {"$set": {"completed_sections": {"$cond": [f"${_CHANGED}", new_list, "$completed_sections"]}}},
        {"$set": {"progress": _progress_expr(course.section_ids)}},
        _status_stage(now),
        *_history_stages(
            "section_completed" if completed else "section_reset", section_id, now, history_limit
        ),
    ]
    updated = await _update({"_id": enrollment.id, "status": {"$ne": DROPPED}}, pipeline)
    if updated is None:
        raise EnrollmentClosed("this enrollment was dropped; enroll again to record progress")
    return await _settle(updated, course.section_ids)


async def _current_section_ids(course_id: PydanticObjectId) -> list[PydanticObjectId] | None:
    raw = await Course.get_pymongo_collection().find_one({"_id": course_id}, {"sections.section_id": 1})
    return None if raw is None else [s["section_id"] for s in raw.get("sections", [])]


async def _settle(enrollment: Enrollment, counted: list[PydanticObjectId]) -> Enrollment:
    """Recount progress if the course's sections changed while it was computed against `counted`."""
    while (current := await _current_section_ids(enrollment.course_id)) not in (None, counted):
        pipeline = [{"$set": {"progress": _progress_expr(current)}}, _status_stage(utcnow())]
        fresh = await _update({"_id": enrollment.id, "status": {"$ne": DROPPED}}, pipeline)
        if fresh is None:
            break
        enrollment, counted = fresh, current
    return enrollment


async def drop(enrollment: Enrollment, history_limit: int) -> Enrollment:
    """Set status `dropped` and record it; progress and history stay. Dropping twice changes nothing."""
    now = utcnow()
    pipeline = [
        {"$set": {_CHANGED: True, "status": DROPPED, "completed_at": None}},
        *_history_stages("dropped", None, now, history_limit),
    ]
    updated = await _update({"_id": enrollment.id, "status": {"$ne": DROPPED}}, pipeline)
    return updated or enrollment


async def get_visible(enrollment_id: PydanticObjectId, viewer: User) -> Enrollment:
    """An enrollment its owner or an admin may see; to anyone else it does not exist."""
    enrollment = await Enrollment.get(enrollment_id)
    if enrollment is None or (enrollment.user_id != viewer.id and not viewer.is_admin):
        raise EnrollmentNotFound()
    return enrollment


async def _page(
    query: dict[str, Any], order: list[tuple[str, int]], page: PageParams
) -> tuple[list[Enrollment], int]:
    """A page of enrollments with only their newest history event, and the total."""
    collection = Enrollment.get_pymongo_collection()
    total = await collection.count_documents(query)
    # only the newest event of the history, which a stored enrollment without `updated_at` reads as
    cursor = (
        collection.find(query, {"history": {"$slice": -1}}).sort(order).skip(page.offset).limit(page.limit)
    )
    return [Enrollment.model_validate(raw) async for raw in cursor], total


async def summaries(course_ids: list[PydanticObjectId]) -> dict[PydanticObjectId, Course]:
    """Courses without section bodies, by id, in one query."""
    cursor = Course.get_pymongo_collection().find({"_id": {"$in": course_ids}}, SUMMARY_PROJECTION)
    return {raw["_id"]: Course.model_validate(raw) async for raw in cursor}


async def list_mine(
    user: User, page: PageParams, status: EnrollmentStatus | None
) -> tuple[list[tuple[Enrollment, Course | None]], int]:
    """The caller's enrollments, newest first, each with its course summary."""
    query: dict[str, Any] = {"user_id": user.id}
    if status:
        query["status"] = status.value
    items, total = await _page(query, [("enrolled_at", -1), ("_id", -1)], page)
    courses = await summaries([e.course_id for e in items])
    return [(e, courses.get(e.course_id)) for e in items], total


async def roster(
    course: Course, page: PageParams, status: EnrollmentStatus | None
) -> tuple[list[tuple[Enrollment, User | None]], int]:
    """A course's enrollments, oldest first, each with its student."""
    query: dict[str, Any] = {"course_id": course.id}
    if status:
        query["status"] = status.value
    items, total = await _page(query, [("enrolled_at", 1), ("_id", 1)], page)
    users = {u.id: u for u in await User.find({"_id": {"$in": [e.user_id for e in items]}}).to_list()}
    return [(e, users.get(e.user_id)) for e in items], total


async def recompute_for_course(course: Course) -> None:
    """After sections are added or removed, bring every live enrollment's progress and status up to date."""
    now = utcnow()
    await Enrollment.get_pymongo_collection().update_many(
        {"course_id": course.id, "status": {"$ne": DROPPED}},
        [{"$set": {"progress": _progress_expr(course.section_ids)}}, _status_stage(now)],
    )

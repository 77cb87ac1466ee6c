"""Assignments: created by admins for a course, readable by its enrolled students."""

from __future__ import annotations

from typing import Any

from beanie import PydanticObjectId
from pymongo import ReturnDocument

from oms.clock import utcnow
from oms.documents import Assignment, Course, Enrollment, Submission, User
from oms.documents.assignment import AssignmentStatus
from oms.documents.enrollment import EnrollmentStatus
from oms.exceptions import AssignmentNotFound
from oms.schemas.assignments import AssignmentCreate, AssignmentUpdate
from oms.schemas.common import PageParams


async def is_enrolled(user: User, course_id: PydanticObjectId) -> bool:
    """Whether `user` has a live (not dropped) enrollment in the course."""
    found = await Enrollment.get_pymongo_collection().find_one(
        {"user_id": user.id, "course_id": course_id, "status": {"$ne": EnrollmentStatus.dropped.value}},
        {"_id": 1},
    )
    return found is not None


async def can_see_course_work(user: User, course_id: PydanticObjectId) -> bool:
    """Admins and the course's enrolled students see its assignments."""
    return user.is_admin or await is_enrolled(user, course_id)


async def create(course: Course, body: AssignmentCreate, admin: User) -> Assignment:
    """Add an assignment to a course."""
    assignment = Assignment(course_id=course.id, created_by=admin.id, **body.model_dump())
    await assignment.insert()
    return assignment


async def visible(assignment_id: PydanticObjectId, viewer: User) -> Assignment:
    """The assignment, if the viewer is an admin or enrolled in its course; AssignmentNotFound otherwise."""
    assignment = await Assignment.get(assignment_id)
    if assignment is None or not await can_see_course_work(viewer, assignment.course_id):
        raise AssignmentNotFound()
    return assignment


async def list_for_course(course: Course, page: PageParams) -> tuple[list[Assignment], int]:
    """A course's assignments, oldest first."""
    found = Assignment.find(Assignment.course_id == course.id)
    total = await found.count()
    items = await found.sort("+created_at", "+_id").skip(page.offset).limit(page.limit).to_list()
    return items, total


async def own_submissions(user: User, assignments: list[Assignment]) -> dict[PydanticObjectId, Submission]:
    """The caller's submissions to these assignments, by assignment id, in one query."""
    found = await Submission.find(
        {"user_id": user.id, "assignment_id": {"$in": [a.id for a in assignments]}}
    ).to_list()
    return {s.assignment_id: s for s in found}


async def update(assignment: Assignment, body: AssignmentUpdate) -> Assignment:
    """Change only the fields sent; `due_at: null` removes the deadline."""
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    if not changes:
        return assignment
    changes["updated_at"] = utcnow()
    raw = await Assignment.get_pymongo_collection().find_one_and_update(
        {"_id": assignment.id}, {"$set": changes}, return_document=ReturnDocument.AFTER
    )
    if raw is None:
        raise AssignmentNotFound()
    updated: Assignment = Assignment.model_validate(raw)
    return updated


async def delete_or_archive(assignment: Assignment) -> Assignment | None:
    """Delete an assignment nobody has submitted to (None); with submissions, archive it instead."""
    if not await Submission.find_one(Submission.assignment_id == assignment.id):
        deleted = await Assignment.get_pymongo_collection().delete_one({"_id": assignment.id})
        if deleted.deleted_count:
            # a first submission racing the delete would be orphaned: keep the assignment if one arrived
            if await Submission.find_one(Submission.assignment_id == assignment.id):
                await Assignment.get_pymongo_collection().insert_one(assignment.model_dump(by_alias=True))
            else:
                return None
    return await update(assignment, AssignmentUpdate(status=AssignmentStatus.archived))

"""Submissions: students hand in attempts, admins grade; every attempt and every grade is kept.

A submission is one document per (assignment, student). Each hand-in is one pipeline upsert that appends an
attempt numbered `size(attempts) + 1` on the server, so concurrent hand-ins never lose an attempt or repeat
a number. A hand-in after grading sets the status back to `submitted`; the grade stays in `grades`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from oms.documents import Assignment, Course, Submission, User
from oms.documents.assignment import AssignmentStatus
from oms.documents.submission import SubmissionStatus
from oms.exceptions import AssignmentNotFound, Forbidden, SubmissionNotFound, SubmissionRefused, Unprocessable
from oms.schemas.assignments import GradeCreate, SubmissionCreate
from oms.schemas.common import PageParams
from oms.services.assignments import is_enrolled

_ATTEMPTS = {"$ifNull": ["$attempts", []]}


async def submit(assignment: Assignment, student: User, body: SubmissionCreate, now: datetime) -> Submission:
    """Append an attempt (flagged late after the deadline, or refused when late work is not allowed)."""
    if student.is_admin:
        raise Forbidden("only students submit work")
    if not await is_enrolled(student, assignment.course_id):
        raise Forbidden("you are not enrolled in this course")
    if assignment.status == AssignmentStatus.archived:
        raise SubmissionRefused(
            "this assignment is archived and takes no more submissions", code="assignment_archived"
        )
    late = assignment.due_at is not None and now > assignment.due_at
    if late and not assignment.allow_late:
        raise SubmissionRefused(
            "the deadline has passed and this assignment does not accept late work", code="deadline_passed"
        )
    attempt = {
        "n": {"$add": [{"$size": _ATTEMPTS}, 1]},
        "content": {"$literal": body.content},
        "links": {"$literal": body.links},
        "submitted_at": now,
        "late": late,
    }
    pipeline: list[dict[str, Any]] = [
        {
            "$set": {
                "course_id": assignment.course_id,
                "attempts": {"$concatArrays": [_ATTEMPTS, [attempt]]},
                "status": SubmissionStatus.submitted.value,
                "late": late,
                "score": None,
                "feedback": None,
                "graded_by": None,
                "graded_at": None,
                "grades": {"$ifNull": ["$grades", []]},
                "created_at": {"$ifNull": ["$created_at", now]},
                "updated_at": now,
            }
        }
    ]
    query = {"assignment_id": assignment.id, "user_id": student.id}
    collection = Submission.get_pymongo_collection()
    try:
        raw = await collection.find_one_and_update(
            query, pipeline, upsert=True, return_document=ReturnDocument.AFTER
        )
    except DuplicateKeyError:
        # two first hand-ins raced to insert: the loser appends to the winner's document
        raw = await collection.find_one_and_update(query, pipeline, return_document=ReturnDocument.AFTER)
    if raw is None:  # the write happened, but some servers (SecantusDB, under contention) return no document
        raw = await collection.find_one(query)
    if not await Assignment.find_one(Assignment.id == assignment.id):
        # deleted meanwhile: leave nothing behind
        await collection.delete_one({**query, "attempts": {"$size": 1}})
        raise AssignmentNotFound()
    submission: Submission = Submission.model_validate(raw)
    return submission


async def visible(submission_id: PydanticObjectId, viewer: User) -> Submission:
    """A submission its student or an admin may see; SubmissionNotFound for anyone else."""
    submission = await Submission.get(submission_id)
    if submission is None or (submission.user_id != viewer.id and not viewer.is_admin):
        raise SubmissionNotFound()
    return submission


async def list_for_assignment(
    assignment: Assignment,
    viewer: User,
    page: PageParams,
    status: SubmissionStatus | None = None,
    late: bool | None = None,
) -> tuple[list[Submission], int]:
    """Admins see every submission (filtered); a student sees only their own."""
    query: dict[str, Any] = {"assignment_id": assignment.id}
    if not viewer.is_admin:
        query["user_id"] = viewer.id
    if status is not None:
        query["status"] = status.value
    if late is not None:
        query["late"] = late
    found = Submission.find(query)
    total = await found.count()
    items = await found.sort("-updated_at", "-_id").skip(page.offset).limit(page.limit).to_list()
    return items, total


async def grade(submission: Submission, admin: User, body: GradeCreate, now: datetime) -> Submission:
    """Grade the latest attempt; the grade is also appended to the submission's grade history."""
    assignment = await Assignment.get(submission.assignment_id)
    if assignment is None:
        raise AssignmentNotFound()
    if body.score > assignment.max_score:
        raise Unprocessable(
            f"score may be at most {assignment.max_score:g}",
            errors=[{"loc": ["body", "score"], "msg": f"must be between 0 and {assignment.max_score:g}"}],
        )
    entry = {
        "attempt": {"$size": "$attempts"},
        "score": body.score,
        "feedback": {"$literal": body.feedback},
        "graded_by": admin.id,
        "graded_at": now,
    }
    pipeline = [
        {
            "$set": {
                "status": SubmissionStatus.graded.value,
                "score": body.score,
                "feedback": {"$literal": body.feedback},
                "graded_by": admin.id,
                "graded_at": now,
                "grades": {"$concatArrays": ["$grades", [entry]]},
                "updated_at": now,
            }
        }
    ]
    raw = await Submission.get_pymongo_collection().find_one_and_update(
        {"_id": submission.id}, pipeline, return_document=ReturnDocument.AFTER
    )
    if raw is None:
        raise SubmissionNotFound()
    graded: Submission = Submission.model_validate(raw)
    return graded


async def grading_queue(
    page: PageParams,
    status: SubmissionStatus | None = None,
    late: bool | None = None,
    course_id: ObjectId | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Submissions across every course for graders: ungraded first, then the longest waiting first;
    each with its assignment's title and maximum score, its course's name and its student's names."""
    query: dict[str, Any] = {}
    if status is not None:
        query["status"] = status.value
    if late is not None:
        query["late"] = late
    if course_id is not None:
        query["course_id"] = course_id
    found = Submission.find(query)
    total = await found.count()
    # "graded" sorts after "submitted" descending, so ungraded work comes first
    items = await found.sort("-status", "+updated_at", "+_id").skip(page.offset).limit(page.limit).to_list()
    assignments = {
        a.id: a
        for a in await Assignment.find({"_id": {"$in": list({s.assignment_id for s in items})}}).to_list()
    }
    courses = {
        c["_id"]: c["name"]
        async for c in Course.get_pymongo_collection().find(
            {"_id": {"$in": list({s.course_id for s in items})}}, {"name": 1}
        )
    }
    users = {
        u["_id"]: u
        async for u in User.get_pymongo_collection().find(
            {"_id": {"$in": list({s.user_id for s in items})}}, {"username": 1, "display_name": 1}
        )
    }
    rows = []
    for s in items:
        assignment = assignments.get(s.assignment_id)
        user = users.get(s.user_id, {})
        rows.append(
            {
                "submission": s,
                "assignment_title": assignment.title if assignment else "",
                "max_score": assignment.max_score if assignment else 0.0,
                "course_name": courses.get(s.course_id, ""),
                "username": user.get("username"),
                "display_name": user.get("display_name"),
            }
        )
    return rows, total

"""Assignments of a course, and hand-ins to them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from oms.deps import (
    AdminAssignment,
    AdminCourse,
    AdminUser,
    Auditor,
    CourseForWork,
    CurrentUser,
    Now,
    Paging,
    VisibleAssignment,
)
from oms.documents import Assignment, Submission
from oms.documents.submission import SubmissionStatus
from oms.routers import API_PREFIX
from oms.schemas.assignments import (
    AssignmentCreate,
    AssignmentPublic,
    AssignmentUpdate,
    MySubmissionState,
    SubmissionCreate,
    SubmissionPublic,
)
from oms.schemas.common import ObjectIdIn, Page
from oms.schemas.dashboard import QueueItem
from oms.services import assignments as assignment_service
from oms.services import submissions as submission_service
from oms.services.audit import audited, snapshot

router = APIRouter(prefix=API_PREFIX, tags=["assignments"])


def _state(submission: Submission | None) -> MySubmissionState:
    if submission is None:
        return MySubmissionState(state="none")
    return MySubmissionState(
        state=submission.status.value,
        submission_id=submission.id,
        attempts=len(submission.attempts),
        score=submission.score,
    )


def _public(assignment: Assignment, own: dict[Any, Submission] | None = None) -> AssignmentPublic:
    reply = AssignmentPublic.model_validate(assignment)
    if own is not None:
        reply.my_submission = _state(own.get(assignment.id))
    return reply


@router.post(
    "/courses/{course_ref}/assignments", status_code=status.HTTP_201_CREATED, response_model=AssignmentPublic
)
async def create_assignment(
    body: AssignmentCreate, course: AdminCourse, admin: CurrentUser, actor: Auditor, response: Response
) -> Any:
    """Add an assignment to the course (admin)."""
    async with audited(actor, "assignment.create", "assignments", None) as outcome:
        assignment = await assignment_service.create(course, body, admin)
        outcome.target_id, outcome.after = str(assignment.id), snapshot(assignment)
    response.headers["Location"] = f"{API_PREFIX}/assignments/{assignment.id}"
    return _public(assignment)


@router.get("/courses/{course_ref}/assignments", response_model=Page[AssignmentPublic])
async def list_assignments(course: CourseForWork, user: CurrentUser, page: Paging) -> Any:
    """The course's assignments (admins and enrolled students); a student also sees the state of their own work."""
    items, total = await assignment_service.list_for_course(course, page)
    own = None if user.is_admin else await assignment_service.own_submissions(user, items)
    return Page[AssignmentPublic](
        items=[_public(a, own) for a in items], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/assignments/{assignment_id}", response_model=AssignmentPublic)
async def read_assignment(assignment: VisibleAssignment, user: CurrentUser) -> Any:
    """One assignment (admins and enrolled students)."""
    own = None if user.is_admin else await assignment_service.own_submissions(user, [assignment])
    return _public(assignment, own)


@router.patch("/assignments/{assignment_id}", response_model=AssignmentPublic)
async def update_assignment(body: AssignmentUpdate, assignment: AdminAssignment, actor: Auditor) -> Any:
    """Change an assignment (admin); `status: archived` closes it to new work."""
    async with audited(
        actor, "assignment.update", "assignments", str(assignment.id), snapshot(assignment)
    ) as out:
        updated = await assignment_service.update(assignment, body)
        out.after = snapshot(updated)
    return _public(updated)


@router.delete(
    "/assignments/{assignment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        200: {"model": AssignmentPublic, "description": "it had submissions, so it was archived instead"}
    },
)
async def delete_assignment(assignment: AdminAssignment, actor: Auditor) -> Response:
    """Delete an assignment nobody has submitted to (204); one with submissions is archived (200)."""
    async with audited(
        actor, "assignment.delete", "assignments", str(assignment.id), snapshot(assignment)
    ) as out:
        archived = await assignment_service.delete_or_archive(assignment)
        out.after = snapshot(archived)
        out.note = {"deleted": archived is None}
    if archived is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return Response(_public(archived).model_dump_json(), media_type="application/json")


@router.post(
    "/assignments/{assignment_id}/submissions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubmissionPublic,
)
async def submit(
    body: SubmissionCreate, assignment: VisibleAssignment, user: CurrentUser, now: Now, response: Response
) -> Any:
    """Hand in work (enrolled students). Each hand-in is a new attempt; after the deadline it is flagged
    late, or refused (409) when the assignment takes no late work."""
    submission = await submission_service.submit(assignment, user, body, now)
    response.headers["Location"] = f"{API_PREFIX}/submissions/{submission.id}"
    return submission


@router.get("/assignments/{assignment_id}/submissions", response_model=Page[SubmissionPublic])
async def list_submissions(
    assignment: VisibleAssignment,
    user: CurrentUser,
    page: Paging,
    status_: Annotated[SubmissionStatus | None, Query(alias="status")] = None,
    late: Annotated[
        bool | None, Query(description="only late (true) or on-time (false) latest attempts")
    ] = None,
) -> Any:
    """Every submission (admin), or the caller's own (student)."""
    items, total = await submission_service.list_for_assignment(assignment, user, page, status_, late)
    return Page[SubmissionPublic](
        items=[SubmissionPublic.model_validate(s) for s in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/admin/submissions", response_model=Page[QueueItem])
async def grading_queue(
    _: AdminUser,
    page: Paging,
    status_: Annotated[SubmissionStatus | None, Query(alias="status")] = None,
    late: Annotated[
        bool | None, Query(description="only late (true) or on-time (false) latest attempts")
    ] = None,
    course_id: Annotated[ObjectIdIn | None, Query(description="one course's work only")] = None,
) -> Any:
    """The grading queue across every course (admin): ungraded submissions first, the longest waiting
    first, each with its assignment's title and maximum score, its course's name and the student's names.
    Paged by `limit` and `offset` through that order, with the `total` matching."""
    rows, total = await submission_service.grading_queue(page, status_, late, course_id)
    return Page[QueueItem](
        items=[QueueItem.model_validate(r) for r in rows], total=total, limit=page.limit, offset=page.offset
    )

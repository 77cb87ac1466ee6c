"""Enrollments: enroll, my enrollments, one enrollment, drop, progress, and a course's roster."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from oms.deps import (
    AdminCourse,
    CurrentUser,
    OwnEnrollment,
    Paging,
    RankingsDep,
    SettingsDep,
    StudentUser,
    VisibleCourse,
    VisibleEnrollment,
)
from oms.documents.enrollment import EnrollmentStatus
from oms.routers import API_PREFIX
from oms.schemas.common import Page
from oms.schemas.courses import CourseSummary
from oms.schemas.enrollments import EnrollmentDetail, MyEnrollment, ProgressUpdate, RosterEntry
from oms.services import enrollments as enrollment_service

router = APIRouter(prefix=API_PREFIX, tags=["enrollments"])
StatusFilter = Annotated[EnrollmentStatus | None, Query(alias="status")]


@router.post(
    "/courses/{course_ref}/enrollments", status_code=status.HTTP_201_CREATED, response_model=EnrollmentDetail
)
async def enroll(
    course: VisibleCourse, user: StudentUser, settings: SettingsDep, rankings: RankingsDep, response: Response
) -> Any:
    """Enroll the caller in a published course; 409 when already enrolled (a dropped enrollment is revived)."""
    enrollment = await enrollment_service.enroll(user, course, settings.history_limit, rankings)
    response.headers["Location"] = f"/api/v1/enrollments/{enrollment.id}"
    return enrollment


@router.get("/courses/{course_ref}/enrollments", response_model=Page[RosterEntry])
async def roster(course: AdminCourse, page: Paging, status_: StatusFilter = None) -> Any:
    """The course's students with their progress (admin)."""
    rows, total = await enrollment_service.roster(course, page, status_)
    items = [
        RosterEntry.model_validate(
            {
                **e.model_dump(),
                "username": u.username if u else None,
                "display_name": u.display_name if u else None,
            }
        )
        for e, u in rows
    ]
    return Page[RosterEntry](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/me/enrollments", response_model=Page[MyEnrollment])
async def my_enrollments(user: CurrentUser, page: Paging, status_: StatusFilter = None) -> Any:
    """The caller's enrollments, newest first, with course summaries."""
    rows, total = await enrollment_service.list_mine(user, page, status_)
    items = [
        MyEnrollment.model_validate(
            {**e.model_dump(), "course": CourseSummary.model_validate(c) if c else None}
        )
        for e, c in rows
    ]
    return Page[MyEnrollment](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/enrollments/{enrollment_id}", response_model=EnrollmentDetail)
async def read_enrollment(enrollment: VisibleEnrollment) -> Any:
    """One enrollment with its progress history (its student or an admin; 404 for anyone else)."""
    return enrollment


@router.delete("/enrollments/{enrollment_id}", response_model=EnrollmentDetail)
async def drop(enrollment: VisibleEnrollment, settings: SettingsDep) -> Any:
    """Drop the course: status becomes `dropped`; progress and history are kept."""
    return await enrollment_service.drop(enrollment, settings.history_limit)


@router.post("/enrollments/{enrollment_id}/progress", response_model=EnrollmentDetail)
async def mark_progress(body: ProgressUpdate, enrollment: OwnEnrollment, settings: SettingsDep) -> Any:
    """Mark a section done or not done (the enrolled student only: 403 for an admin, 404 for anyone else).
    Re-marking changes nothing; 422 for a section not in the course."""
    return await enrollment_service.record_progress(
        enrollment, body.section_id, body.completed, settings.history_limit
    )

"""Enrollment request and reply bodies."""

from __future__ import annotations

from pydantic import Field

from oms.documents.enrollment import EnrollmentStatus
from oms.schemas.common import ObjectIdIn, ObjectIdStr, PublicModel, RequestModel, StrictBool, UtcDatetime
from oms.schemas.courses import CourseSummary


class ProgressUpdate(RequestModel):
    """Mark a section done (`completed: true`) or not done."""

    section_id: ObjectIdIn
    completed: StrictBool = True


class HistoryEventPublic(PublicModel):
    at: UtcDatetime
    event: str = Field(description="enrolled | section_completed | section_reset | dropped")
    section_id: ObjectIdStr | None
    progress: float


class EnrollmentPublic(PublicModel):
    """An enrollment without its history (lists)."""

    id: ObjectIdStr
    user_id: ObjectIdStr
    course_id: ObjectIdStr
    status: EnrollmentStatus
    progress: float = Field(description="completed sections / sections × 100")
    completed_sections: list[ObjectIdStr]
    enrolled_at: UtcDatetime
    updated_at: UtcDatetime
    completed_at: UtcDatetime | None


class EnrollmentDetail(EnrollmentPublic):
    """An enrollment with its progress history, oldest event first."""

    history: list[HistoryEventPublic]


class MyEnrollment(EnrollmentPublic):
    """One of the caller's enrollments with a summary of its course."""

    course: CourseSummary | None


class RosterEntry(EnrollmentPublic):
    """A course's enrollment with the student's name."""

    username: str | None
    display_name: str | None

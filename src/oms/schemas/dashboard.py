"""Admin dashboard replies: activity over time, per-course figures, and the grading queue."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from oms.documents.course import CourseStatus
from oms.schemas.assignments import SubmissionPublic
from oms.schemas.common import ObjectIdStr, PublicModel


class ActivityDay(PublicModel):
    """One UTC day: enrollments started and courses completed on it."""

    day: date
    enrollments: int
    completions: int


class ActivitySeries(PublicModel):
    """Every day of the window, oldest first, days without activity included (as zeros)."""

    days: int = Field(description="the window's length in days, today included")
    points: list[ActivityDay]


class CourseFigures(PublicModel):
    """One course's enrollments by status, completion rate (completed / enrollments, 0–1) and mean
    progress (0–100) over all its enrollments, dropped ones included."""

    course_id: ObjectIdStr
    slug: str
    name: str
    status: CourseStatus
    enrollments: int
    active: int
    completed: int
    dropped: int
    completion_rate: float
    mean_progress: float


class CourseFiguresPage(PublicModel):
    """The courses with the most enrollments (or the given order), at most `limit`."""

    items: list[CourseFigures]


class QueueItem(PublicModel):
    """A submission waiting for (or given) a grade, with what a grader needs to see beside it."""

    submission: SubmissionPublic
    assignment_title: str
    max_score: float
    course_name: str
    username: str | None
    display_name: str | None

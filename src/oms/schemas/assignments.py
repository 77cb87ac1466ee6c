"""Assignment and submission request and reply bodies."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from oms.documents.assignment import AssignmentStatus
from oms.documents.submission import SubmissionStatus
from oms.schemas.common import (
    IsoDatetime,
    MultiLine,
    Number,
    ObjectIdStr,
    PartialUpdate,
    PublicModel,
    RequestModel,
    SingleLine,
    StrictBool,
    UtcDatetime,
)
from oms.services.links import check_link


def _safe_link(url: str) -> str:
    """`check_link`, its refusal reported as the field error type `unsafe_link` (clients word it themselves)."""
    try:
        return check_link(url)
    except ValueError as exc:
        raise PydanticCustomError("unsafe_link", str(exc)) from exc


Title = Annotated[str, Field(min_length=1, max_length=200), SingleLine]
Instructions = Annotated[str, Field(max_length=100_000), MultiLine]
MaxScore = Annotated[Number, Field(gt=0, le=10_000)]
Link = Annotated[
    str,
    Field(
        min_length=1, max_length=2048, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@\s]+\.[^/?#@\s]+([/?#]\S*)?$"
    ),
    AfterValidator(_safe_link),
]
Content = Annotated[
    str,
    Field(min_length=1, max_length=100_000, description="the work, at most 100,000 chars"),
    MultiLine,
]


class AssignmentCreate(RequestModel):
    """A new assignment of the course; work after `due_at` is flagged late, or refused if `allow_late` is false."""

    title: Title
    instructions: Instructions = ""
    due_at: IsoDatetime | None = None
    max_score: MaxScore = 100
    allow_late: StrictBool = True


class AssignmentUpdate(PartialUpdate):
    """Changes to an assignment; `status: archived` stops new submissions; `due_at: null` removes the deadline."""

    nullable: ClassVar[frozenset[str]] = frozenset({"due_at"})

    title: Title | None = None
    instructions: Instructions | None = None
    due_at: IsoDatetime | None = None
    max_score: MaxScore | None = None
    allow_late: StrictBool | None = None
    status: AssignmentStatus | None = None


class MySubmissionState(PublicModel):
    """The caller's own submission to an assignment, as a student sees it in lists."""

    state: Literal["none", "submitted", "graded"]
    submission_id: ObjectIdStr | None = None
    attempts: int = 0
    score: float | None = None


class AssignmentPublic(PublicModel):
    id: ObjectIdStr
    course_id: ObjectIdStr
    title: str
    instructions: str
    due_at: UtcDatetime | None
    max_score: float
    allow_late: bool
    status: AssignmentStatus
    created_at: UtcDatetime
    updated_at: UtcDatetime
    my_submission: MySubmissionState | None = Field(None, description="students only: their own submission")


class SubmissionCreate(RequestModel):
    """One attempt: the work and up to 10 http(s) links."""

    content: Content
    links: Annotated[list[Link], Field(max_length=10)] = []


class GradeCreate(RequestModel):
    """A grade for the latest attempt: 0 ≤ score ≤ the assignment's max_score."""

    score: Annotated[Number, Field(ge=0, le=10_000)]
    feedback: Annotated[str, Field(max_length=20_000), MultiLine] = ""

    @model_validator(mode="after")
    def _finite(self) -> GradeCreate:
        if self.score != self.score:  # NaN
            raise ValueError("score must be a number")
        return self


class AttemptPublic(PublicModel):
    n: int
    content: str
    links: list[str]
    submitted_at: UtcDatetime
    late: bool


class GradePublic(PublicModel):
    attempt: int
    score: float
    feedback: str
    graded_by: ObjectIdStr
    graded_at: UtcDatetime


class SubmissionPublic(PublicModel):
    """A submission with every attempt and every grade it was given."""

    id: ObjectIdStr
    assignment_id: ObjectIdStr
    course_id: ObjectIdStr
    user_id: ObjectIdStr
    status: SubmissionStatus
    late: bool = Field(description="whether the latest attempt was late")
    score: float | None
    feedback: str | None
    graded_by: ObjectIdStr | None
    graded_at: UtcDatetime | None
    attempts: list[AttemptPublic]
    grades: list[GradePublic]
    created_at: UtcDatetime
    updated_at: UtcDatetime

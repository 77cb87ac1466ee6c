"""The `submissions` collection: one document per student per assignment, every attempt kept."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, DESCENDING, IndexModel

from oms.clock import utcnow


class SubmissionStatus(StrEnum):
    submitted = "submitted"
    graded = "graded"


class Attempt(BaseModel):
    """One hand-in; `n` counts from 1 and never repeats."""

    n: int
    content: str
    links: list[str] = Field(default_factory=list)
    submitted_at: datetime
    late: bool = False


class Grade(BaseModel):
    """One grading of the attempt numbered `attempt`."""

    attempt: int
    score: float
    feedback: str = ""
    graded_by: PydanticObjectId
    graded_at: datetime


class Submission(Document):
    """A student's work on one assignment: the attempts, the current grade and every past grade."""

    assignment_id: PydanticObjectId
    course_id: PydanticObjectId
    user_id: PydanticObjectId
    attempts: list[Attempt] = Field(default_factory=list)
    status: SubmissionStatus = SubmissionStatus.submitted
    late: bool = False
    score: float | None = None
    feedback: str | None = None
    graded_by: PydanticObjectId | None = None
    graded_at: datetime | None = None
    grades: list[Grade] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "submissions"
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel(
                [("assignment_id", ASCENDING), ("user_id", ASCENDING)],
                name="assignment_user_unique",
                unique=True,
            ),
            IndexModel(
                [("assignment_id", ASCENDING), ("status", ASCENDING), ("updated_at", DESCENDING)],
                name="assignment_status",
            ),
            IndexModel([("user_id", ASCENDING), ("course_id", ASCENDING)], name="user_course"),
        ]


_ATTEMPT = {
    "bsonType": "object",
    "required": ["n", "content", "links", "submitted_at", "late"],
    "properties": {
        "n": {"bsonType": ["int", "long"], "minimum": 1},
        "content": {"bsonType": "string", "maxLength": 100_000},
        "links": {"bsonType": "array", "maxItems": 10, "items": {"bsonType": "string", "maxLength": 2048}},
        "submitted_at": {"bsonType": "date"},
        "late": {"bsonType": "bool"},
    },
}
_GRADE = {
    "bsonType": "object",
    "required": ["attempt", "score", "graded_by", "graded_at"],
    "properties": {
        "attempt": {"bsonType": ["int", "long"], "minimum": 1},
        "score": {"bsonType": ["double", "int", "long"], "minimum": 0},
        "feedback": {"bsonType": "string", "maxLength": 20_000},
        "graded_by": {"bsonType": "objectId"},
        "graded_at": {"bsonType": "date"},
    },
}
VALIDATOR: dict[str, Any] = {
    "bsonType": "object",
    "required": [
        "assignment_id",
        "course_id",
        "user_id",
        "attempts",
        "status",
        "late",
        "grades",
        "created_at",
    ],
    "properties": {
        "assignment_id": {"bsonType": "objectId"},
        "course_id": {"bsonType": "objectId"},
        "user_id": {"bsonType": "objectId"},
        "attempts": {"bsonType": "array", "minItems": 1, "items": _ATTEMPT},
        "status": {"enum": ["submitted", "graded"]},
        "late": {"bsonType": "bool"},
        "score": {"bsonType": ["double", "int", "long", "null"], "minimum": 0},
        "feedback": {"bsonType": ["string", "null"], "maxLength": 20_000},
        "graded_by": {"bsonType": ["objectId", "null"]},
        "graded_at": {"bsonType": ["date", "null"]},
        "grades": {"bsonType": "array", "items": _GRADE},
        "created_at": {"bsonType": "date"},
        "updated_at": {"bsonType": "date"},
    },
}

# One row per attempt, for analysts: course, assignment, user, n, submitted_at, late, and the score that
# attempt was given (its latest grade), or null.
ATTEMPTS_VIEW: list[dict[str, Any]] = [
    {"$unwind": "$attempts"},
    {
        "$project": {
            "_id": 0,
            "submission_id": "$_id",
            "course_id": 1,
            "assignment_id": 1,
            "user_id": 1,
            "n": "$attempts.n",
            "submitted_at": "$attempts.submitted_at",
            "late": "$attempts.late",
            "score": {
                "$ifNull": [
                    {
                        "$arrayElemAt": [
                            {
                                "$map": {
                                    "input": {
                                        "$filter": {
                                            "input": "$grades",
                                            "cond": {"$eq": ["$$this.attempt", "$attempts.n"]},
                                        }
                                    },
                                    "in": "$$this.score",
                                }
                            },
                            -1,
                        ]
                    },
                    None,
                ]
            },
        }
    },
]

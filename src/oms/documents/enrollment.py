"""The `enrollments` collection: one per (user, course), with progress and its capped history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field, model_validator
from pymongo import ASCENDING, DESCENDING, IndexModel

from oms.clock import utcnow


class EnrollmentStatus(StrEnum):
    active = "active"
    completed = "completed"
    dropped = "dropped"


class HistoryEvent(BaseModel):
    """One change: `enrolled`, `section_completed`, `section_reset`, `dropped`."""

    at: datetime
    event: str
    section_id: PydanticObjectId | None = None
    progress: float


class Enrollment(Document):
    """A student's place in a course; `progress` is completed sections / sections × 100."""

    user_id: PydanticObjectId
    course_id: PydanticObjectId
    status: EnrollmentStatus = EnrollmentStatus.active
    progress: float = 0.0
    completed_sections: list[PydanticObjectId] = Field(default_factory=list)
    history: list[HistoryEvent] = Field(default_factory=list)
    enrolled_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _derived_updated_at(cls, data: Any) -> Any:
        """A stored enrollment without `updated_at` (the data model allows it) reads as the time of its
        last history event, or `enrolled_at` without one: derived from what is stored, the same on every
        read, never the time of the read."""
        if isinstance(data, dict) and data.get("updated_at") is None and data.get("enrolled_at"):
            times = [
                e["at"] if isinstance(e, dict) else getattr(e, "at", None) for e in data.get("history") or []
            ]
            stamps = [t for t in (data["enrolled_at"], *times) if isinstance(t, datetime)]
            if stamps:
                data = {**data, "updated_at": max(stamps)}
        return data

    class Settings:
        name = "enrollments"
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel(
                [("user_id", ASCENDING), ("course_id", ASCENDING)], name="user_course_unique", unique=True
            ),
            IndexModel([("course_id", ASCENDING), ("status", ASCENDING)], name="course_status"),
            IndexModel([("user_id", ASCENDING), ("enrolled_at", DESCENDING)], name="user_recent"),
            IndexModel([("enrolled_at", ASCENDING)], name="enrolled_at"),
        ]


VALIDATOR: dict[str, Any] = {
    "bsonType": "object",
    "required": [
        "user_id",
        "course_id",
        "status",
        "progress",
        "completed_sections",
        "history",
        "enrolled_at",
    ],
    "properties": {
        "user_id": {"bsonType": "objectId"},
        "course_id": {"bsonType": "objectId"},
        "status": {"enum": ["active", "completed", "dropped"]},
        "progress": {"bsonType": ["double", "int"], "minimum": 0, "maximum": 100},
        "completed_sections": {"bsonType": "array", "items": {"bsonType": "objectId"}},
        "history": {
            "bsonType": "array",
            "items": {
                "bsonType": "object",
                "required": ["at", "event", "progress"],
                "properties": {
                    "at": {"bsonType": "date"},
                    "event": {"enum": ["enrolled", "section_completed", "section_reset", "dropped"]},
                    "section_id": {"bsonType": ["objectId", "null"]},
                    "progress": {"bsonType": ["double", "int"], "minimum": 0, "maximum": 100},
                },
            },
        },
        "enrolled_at": {"bsonType": "date"},
        "updated_at": {"bsonType": "date"},
        "completed_at": {"bsonType": ["date", "null"]},
    },
}

"""The `assignments` collection: work set for a course's students."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from oms.clock import utcnow


class AssignmentStatus(StrEnum):
    active = "active"
    archived = "archived"


class Assignment(Document):
    """An assignment; `allow_late` says whether work after `due_at` is accepted (flagged late)."""

    course_id: PydanticObjectId
    title: str
    instructions: str = ""
    due_at: datetime | None = None
    max_score: float
    allow_late: bool = True
    status: AssignmentStatus = AssignmentStatus.active
    created_by: PydanticObjectId | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "assignments"
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel([("course_id", ASCENDING), ("created_at", ASCENDING)], name="course_created"),
        ]


VALIDATOR: dict[str, Any] = {
    "bsonType": "object",
    "required": ["course_id", "title", "max_score", "allow_late", "status", "created_at"],
    "properties": {
        "course_id": {"bsonType": "objectId"},
        "title": {"bsonType": "string", "minLength": 1, "maxLength": 200},
        "instructions": {"bsonType": "string", "maxLength": 100_000},
        "due_at": {"bsonType": ["date", "null"]},
        "max_score": {"bsonType": ["double", "int", "long"], "exclusiveMinimum": True, "minimum": 0},
        "allow_late": {"bsonType": "bool"},
        "status": {"enum": ["active", "archived"]},
        "created_by": {"bsonType": ["objectId", "null"]},
        "created_at": {"bsonType": "date"},
        "updated_at": {"bsonType": "date"},
    },
}

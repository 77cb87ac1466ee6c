"""The `courses` collection: a course with its ordered sections embedded."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, DESCENDING, IndexModel

from oms.clock import utcnow


class CourseStatus(StrEnum):
    draft = "draft"
    published = "published"
    archived = "archived"


class Section(BaseModel):
    """One content section; `section_id` never changes, `order` is its 0-based place."""

    section_id: PydanticObjectId = Field(default_factory=PydanticObjectId)
    title: str
    body: str = ""
    order: int = 0
    duration_minutes: int = 0


class Course(Document):
    """A course; `version` goes up by one on every write and is the ETag."""

    slug: str
    name: str
    description: str = ""
    content: str = ""
    tags: list[str] = Field(default_factory=list)
    status: CourseStatus = CourseStatus.draft
    sections: list[Section] = Field(default_factory=list)
    created_by: PydanticObjectId | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1

    class Settings:
        name = "courses"
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel([("slug", ASCENDING)], name="slug_unique", unique=True),
            IndexModel([("status", ASCENDING), ("created_at", DESCENDING)], name="status_newest"),
            IndexModel([("status", ASCENDING), ("name", ASCENDING)], name="status_name"),
            IndexModel([("tags", ASCENDING), ("status", ASCENDING)], name="tags_status"),
        ]

    @property
    def section_ids(self) -> list[PydanticObjectId]:
        """The sections' ids in order."""
        return [s.section_id for s in self.sections]

    @property
    def section_count(self) -> int:
        """How many sections the course has."""
        return len(self.sections)

    @property
    def total_minutes(self) -> int:
        """The sum of the sections' durations."""
        return sum(s.duration_minutes for s in self.sections)

    @property
    def etag(self) -> str:
        """A strong validator for this representation of the course."""
        return f'"{self.id}-{self.version}"'


VALIDATOR: dict[str, Any] = {
    "bsonType": "object",
    "required": ["slug", "name", "status", "sections", "tags", "created_at", "updated_at", "version"],
    "properties": {
        "slug": {"bsonType": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 120},
        "name": {"bsonType": "string", "minLength": 1, "maxLength": 200},
        "description": {"bsonType": "string", "maxLength": 5000},
        "content": {"bsonType": "string", "maxLength": 100_000},
        "tags": {"bsonType": "array", "maxItems": 20, "items": {"bsonType": "string", "maxLength": 40}},
        "status": {"enum": ["draft", "published", "archived"]},
        "sections": {
            "bsonType": "array",
            "maxItems": 200,
            "items": {
                "bsonType": "object",
                "required": ["section_id", "title", "order"],
                "properties": {
                    "section_id": {"bsonType": "objectId"},
                    "title": {"bsonType": "string", "minLength": 1, "maxLength": 200},
                    "body": {"bsonType": "string", "maxLength": 100_000},
                    "order": {"bsonType": "int", "minimum": 0},
                    "duration_minutes": {"bsonType": "int", "minimum": 0},
                },
            },
        },
        "created_by": {"bsonType": ["objectId", "null"]},
        "created_at": {"bsonType": "date"},
        "updated_at": {"bsonType": "date"},
        "version": {"bsonType": ["int", "long"], "minimum": 1},
        "import_fingerprint": {"bsonType": ["object", "null"]},
    },
}

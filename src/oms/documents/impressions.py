"""What recommendations were shown and taken: `recommendation_impressions` (one per list served) and
`recommendation_clicks` (one per course opened from a list). Both expire after `RETENTION_DAYS` (TTL).
Enrollments are not copied here: an enrollment is attributed to an impression by time (docs/ai.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, DESCENDING, IndexModel

RETENTION_DAYS = 90
_TTL = RETENTION_DAYS * 86_400


class ShownCourse(BaseModel):
    """A course in a served list, at its 1-based position."""

    course_id: PydanticObjectId
    position: int


class RecommendationImpression(Document):
    """One recommendation list served to a user."""

    user_id: PydanticObjectId
    at: datetime
    strategy: str
    model_version: int = 0
    items: list[ShownCourse] = Field(default_factory=list)

    class Settings:
        name = "recommendation_impressions"
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel([("at", ASCENDING)], name="at_ttl", expireAfterSeconds=_TTL),
            IndexModel([("user_id", ASCENDING), ("at", DESCENDING)], name="user_recent"),
        ]


class RecommendationClick(Document):
    """A course opened from a served list (reported by the web app)."""

    impression_id: PydanticObjectId
    user_id: PydanticObjectId
    course_id: PydanticObjectId
    position: int
    at: datetime

    class Settings:
        name = "recommendation_clicks"
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel([("at", ASCENDING)], name="at_ttl", expireAfterSeconds=_TTL),
            IndexModel([("impression_id", ASCENDING), ("course_id", ASCENDING)], name="impression_course"),
        ]


_ID = {"bsonType": "objectId"}
IMPRESSION_VALIDATOR: dict[str, Any] = {
    "bsonType": "object",
    "required": ["user_id", "at", "strategy", "model_version", "items"],
    "properties": {
        "user_id": _ID,
        "at": {"bsonType": "date"},
        "strategy": {"bsonType": "string"},
        "model_version": {"bsonType": ["int", "long"], "minimum": 0},
        "items": {
            "bsonType": "array",
            "maxItems": 100,
            "items": {
                "bsonType": "object",
                "required": ["course_id", "position"],
                "properties": {"course_id": _ID, "position": {"bsonType": ["int", "long"], "minimum": 1}},
            },
        },
    },
}
CLICK_VALIDATOR: dict[str, Any] = {
    "bsonType": "object",
    "required": ["impression_id", "user_id", "course_id", "position", "at"],
    "properties": {
        "impression_id": _ID,
        "user_id": _ID,
        "course_id": _ID,
        "position": {"bsonType": ["int", "long"], "minimum": 1, "maximum": 100},
        "at": {"bsonType": "date"},
    },
}

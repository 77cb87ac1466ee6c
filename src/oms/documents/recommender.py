"""The built recommender: one row of neighbours per course (`recommender_items`) and the build's state
(`recommender_state`: its version, when it was built, the cold-start picks). Rebuilt by
`oms rebuild-recommender` or the app's schedule; requests only read it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

STATE_KEY = "current"


class Neighbour(BaseModel):
    """A related course: its EASE weight, how often it is taken next, co-enrollment walk, content
    similarity (a part that is zero is not stored), and whether it is popular this week."""

    course_id: PydanticObjectId
    ease: float = 0.0
    next: float = 0.0
    co: float = 0.0
    content: float = 0.0
    popularity: float = 0.0
    trending: bool = False
    shared: list[str] = Field(default_factory=list)


class RecommenderItem(Document):
    """One course's neighbours in one build `version`."""

    version: int
    course_id: PydanticObjectId
    neighbours: list[Neighbour] = Field(default_factory=list)

    class Settings:
        name = "recommender_items"
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel(
                [("version", ASCENDING), ("course_id", ASCENDING)], name="version_course", unique=True
            ),
        ]


class Pick(BaseModel):
    """A course with its popularity prior (0-1), and whether it is popular this week."""

    course_id: PydanticObjectId
    popularity: float
    trending: bool = False


class RecommenderState(Document):
    """The live build: readers take `version`; `lease_until` keeps two builders from running at once."""

    key: str = STATE_KEY
    version: int = 0
    built_at: datetime | None = None
    fingerprint: str = ""
    build_seconds: float = 0.0
    picks: list[Pick] = Field(default_factory=list)
    courses: int = 0
    learners: int = 0
    enrollments: int = 0
    lease_until: datetime | None = None

    class Settings:
        name = "recommender_state"
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel([("key", ASCENDING)], name="key_unique", unique=True)
        ]


ITEM_VALIDATOR: dict[str, Any] = {
    "bsonType": "object",
    "required": ["version", "course_id", "neighbours"],
    "properties": {
        "version": {"bsonType": ["int", "long"], "minimum": 1},
        "course_id": {"bsonType": "objectId"},
        "neighbours": {
            "bsonType": "array",
            "maxItems": 250,
            "items": {
                "bsonType": "object",
                "required": ["course_id"],
                "properties": {
                    "course_id": {"bsonType": "objectId"},
                    "ease": {"bsonType": ["double", "int"], "minimum": 0},
                    "next": {"bsonType": ["double", "int"], "minimum": 0},
                    "co": {"bsonType": ["double", "int"], "minimum": 0},
                    "content": {"bsonType": ["double", "int"], "minimum": 0},
                    "popularity": {"bsonType": ["double", "int"], "minimum": 0},
                    "trending": {"bsonType": "bool"},
                    "shared": {"bsonType": "array", "items": {"bsonType": "string"}},
                },
            },
        },
    },
}

STATE_VALIDATOR: dict[str, Any] = {
    "bsonType": "object",
    "required": ["key", "version", "picks"],
    "properties": {
        "key": {"bsonType": "string"},
        "version": {"bsonType": ["int", "long"], "minimum": 0},
        "built_at": {"bsonType": ["date", "null"]},
        "fingerprint": {"bsonType": "string"},
        "build_seconds": {"bsonType": ["double", "int"]},
        "picks": {
            "bsonType": "array",
            "items": {
                "bsonType": "object",
                "required": ["course_id", "popularity"],
                "properties": {
                    "course_id": {"bsonType": "objectId"},
                    "popularity": {"bsonType": ["double", "int"]},
                    "trending": {"bsonType": "bool"},
                },
            },
        },
        "courses": {"bsonType": ["int", "long"]},
        "learners": {"bsonType": ["int", "long"]},
        "enrollments": {"bsonType": ["int", "long"]},
        "lease_until": {"bsonType": ["date", "null"]},
    },
}

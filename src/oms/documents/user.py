"""The `users` collection."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from beanie import Document
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from oms.clock import utcnow


class Role(StrEnum):
    admin = "admin"
    student = "student"


class User(Document):
    """An account; `username` is stored lower-cased, which makes uniqueness case-insensitive."""

    username: str
    email: str | None = None
    display_name: str | None = None
    password_hash: str
    role: Role = Role.student
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "users"
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel([("username", ASCENDING)], name="username_unique", unique=True),
            IndexModel(
                [("email", ASCENDING)],
                name="email_unique",
                unique=True,
                partialFilterExpression={"email": {"$type": "string"}},
            ),
            IndexModel([("role", ASCENDING), ("created_at", ASCENDING)], name="role_created"),
        ]

    @property
    def is_admin(self) -> bool:
        """Whether the account holds the admin role."""
        return self.role == Role.admin


VALIDATOR: dict[str, Any] = {
    "bsonType": "object",
    "required": ["username", "password_hash", "role", "disabled", "created_at"],
    "properties": {
        "username": {"bsonType": "string", "pattern": "^[a-z0-9_.-]{3,32}$"},
        "email": {"bsonType": ["string", "null"], "maxLength": 254},
        "display_name": {"bsonType": ["string", "null"], "maxLength": 100},
        "password_hash": {"bsonType": "string"},
        "role": {"enum": ["admin", "student"]},
        "disabled": {"bsonType": "bool"},
        "created_at": {"bsonType": "date"},
        "updated_at": {"bsonType": "date"},
    },
}

"""Refresh tokens (rotated, one document each) and revoked access-token ids; both expire by TTL index."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from oms.clock import utcnow


class RefreshToken(Document):
    """One issued refresh token; `family` links the chain of rotations from one login."""

    jti: str
    family: str
    user_id: PydanticObjectId
    expires_at: datetime
    used_at: datetime | None = None
    revoked: bool = False
    created_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "refresh_tokens"
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel([("jti", ASCENDING)], name="jti_unique", unique=True),
            IndexModel([("family", ASCENDING)], name="family"),
            IndexModel([("user_id", ASCENDING)], name="user"),
            IndexModel([("expires_at", ASCENDING)], name="expires_ttl", expireAfterSeconds=0),
        ]


class RevokedToken(Document):
    """An access token revoked before its expiry (logout); kept until it would have expired."""

    jti: str
    expires_at: datetime

    class Settings:
        name = "revoked_tokens"
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel([("jti", ASCENDING)], name="jti_unique", unique=True),
            IndexModel([("expires_at", ASCENDING)], name="expires_ttl", expireAfterSeconds=0),
        ]


REFRESH_VALIDATOR: dict[str, Any] = {
    "bsonType": "object",
    "required": ["jti", "family", "user_id", "expires_at", "revoked"],
    "properties": {
        "jti": {"bsonType": "string"},
        "family": {"bsonType": "string"},
        "user_id": {"bsonType": "objectId"},
        "expires_at": {"bsonType": "date"},
        "used_at": {"bsonType": ["date", "null"]},
        "revoked": {"bsonType": "bool"},
        "created_at": {"bsonType": "date"},
    },
}

REVOKED_VALIDATOR: dict[str, Any] = {
    "bsonType": "object",
    "required": ["jti", "expires_at"],
    "properties": {"jti": {"bsonType": "string"}, "expires_at": {"bsonType": "date"}},
}

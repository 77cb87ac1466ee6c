"""The `audit` collection: one entry per admin action that changed something."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, DESCENDING, IndexModel

from oms.clock import utcnow


class AuditEntry(Document):
    """Who did what to which document, when, from where, and what changed (`diff`: field -> [before, after]).

    `status` is `pending` while the action runs and `done` after it; an action that fails or changes nothing
    leaves no entry. Entries expire after OMS_AUDIT_RETENTION_DAYS (a TTL index on `at`).
    """

    at: datetime = Field(default_factory=utcnow)
    actor_id: PydanticObjectId
    action: str
    target: str
    target_id: str | None = None
    diff: dict[str, Any] = Field(default_factory=dict)
    status: str = "pending"
    request_id: str | None = None
    client_address: str | None = None

    class Settings:
        name = "audit"
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel([("actor_id", ASCENDING), ("at", DESCENDING)], name="actor_at"),
            IndexModel([("action", ASCENDING), ("at", DESCENDING)], name="action_at"),
            IndexModel(
                [("target", ASCENDING), ("target_id", ASCENDING), ("at", DESCENDING)], name="target_at"
            ),
        ]


VALIDATOR: dict[str, Any] = {
    "bsonType": "object",
    "required": ["at", "actor_id", "action", "target", "diff", "status"],
    "properties": {
        "at": {"bsonType": "date"},
        "actor_id": {"bsonType": "objectId"},
        "action": {"bsonType": "string", "maxLength": 100},
        "target": {"bsonType": "string", "maxLength": 100},
        "target_id": {"bsonType": ["string", "null"], "maxLength": 200},
        "diff": {"bsonType": "object"},
        "status": {"enum": ["pending", "done"]},
        "request_id": {"bsonType": ["string", "null"]},
        "client_address": {"bsonType": ["string", "null"]},
    },
}

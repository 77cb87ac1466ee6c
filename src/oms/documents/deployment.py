"""The deployment id: one random id per MongoDB database, created by the first process that starts on it.

Redis records whose data its shared keys hold by this id (`oms.redis_owner`), so a wiped or another
database never reads the cache and rankings built from this one. A plain collection with one document
(`_id` "deployment"), not a Beanie document: nothing else reads or writes it.
"""

from __future__ import annotations

from typing import Any

COLLECTION = "deployment"
SINGLETON_ID = "deployment"

VALIDATOR: dict[str, Any] = {
    "bsonType": "object",
    "required": ["_id", "id", "created_at"],
    "properties": {
        "_id": {"bsonType": "string"},
        "id": {"bsonType": "string", "minLength": 16},
        "created_at": {"bsonType": "date"},
    },
}

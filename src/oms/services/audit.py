"""The audit trail of admin actions.

`audited(...)` wraps an action: the entry is written *before* the action (so an action is never done without
its entry: if the entry cannot be written, the action is refused with 503 and nothing changes), completed
with a compact diff after it (when that fails, say because the action used up the request's database
deadline, it is completed after the reply, outside that deadline), and removed if the action is refused or changes nothing (an action that
fails midway for another reason keeps its `pending` entry, since it may have changed something).
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pymongo
from beanie import PydanticObjectId
from bson import ObjectId
from pydantic import BaseModel
from pymongo.errors import PyMongoError

from oms.documents.audit import AuditEntry
from oms.documents.user import User
from oms.exceptions import DomainError, ServiceUnavailable
from oms.schemas.common import PageParams

log = logging.getLogger(__name__)
IGNORED = {"updated_at", "version", "_id", "id", "revision_id", "password_hash"}
MAX_VALUE_CHARS = 200
COMPLETE_DEADLINE_S = 5.0  # one attempt at completing an entry after the reply
COMPLETE_RETRY_S = (0.5, 2.0, 5.0)  # the waits after each failed attempt
MAX_ACTORS = 100  # accounts an actor search may stand for (admins are few; a wider search is narrowed)


@dataclass(frozen=True)
class Actor:
    """Who is acting and from where: the admin, the request id, the client address."""

    user_id: PydanticObjectId
    request_id: str | None
    address: str | None


@dataclass
class Outcome:
    """What the action leaves behind: the target's id (for creations) and its state afterwards."""

    target_id: str | None = None
    after: dict[str, Any] | None = None
    changed: bool = True
    note: dict[str, Any] = field(default_factory=dict)


def _compact(value: Any) -> Any:
    """Values small enough for an audit entry: long text becomes its length and hash."""
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        return {"chars": len(value), "sha256": hashlib.sha256(value.encode()).hexdigest()[:16]}
    if isinstance(value, list) and value and all(isinstance(v, dict) and "section_id" in v for v in value):
        return [
            {
                "section_id": str(v["section_id"]),
                "title": v.get("title"),
                "body_sha256": hashlib.sha256(str(v.get("body", "")).encode()).hexdigest()[:12],
                "duration_minutes": v.get("duration_minutes"),
            }
            for v in value
        ]
    if isinstance(value, list):
        return [_compact(v) for v in value[:50]]
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    if isinstance(value, ObjectId):
        return str(value)
    return value


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """Field -> [before, after] for every top-level field that changed (timestamps and versions left out)."""
    before, after = before or {}, after or {}
    changed = {}
    for key in sorted((set(before) | set(after)) - IGNORED):
        if before.get(key) != after.get(key):
            changed[key] = [_compact(before.get(key)), _compact(after.get(key))]
    return changed


@asynccontextmanager
async def audited(
    actor: Actor, action: str, target: str, target_id: str | None, before: dict[str, Any] | None = None
) -> AsyncIterator[Outcome]:
    """Record `action` on `target` around the block; the block fills in the returned Outcome."""
    entry = AuditEntry(
        actor_id=actor.user_id,
        action=action,
        target=target,
        target_id=target_id,
        request_id=actor.request_id,
        client_address=actor.address,
    )
    try:
        await entry.insert()
    except PyMongoError as exc:
        log.error("audit entry could not be written; refusing the action", extra={"action": action})
        raise ServiceUnavailable("the audit log cannot be written right now; nothing was changed") from exc
    outcome = Outcome(target_id=target_id)
    try:
        yield outcome
    except DomainError:  # refused before anything changed
        await _discard(entry)
        raise
    except BaseException:  # a fault midway may have changed something: keep the (pending) entry
        log.error(
            "admin action failed midway; its audit entry stays pending", extra={"audit_id": str(entry.id)}
        )
        raise
    changes = {**diff(before, outcome.after), **outcome.note} if outcome.after is not None else outcome.note
    if not outcome.changed or (before is not None and not changes):
        await _discard(entry)
        return
    done = {"status": "done", "diff": changes, "target_id": outcome.target_id or target_id}
    try:
        await AuditEntry.get_pymongo_collection().update_one({"_id": entry.id}, {"$set": done})
    except PyMongoError:  # the action is done and its entry exists (pending): complete it after the reply
        _complete_later(entry.id, done)  # type: ignore[arg-type]  # an inserted entry has an id


_completing: set[asyncio.Task[None]] = set()  # strong references: the loop keeps only weak ones


def _complete_later(entry_id: PydanticObjectId, done: dict[str, Any]) -> None:
    """Finish an entry whose completion failed, typically because the action used up the request's
    database deadline: outside that deadline (a fresh context), a few times, without holding the reply."""
    task = asyncio.get_running_loop().create_task(_complete(entry_id, done), context=contextvars.Context())
    _completing.add(task)
    task.add_done_callback(_completing.discard)


async def _complete(entry_id: PydanticObjectId, done: dict[str, Any]) -> None:
    for wait_s in COMPLETE_RETRY_S:
        try:
            with pymongo.timeout(COMPLETE_DEADLINE_S):
                await AuditEntry.get_pymongo_collection().update_one({"_id": entry_id}, {"$set": done})
            return
        except PyMongoError:
            await asyncio.sleep(wait_s)
    log.error("audit entry could not be completed; it stays pending", extra={"audit_id": str(entry_id)})


def snapshot(document: BaseModel | None, include: set[str] | None = None) -> dict[str, Any] | None:
    """A document's fields as the audit trail compares them."""
    return None if document is None else document.model_dump(include=include)


async def _discard(entry: AuditEntry) -> None:
    try:
        await AuditEntry.get_pymongo_collection().delete_one({"_id": entry.id})
    except PyMongoError:
        log.error("pending audit entry could not be removed", extra={"audit_id": str(entry.id)})


async def find_actors(text: str) -> list[PydanticObjectId]:
    """The accounts an admin means by `text`: the one whose email it is exactly, else every account whose
    username, display name or email starts with it (case-insensitive, matched literally), at most
    MAX_ACTORS of them. Admins think in names and emails; the audit trail stores ids."""
    text = text.strip()
    if "@" in text:
        exact = await User.get_pymongo_collection().find_one({"email": text.lower()}, {"_id": 1})
        if exact is not None:
            return [exact["_id"]]
    start = "^" + re.escape(text)
    query = {
        "$or": [
            {"username": {"$regex": "^" + re.escape(text.lower())}},
            {"display_name": {"$regex": start, "$options": "i"}},
            {"email": {"$regex": start, "$options": "i"}},
        ]
    }
    cursor = User.get_pymongo_collection().find(query, {"_id": 1}).sort("_id", 1).limit(MAX_ACTORS)
    return [raw["_id"] async for raw in cursor]


async def actor_names(ids: set[PydanticObjectId]) -> dict[PydanticObjectId, dict[str, Any]]:
    """Username, display name and email of each actor (accounts removed since are simply absent)."""
    cursor = User.get_pymongo_collection().find(
        {"_id": {"$in": list(ids)}}, {"username": 1, "display_name": 1, "email": 1}
    )
    return {raw["_id"]: raw async for raw in cursor}


async def search(
    page: PageParams,
    *,
    actor_id: PydanticObjectId | None = None,
    actor_ids: list[PydanticObjectId] | None = None,
    action: str | None = None,
    target: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[AuditEntry], int]:
    """Entries matching the filters, newest first; `actor_ids` (from an actor search) narrows to those
    actors, together with `actor_id` when both are given."""
    query: dict[str, Any] = {}
    if actor_ids is not None:
        query["actor_id"] = {"$in": actor_ids}
    if actor_id is not None:
        query["actor_id"] = (
            actor_id if actor_ids is None else {"$in": [a for a in actor_ids if a == actor_id]}
        )
    for key, value in (
        ("action", action),
        ("target", target),
        ("target_id", target_id),
    ):
        if value is not None:
            query[key] = value
    if since or until:
        query["at"] = {**({"$gte": since} if since else {}), **({"$lt": until} if until else {})}
    collection = AuditEntry.get_pymongo_collection()
    total = await collection.count_documents(query)
    cursor = collection.find(query).sort([("at", -1), ("_id", -1)]).skip(page.offset).limit(page.limit)
    return [AuditEntry.model_validate(raw) async for raw in cursor], total

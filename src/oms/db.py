"""MongoDB: the client with per-operation deadlines, Beanie start-up, and the idempotent schema migration."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from beanie import init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import CollectionInvalid, OperationFailure

from oms.config import Settings
from oms.deadlines import BreakerListener, DatabaseBreaker, GuardedMongoClient, job_deadline
from oms.documents import (
    DOCUMENT_MODELS,
    assignment,
    audit,
    course,
    deployment,
    enrollment,
    submission,
    token,
    user,
)
from oms.documents.impressions import CLICK_VALIDATOR, IMPRESSION_VALIDATOR
from oms.documents.recommender import ITEM_VALIDATOR, STATE_VALIDATOR
from oms.edge.metrics import MongoCommandMetrics
from oms.services import analytics

log = logging.getLogger(__name__)

VALIDATORS: dict[str, dict[str, Any]] = {
    "users": user.VALIDATOR,
    "courses": course.VALIDATOR,
    "enrollments": enrollment.VALIDATOR,
    "refresh_tokens": token.REFRESH_VALIDATOR,
    "revoked_tokens": token.REVOKED_VALIDATOR,
    "assignments": assignment.VALIDATOR,
    "submissions": submission.VALIDATOR,
    "audit": audit.VALIDATOR,
    "recommender_items": ITEM_VALIDATOR,
    "recommender_state": STATE_VALIDATOR,
    "recommendation_impressions": IMPRESSION_VALIDATOR,
    "recommendation_clicks": CLICK_VALIDATOR,
    deployment.COLLECTION: deployment.VALIDATOR,
}

# Read-only views for analysts: name -> (source collection, pipeline). See docs/data-model.md.
VIEWS: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "submission_attempts": ("submissions", submission.ATTEMPTS_VIEW),
    **analytics.VIEWS,
}


def make_client(
    settings: Settings, breaker: DatabaseBreaker | None = None, timeout_ms: int | None = None
) -> AsyncMongoClient[dict[str, Any]]:
    """A client whose every operation has a deadline: `timeoutMS` (the request deadline) bounds any call
    made outside a `pymongo.timeout()` block, retries included; there is no separate socket timeout, so a
    hung server holds nothing longer than the deadline. A down server fails server selection within
    `mongodb_timeout_ms`. Connections and heartbeats get the longer `mongodb_connect_timeout_ms`: PyMongo
    cancels every operation in flight when a heartbeat times out, and a loaded server (SecantusDB busy with a
    long read on a busy machine) can take more than a second to answer one. With `breaker`, operations of refused requests fail at once (`oms.deadlines`).
    `timeout_ms` replaces the request deadline as the default (commands run outside the API)."""
    timeout = settings.mongodb_timeout_ms
    listeners: list[Any] = [MongoCommandMetrics()]
    if breaker is not None:
        listeners.append(BreakerListener(breaker))
    return GuardedMongoClient(
        settings.mongodb_url,
        tz_aware=True,
        timeoutMS=timeout_ms or settings.request_deadline_ms,
        serverSelectionTimeoutMS=timeout,
        connectTimeoutMS=settings.mongodb_connect_timeout_ms,
        appname="oms",
        event_listeners=listeners,
    )


async def install_validators(db: AsyncDatabase[dict[str, Any]]) -> None:
    """Create each collection with its `$jsonSchema` validator, or update the validator in place."""
    existing = set(await db.list_collection_names())
    for name, schema in VALIDATORS.items():
        options: dict[str, Any] = {
            "validator": {"$jsonSchema": schema},
            "validationLevel": "strict",
            "validationAction": "error",
        }
        if name in existing:
            await db.command({"collMod": name, **options})
            continue
        try:
            await db.create_collection(name, **options)
        except CollectionInvalid:  # created meanwhile by another worker
            await db.command({"collMod": name, **options})


async def _view_is(
    db: AsyncDatabase[dict[str, Any]], name: str, source: str, pipeline: list[dict[str, Any]]
) -> bool:
    """Whether the view `name` is defined as `source` + `pipeline`."""
    found = await (await db.list_collections(filter={"name": name})).to_list()
    options = found[0].get("options", {}) if found else {}
    return bool(options.get("viewOn") == source and options.get("pipeline") == pipeline)


async def install_views(db: AsyncDatabase[dict[str, Any]]) -> None:
    """Create each analyst view, or redefine it in place when it exists."""
    existing = set(await db.list_collection_names())
    for name, (source, pipeline) in VIEWS.items():
        if name in existing:
            await db.command({"collMod": name, "viewOn": source, "pipeline": pipeline})
            if not await _view_is(db, name, source, pipeline):  # SecantusDB ignores collMod on views
                await db.drop_collection(name)
                await db.command({"create": name, "viewOn": source, "pipeline": pipeline})
            continue
        try:
            await db.command({"create": name, "viewOn": source, "pipeline": pipeline})
        except OperationFailure:  # created meanwhile by another worker
            await db.command({"collMod": name, "viewOn": source, "pipeline": pipeline})


async def install_audit_retention(db: AsyncDatabase[dict[str, Any]], days: int) -> None:
    """Expire audit entries `days` after they were written (a TTL index, changed in place when it exists)."""
    seconds = days * 86_400
    try:
        await db.audit.create_index("at", name="at_ttl", expireAfterSeconds=seconds)
    except OperationFailure:  # exists with another retention: change it
        await db.command({"collMod": "audit", "index": {"name": "at_ttl", "expireAfterSeconds": seconds}})


async def init_db(
    settings: Settings, client: AsyncMongoClient[dict[str, Any]]
) -> AsyncDatabase[dict[str, Any]]:
    """Install validators and views, then let Beanie bind the documents and create their indexes.

    Each step has its own deadline (`migrate_deadline_s`), and each is idempotent: run again after a
    timeout, it finds what the first attempt did and changes it in place rather than failing."""
    db = client[settings.mongodb_database]
    with job_deadline(settings.migrate_deadline_s):
        await install_validators(db)
    with job_deadline(settings.migrate_deadline_s):
        await install_views(db)
    with job_deadline(settings.migrate_deadline_s):
        await init_beanie(database=db, document_models=DOCUMENT_MODELS)
    with job_deadline(settings.migrate_deadline_s):
        await install_audit_retention(db, settings.audit_retention_days)
    log.info("database ready", extra={"database": db.name})
    return db


@asynccontextmanager
async def connected(settings: Settings) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    """MongoDB ready for use outside the web app (CLI commands, scripts): no request is waiting, so an
    operation outside a batch deadline may take as long as a migration step."""
    client = make_client(settings, timeout_ms=int(settings.migrate_deadline_s * 1000))
    try:
        yield await init_db(settings, client)
    finally:
        await client.close()

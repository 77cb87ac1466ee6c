"""Building the recommender from MongoDB: `rebuild()`, run by the CLI and by `runtime.Refresher`.

A build reads every course and enrollment, computes the rows (`rows.compute`) in a daemon thread, writes
them under a new version, then switches `recommender_state` to it: readers never see half a build. Writes
are idempotent and bounded: small batches of upserts keyed by (version, course), each under its own
deadline, so a batch the driver retries after a timeout replaces what the first attempt wrote instead of
failing on duplicates. A lease in the state document keeps builders (workers, hosts, the CLI) to one at a
time; it is short and renewed while the build runs, so a builder that dies frees it within `LEASE`. A
failed or cancelled build releases the lease and deletes its partial version; the next build also deletes
any version above the live one. The compute thread is a daemon and checks a cancel flag, so shutting down
never waits on a build. Before building, `settle_s` > 0 looks at the data twice: while it is still changing
(a bulk load), the build is postponed and `rebuild` returns None with `unsettled` set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pymongo
from pymongo import ReplaceOne, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from oms.clock import utcnow
from oms.documents import Course, Enrollment
from oms.documents.recommender import STATE_KEY, RecommenderItem, RecommenderState
from oms.services.ai import rows as rows_module

log = logging.getLogger(__name__)
T = TypeVar("T")
LEASE = timedelta(seconds=60)
RENEW_EVERY_S = 15.0
BATCH_ROWS = 200  # a batch of neighbour rows stays well under a megabyte or two
BATCH_TIMEOUT_S = 30.0  # each batch write gets its own deadline
READ_TIMEOUT_S = 900.0  # reading every course and enrollment, or deleting a version, on a loaded server
CLEANUP_TIMEOUT_S = 5.0  # a failed build's clean-up must not hold up a shutdown (the next build finishes it)
COURSES, ENROLLMENTS = Course.Settings.name, Enrollment.Settings.name
ITEMS, STATES = RecommenderItem.Settings.name, RecommenderState.Settings.name
Database = AsyncDatabase[dict[str, Any]]


@dataclass(frozen=True)
class BuildReport:
    """What a build produced; `changed_during` when the data moved while it ran (rebuild soon)."""

    version: int
    courses: int
    learners: int
    enrollments: int
    seconds: float
    changed_during: bool = False


class Unsettled(Exception):
    """The data changed between two looks `settle_s` apart: a bulk load is under way, build later."""


async def fingerprint(db: Database) -> str:
    """Changes whenever an enrollment or a course is added or changed."""
    summary: list[str] = []
    for name in (ENROLLMENTS, COURSES):
        with pymongo.timeout(READ_TIMEOUT_S):  # a scan of every document
            cursor = await db[name].aggregate(
                [{"$group": {"_id": None, "n": {"$sum": 1}, "last": {"$max": "$updated_at"}}}]
            )
            found = [row async for row in cursor]
        summary.append(f"{found[0]['n']}@{found[0]['last']}" if found else "0")
    return "|".join(summary)


async def _take_lease(db: Database, now: datetime) -> bool:
    try:
        taken = await db[STATES].find_one_and_update(
            {"key": STATE_KEY, "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}]},
            {"$set": {"lease_until": now + LEASE}, "$setOnInsert": {"version": 0, "picks": []}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:  # the state exists and its lease is held
        return False
    return taken is not None


async def _renew_lease(db: Database) -> None:
    """Keep the lease while the build runs (cancelled when it ends)."""
    while True:
        await asyncio.sleep(RENEW_EVERY_S)
        with contextlib.suppress(Exception):  # a missed renewal only shortens the lease
            await db[STATES].update_one({"key": STATE_KEY}, {"$set": {"lease_until": utcnow() + LEASE}})


async def in_daemon_thread(fn: Callable[..., T], *args: Any, cancel: threading.Event) -> T:
    """`fn(*args)` in a daemon thread: unlike `asyncio.to_thread`, an interpreter shutting down does not
    wait for it. Cancelling the caller sets `cancel`, which `fn` checks to stop early."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]  # result is a T when error is None

    def run() -> None:
        try:
            result: T | None = fn(*args)
            error: BaseException | None = None
        except BaseException as exc:  # handed to the awaiting task
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="recommender-build", daemon=True).start()
    try:
        return await future
    except asyncio.CancelledError:
        cancel.set()
        raise


async def write_rows(
    db: Database, version: int, built_rows: list[dict[str, Any]], batch_timeout_s: float = BATCH_TIMEOUT_S
) -> None:
    """Upsert the rows of `version` in batches of BATCH_ROWS, each within `batch_timeout_s`: a batch that
    is retried (by the driver or by a later build) replaces the same documents, never duplicates them."""
    items = db[ITEMS]
    for start in range(0, len(built_rows), BATCH_ROWS):
        batch = [
            ReplaceOne(
                {"version": version, "course_id": row["course_id"]}, {"version": version, **row}, upsert=True
            )
            for row in built_rows[start : start + BATCH_ROWS]
        ]
        with pymongo.timeout(batch_timeout_s):
            await items.bulk_write(batch, ordered=False)


async def rebuild(
    db: Database,
    force: bool = False,
    wait_s: float = 0.0,
    settle_s: float = 0.0,
    batch_timeout_s: float = BATCH_TIMEOUT_S,
) -> BuildReport | None:
    """Build and switch to a new model; None when nothing changed (unless `force`) or another build holds
    the lease for longer than `wait_s`. With `settle_s` > 0, raises Unsettled while the data is changing."""
    started = time.monotonic()
    states = db[STATES]

    async def unchanged(print_: str) -> bool:
        state = await states.find_one({"key": STATE_KEY}, {"fingerprint": 1, "version": 1})
        return bool(state and state.get("version", 0) > 0 and state.get("fingerprint") == print_)

    print_ = await fingerprint(db)  # a scan of every enrollment: taken as few times as possible
    if not force:
        if await unchanged(print_):  # the usual scheduled check: reads only
            return None
        if settle_s > 0:
            await asyncio.sleep(settle_s)
            second = await fingerprint(db)
            if second != print_:
                raise Unsettled(f"{print_} -> {second}")
    while not await _take_lease(db, utcnow()):
        if time.monotonic() - started >= wait_s + settle_s:
            return None
        await asyncio.sleep(0.05)
    renewer = asyncio.create_task(_renew_lease(db), name="recommender-lease")
    version, switched = 0, False
    try:
        now = utcnow()
        if not force and await unchanged(print_):  # another builder was first
            return None
        with pymongo.timeout(READ_TIMEOUT_S):  # not the client's 10 s socket timeout: these are long reads
            courses = [
                c
                async for c in db[COURSES].find(
                    {}, {"name": 1, "description": 1, "tags": 1, "status": 1, "sections.title": 1}
                )
            ]
            enrollments = [
                e async for e in db[ENROLLMENTS].find({}, {"user_id": 1, "course_id": 1, "enrolled_at": 1})
            ]
        cancel = threading.Event()
        built = await in_daemon_thread(rows_module.compute, courses, enrollments, now, cancel, cancel=cancel)
        current = await states.find_one({"key": STATE_KEY}, {"version": 1})
        live = int((current or {}).get("version", 0))
        version = live + 1
        with pymongo.timeout(READ_TIMEOUT_S):  # partial versions of builds that died
            await db[ITEMS].delete_many({"version": {"$gt": live}})
        await write_rows(db, version, built["rows"], batch_timeout_s)
        seconds = round(time.monotonic() - started, 3)
        await states.update_one(
            {"key": STATE_KEY},
            {
                "$set": {
                    "version": version,
                    "built_at": utcnow(),
                    "fingerprint": print_,
                    "build_seconds": seconds,
                    "picks": built["picks"],
                    "courses": len(courses),
                    "learners": built["learners"],
                    "enrollments": len(enrollments),
                    "lease_until": None,
                }
            },
        )
        switched = True
        with pymongo.timeout(READ_TIMEOUT_S):
            await db[ITEMS].delete_many({"version": {"$lt": version - 1}})
    except BaseException:
        if version and not switched:
            await _cleanup(db, version)
        raise
    finally:
        renewer.cancel()
        with contextlib.suppress(BaseException), pymongo.timeout(CLEANUP_TIMEOUT_S):
            await states.update_one({"key": STATE_KEY}, {"$set": {"lease_until": None}})
    changed = not force and await fingerprint(db) != print_  # the schedule then checks again soon
    log.info("recommender rebuilt", extra={"version": version, "courses": len(courses), "seconds": seconds})
    return BuildReport(version, len(courses), built["learners"], len(enrollments), seconds, changed)


async def _cleanup(db: Database, version: int) -> None:
    """Delete the rows a failed build wrote (never the live version's: the state was not switched)."""
    try:
        with pymongo.timeout(CLEANUP_TIMEOUT_S):
            await asyncio.shield(db[ITEMS].delete_many({"version": version}))
    except BaseException:  # the next build deletes versions above the live one anyway
        log.warning("could not delete a failed build's rows", extra={"version": version})

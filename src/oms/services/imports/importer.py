"""Course import: read the file in batches, plan each batch (`import_plan`), write it with one `bulk_write`.

- `slug` is the key; importing a file twice writes nothing the second time (see `import_plan`).
- Students' progress survives a re-import that edits text (section ids are kept); when the set of
  sections changes, their progress is recounted.
- An update applies only to the version it was planned against; a course changed meanwhile is reported
  as failed rather than overwritten.
- `atomic` and JSON documents (arrays) are read twice: first everything is checked, then written, so a
  refused import or a malformed array writes nothing. NDJSON otherwise streams: batch by batch.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any

from pymongo.errors import BulkWriteError

from oms.clock import utcnow
from oms.deadlines import job_deadline
from oms.documents import Course
from oms.schemas.course_import import ImportReport, ItemError, ItemResult, ItemStatus
from oms.services.enrollments import recompute_for_course
from oms.services.imports.plan import FINGERPRINT, Heads, ImportOptions, Step, all_heads, plan
from oms.services.imports.reader import Format, ItemReader, ReadAhead
from oms.services.pagecache.cache import Cache
from oms.services.search.runtime import course_changed

__all__ = ["ImportOptions", "Progress", "import_courses"]
log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (phase, items read, input position)
_INVALIDATE_CONCURRENCY = 64
SNAPSHOT_MAX_COURSES = 100_000  # a heads snapshot holds at most this many small dicts
_DUPLICATE_KEY = 11000


async def import_courses(
    source: IO[bytes], fmt: Format, options: ImportOptions, cache: Cache, progress: Progress | None = None
) -> ImportReport:
    """Import every item of `source` (seekable) and report on each; nothing is written when `dry_run`,
    nor when `atomic` and any item fails (the valid ones are then `skipped`)."""
    started = time.perf_counter()
    if options.atomic or (fmt == Format.document and not options.dry_run):
        checked = await _run(source, fmt, options, cache, write=False, progress=progress, phase="checking")
        if checked.failed and options.atomic:
            return _refused(checked)
        if options.dry_run:
            return checked
        source.seek(0)
    report = await _run(source, fmt, options, cache, write=not options.dry_run, progress=progress)
    log.info(
        "courses imported",
        extra={
            "counts": report.model_dump(include={"created", "updated", "unchanged", "failed", "dry_run"}),
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    return report


async def _run(
    source: IO[bytes],
    fmt: Format,
    options: ImportOptions,
    cache: Cache,
    *,
    write: bool,
    progress: Progress | None,
    phase: str = "importing",
) -> ImportReport:
    report = ImportReport(dry_run=options.dry_run, mode=options.mode, atomic=options.atomic)
    size = source.seek(0, os.SEEK_END)
    source.seek(0)
    batches = ReadAhead(ItemReader(source, fmt))  # later batches are parsed while this one is written
    snapshot: Heads | None = None
    try:
        while (batch := await batches.next()) is not None:
            with job_deadline(options.batch_deadline_s):
                if not report.items and await _covers_catalogue(len(batch), batches.position, size):
                    snapshot = await all_heads()
                now = utcnow()
                steps = await plan(batch, options, now, snapshot)
                if write:
                    await _write(steps, now, cache)
            _record(report, steps)
            if progress:
                progress(phase, len(report.items), batches.position)
    finally:
        batches.close()
    return report


async def _covers_catalogue(items: int, read: int, size: int) -> bool:
    """Whether the file, judged by its first batch, holds at least a quarter as many items as there are
    courses (and the catalogue is small enough to snapshot): then one scan beats per-slug lookups."""
    stored = await Course.get_pymongo_collection().estimated_document_count()
    expected = items * size / max(read, 1)
    return stored <= SNAPSHOT_MAX_COURSES and expected * 4 >= stored


def _refused(checked: ImportReport) -> ImportReport:
    """The report of an atomic import that failed the check: nothing written, valid items skipped."""
    for item in checked.items:
        if item.status != ItemStatus.failed:
            item.status = ItemStatus.skipped
    skipped = len(checked.items) - checked.failed
    return checked.model_copy(
        update={"refused": True, "created": 0, "updated": 0, "unchanged": 0, "skipped": skipped}
    )


def _record(report: ImportReport, steps: list[Step]) -> None:
    for step in steps:
        item = step.item
        errors = [
            ItemError(loc=e["loc"], msg=e["msg"], type=e.get("type", "invalid"), ctx=e.get("ctx"))
            for e in item.errors
        ]
        report.items.append(
            ItemResult(index=item.index, line=item.line, slug=item.slug, status=step.status, errors=errors)
        )
        setattr(report, step.status.value, getattr(report, step.status.value) + 1)


async def _write(steps: list[Step], now: datetime, cache: Cache) -> None:
    """One unordered `bulk_write` for the batch; then failures are marked, caches invalidated, and
    enrollments recounted where sections came or went."""
    writing = [s for s in steps if s.op is not None]
    if not writing:
        return
    collection = Course.get_pymongo_collection()
    try:
        ops = [op for s in writing if (op := s.op) is not None]  # all of them: `writing` has only ops
        result = await collection.bulk_write(ops, ordered=False)
        matched, errors = result.matched_count, []
    except BulkWriteError as exc:
        matched, errors = exc.details.get("nMatched", 0), exc.details.get("writeErrors", [])
    ours = await _already_imported([writing[e["index"]] for e in errors if e.get("code") == _DUPLICATE_KEY])
    for error in errors:
        step = writing[error["index"]]
        if step.item.slug in ours:  # an earlier attempt of this import (one that timed out) wrote it
            step.status, step.op, step.course_id = ItemStatus.unchanged, None, ours[step.item.slug]
            continue
        step.status = ItemStatus.failed
        if error.get("code") == _DUPLICATE_KEY:
            step.item.errors.append(
                {"loc": ["slug"], "msg": "another writer created this slug meanwhile", "type": "slug_taken"}
            )
        else:
            step.item.errors.append(
                {
                    "loc": [],
                    "msg": f"the database refused it: {error.get('errmsg')}",
                    "type": "database_refused",
                }
            )
    updates = [s for s in writing if s.status == ItemStatus.updated]
    if matched < len(updates):
        await _mark_lost_updates(updates, now)
    await _after_write([s for s in writing if s.status != ItemStatus.failed], cache)


async def _already_imported(duplicates: list[Step]) -> dict[str, Any]:
    """Of new courses refused as duplicates, those whose stored course holds exactly this item (its
    fingerprint at version 1), by slug -> id: written by an attempt whose reply was lost (a timeout), so
    importing again is not a failure."""
    digests = {s.item.slug: s.item.digest for s in duplicates if s.item.slug}
    if not digests:
        return {}
    cursor = Course.get_pymongo_collection().find(
        {"slug": {"$in": list(digests)}}, {"slug": 1, FINGERPRINT: 1}
    )
    return {
        raw["slug"]: raw["_id"]
        async for raw in cursor
        if raw.get(FINGERPRINT) == {"version": 1, "sha256": digests[raw["slug"]]}
    }


async def _mark_lost_updates(updates: list[Step], now: datetime) -> None:
    """Updates whose course changed between planning and writing matched nothing: mark them failed."""
    ids = [s.course_id for s in updates]
    cursor = Course.get_pymongo_collection().find({"_id": {"$in": ids}}, {"updated_at": 1})
    applied = {raw["_id"] async for raw in cursor if raw.get("updated_at") == now}
    for step in updates:
        if step.course_id not in applied:
            step.status = ItemStatus.failed
            step.item.errors.append(
                {
                    "loc": [],
                    "msg": "the course changed during the import; import it again",
                    "type": "changed_during_import",
                }
            )


async def _after_write(written: list[Step], cache: Cache) -> None:
    changed = [str(s.course_id) for s in written if s.status in (ItemStatus.created, ItemStatus.updated)]
    if changed:
        await course_changed(*changed)
    if any(s.status == ItemStatus.created for s in written):
        await cache.invalidate_course(None)
    updated = [s for s in written if s.status == ItemStatus.updated]
    for start in range(0, len(updated), _INVALIDATE_CONCURRENCY):
        chunk = updated[start : start + _INVALIDATE_CONCURRENCY]
        await asyncio.gather(*(cache.invalidate_course(str(s.course_id)) for s in chunk))
    for step in updated:
        if step.resectioned is not None:
            await recompute_for_course(Course.model_validate(step.resectioned))

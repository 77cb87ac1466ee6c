"""Course files on the server's command line: `oms import-courses` and `oms export-courses`.

Both talk to MongoDB directly through the same services as the API (no HTTP body limit), stream the file,
and draw a rich progress bar on stderr; the import ends with a summary table and exits 0 only when no item
failed.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import IO, Any

from pymongo.asynchronous.database import AsyncDatabase
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from oms.config import Settings
from oms.db import connected
from oms.documents.course import CourseStatus
from oms.redis_owner import Claim, claim_once, shared_message
from oms.redis_store import RedisGuard, connect
from oms.schemas.course_import import ImportReport, ItemStatus
from oms.services.imports import export as course_export
from oms.services.imports.importer import ImportOptions, import_courses
from oms.services.imports.reader import detect_format
from oms.services.pagecache.cache import Cache

FAILURES_SHOWN = 20
err = Console(stderr=True)


@asynccontextmanager
async def page_cache(settings: Settings, db: AsyncDatabase[dict[str, Any]]) -> AsyncIterator[Cache]:
    """The API's page cache, so an import invalidates what the API serves (Redis down, or holding another
    database's data while that deployment runs: nothing to do)."""
    client = connect(settings)
    try:
        guard = RedisGuard(client, settings.redis_retry_s)
        if await claim_once(guard, db) is Claim.shared:
            err.print(f"[yellow]{shared_message(settings.redis_url)}[/yellow]", markup=True, highlight=False)
        yield Cache(guard, settings.cache_ttl_s, settings.cache_enabled)
    finally:
        await client.aclose()


@contextmanager
def opened(path: str) -> Iterator[IO[bytes]]:
    """The file at `path`, or stdin copied to a temporary file when `path` is `-` (imports may read twice)."""
    if path != "-":
        with open(path, "rb") as file:
            yield file
        return
    with tempfile.TemporaryFile() as spool:
        shutil.copyfileobj(sys.stdin.buffer, spool)
        spool.seek(0)
        yield spool


def _bar(*, in_bytes: bool) -> Progress:
    """A bar over the file's bytes (import) or over the courses (export), with items and items/s."""
    return Progress(
        TextColumn("{task.description:>9}"),
        BarColumn(),
        DownloadColumn() if in_bytes else TextColumn("{task.completed:.0f}/{task.total:.0f}"),
        TextColumn("{task.fields[items]:>8} items  {task.fields[rate]:>7.0f} items/s"),
        TimeElapsedColumn(),
        console=err,
    )


async def import_file(settings: Settings, path: str, options: ImportOptions) -> ImportReport:
    """Import a course file with a progress bar; the report says what happened to each item."""
    with opened(path) as source:
        size = source.seek(0, 2)
        source.seek(0)
        fmt = detect_format(source, None, path)
        started = time.perf_counter()
        with _bar(in_bytes=True) as bar:
            task = bar.add_task("reading", total=size or None, items=0, rate=0.0)

            def progress(phase: str, items: int, position: int) -> None:
                rate = items / max(time.perf_counter() - started, 1e-6)
                bar.update(task, description=phase, completed=min(position, size), items=items, rate=rate)

            async with connected(settings) as db, page_cache(settings, db) as cache:
                return await import_courses(source, fmt, options, cache, progress)


def summary(report: ImportReport) -> Table:
    """The counts, then the first failures with where in the file they are."""
    title = "dry run: nothing written" if report.dry_run else "import"
    if report.refused:
        title = "atomic import refused: nothing written"
    table = Table(title=title)
    for status in ItemStatus:
        table.add_column(status.value, justify="right")
    table.add_row(*(str(getattr(report, s.value)) for s in ItemStatus))
    return table


def failures(report: ImportReport) -> Table | None:
    """Up to FAILURES_SHOWN failed items with each error, or None when nothing failed."""
    failed = [i for i in report.items if i.status == ItemStatus.failed]
    if not failed:
        return None
    table = Table(title=f"failed items ({len(failed)}; all of them with --report FILE)")
    for column in ("index", "line", "slug", "loc", "problem"):
        table.add_column(column)
    for item in failed[:FAILURES_SHOWN]:
        for error in item.errors:
            loc = ".".join(str(p) for p in error.loc) or "(item)"
            table.add_row(str(item.index), str(item.line or ""), item.slug or "", loc, error.msg)
    return table


async def export_file(
    settings: Settings, out: IO[bytes], statuses: list[CourseStatus], tag: str | None, section_ids: bool
) -> int:
    """Write the matching courses as NDJSON to `out`; how many were written."""
    async with connected(settings):
        total = await course_export.count_courses(statuses, tag)
        with _bar(in_bytes=False) as bar:
            task = bar.add_task("exporting", total=total, items=0, rate=0.0)
            started, written = time.perf_counter(), 0
            chunks = course_export.export_lines(statuses, tag, section_ids, settings.export_batch_deadline_s)
            async for chunk in chunks:
                out.write(chunk)
                written += chunk.count(b"\n")
                rate = written / max(time.perf_counter() - started, 1e-6)
                bar.update(task, items=written, rate=rate, completed=written)
    out.flush()
    return written


def write_report(report: ImportReport, path: Path) -> None:
    """The whole per-item report as JSON."""
    path.write_text(report.model_dump_json(indent=2) + "\n")


def print_summary(report: ImportReport) -> None:
    """The summary table, and the failures table when something failed, on stdout."""
    out = Console()
    out.print(summary(report))
    if (failed := failures(report)) is not None:
        out.print(failed)

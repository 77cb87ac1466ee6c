"""`oms reindex`: rebuild the embedded search indexes of this data directory from MongoDB.

Slots no worker holds are rebuilt here, with a progress bar, and get a fresh resume token, so the next
worker to take one starts ready and catches up from the stream. A slot a running worker holds is asked
to rebuild itself (a `reindex` file it notices within a fraction of a second).
"""

from __future__ import annotations

import asyncio
import fcntl
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from oms.config import Settings
from oms.db import connected
from oms.services.search.embedded import EmbeddedIndex
from oms.services.search.follower import REINDEX_FILE, Follower
from oms.services.search.runtime import claim_slot


def _held(slot: Path) -> bool:
    with (slot / "lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


async def _rebuild_free_slots(settings: Settings, slots: int, progress: Progress) -> list[int]:
    claimed = [claim_slot(settings.data_dir / "search") for _ in range(slots)]  # held until all are done
    try:
        async with connected(settings) as db:
            return [await _rebuild(db["courses"], slot, progress) for slot, _ in claimed]
    finally:
        for _, lock in claimed:
            lock.close()


async def _rebuild(collection: Any, slot: Path, progress: Progress) -> int:
    """One slot's index from a full read, and the resume token of a stream opened before it."""
    total = await collection.estimated_document_count()
    task = progress.add_task(slot.name, total=total)
    index = EmbeddedIndex(slot / "index")
    follower = Follower(index, collection, slot / "token.json")
    async with await collection.watch() as stream:  # opened first: nothing written meanwhile is lost
        count = await index.rebuild(
            follower.all_courses(), total, lambda n: progress.update(task, completed=n)
        )
        follower.save_token(stream.resume_token)
    return count


def reindex(settings: Settings) -> None:
    """Rebuild every free slot's index; ask running workers to rebuild theirs."""
    base = settings.data_dir / "search"
    if settings.search_backend != "embedded":
        typer.echo("the Atlas Search index is maintained by MongoDB: nothing to rebuild here")
        return
    slots = sorted(p for p in base.glob("worker-*") if p.is_dir()) if base.exists() else []
    busy = [s for s in slots if _held(s)]
    for slot in busy:
        (slot / REINDEX_FILE).touch()
    free = max(1, len(slots) - len(busy))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as progress:
        counts = asyncio.run(_rebuild_free_slots(settings, free, progress))
    typer.echo(
        f"rebuilt {len(counts)} index(es) of {max(counts)} courses; {len(busy)} running worker(s) asked to rebuild"
    )

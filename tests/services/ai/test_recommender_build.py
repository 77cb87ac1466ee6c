"""The recommender build is idempotent, bounded and self-healing: retried batches, failed and cancelled
builds (lease released, partial version deleted, never served), settle detection, and a shutdown that does
not wait on the compute thread."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId
from fastapi import FastAPI

from oms.services.ai import builder
from oms.services.ai import rows as rows_module
from oms.services.ai.runtime import Refresher

STATE = {"key": "current"}


async def seed(db: Any, courses: int = 30, learners: int = 40) -> list[ObjectId]:
    """Published courses and learners who took three neighbouring courses each (direct inserts)."""
    now = datetime.now(UTC)
    ids = [ObjectId() for _ in range(courses)]
    await db["courses"].insert_many(
        [
            {"_id": cid, "slug": f"build-{i}", "name": f"Topic {i % 5} course {i}", "description": "",
             "content": "", "tags": [f"topic{i % 5}"], "status": "published", "sections": [],
             "created_at": now, "updated_at": now, "version": 1}
            for i, cid in enumerate(ids)
        ]
    )  # fmt: skip
    await db["enrollments"].insert_many(
        [
            {"user_id": ObjectId(), "course_id": ids[(u + k) % courses], "status": "active", "progress": 0.0,
             "completed_sections": [], "history": [], "enrolled_at": now, "updated_at": now}
            for u in range(learners)
            for k in range(3)
        ]
    )  # fmt: skip
    return ids


async def live_state(db: Any) -> dict[str, Any]:
    state = await db["recommender_state"].find_one(STATE)
    assert state is not None
    return dict(state)


async def test_a_retried_batch_replaces_instead_of_duplicating(app: FastAPI) -> None:
    """The same batch written twice (what a driver retry after a timeout does) is no error and no dupe."""
    db = app.state.db
    rows = [{"course_id": ObjectId(), "neighbours": []} for _ in range(builder.BATCH_ROWS + 7)]
    await builder.write_rows(db, 5, rows, batch_timeout_s=10)
    await builder.write_rows(db, 5, rows[: builder.BATCH_ROWS], batch_timeout_s=10)  # the retry
    assert await db["recommender_items"].count_documents({"version": 5}) == len(rows)


async def test_a_failed_build_releases_its_lease_and_deletes_its_rows(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = app.state.db
    await seed(db)
    first = await builder.rebuild(db, force=True, wait_s=10)
    assert first is not None
    real_write = builder.write_rows

    async def fails_half_way(db: Any, version: int, rows: list[Any], timeout: float) -> None:
        await real_write(db, version, rows[:10], timeout)
        raise TimeoutError("socket timeout on the second batch")

    monkeypatch.setattr(builder, "write_rows", fails_half_way)
    with pytest.raises(TimeoutError):
        await builder.rebuild(db, force=True, wait_s=10)
    state = await live_state(db)
    assert state["lease_until"] is None and state["version"] == first.version  # the old build still served
    assert await db["recommender_items"].count_documents({"version": {"$gt": first.version}}) == 0
    monkeypatch.setattr(builder, "write_rows", real_write)
    again = await builder.rebuild(db, force=True, wait_s=0)  # no lease left behind: no waiting
    assert again is not None and again.version == first.version + 1


async def test_a_build_cancelled_mid_write_cleans_up(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """Killing the build task while it writes (shutdown, Ctrl-C): lease released, partial rows gone."""
    db = app.state.db
    await seed(db)
    real_write = builder.write_rows
    writing = asyncio.Event()

    async def hangs_after_a_batch(db: Any, version: int, rows: list[Any], timeout: float) -> None:
        await real_write(db, version, rows[:5], timeout)
        writing.set()
        await asyncio.sleep(3600)

    monkeypatch.setattr(builder, "write_rows", hangs_after_a_batch)
    task = asyncio.create_task(builder.rebuild(db, force=True))
    await asyncio.wait_for(writing.wait(), 30)
    assert await db["recommender_items"].count_documents({}) == 5  # a partial version exists...
    assert (await live_state(db))["version"] == 0  # ...but it is not the live one
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    state = await live_state(db)
    assert state["lease_until"] is None and state["version"] == 0
    assert await db["recommender_items"].count_documents({}) == 0


async def test_a_dead_builders_partial_version_is_removed_by_the_next_build(app: FastAPI) -> None:
    """A builder killed outright (no cleanup ran) leaves rows above the live version and a lease that
    expires; the next build deletes those rows before writing its own."""
    db = app.state.db
    await seed(db)
    stray = [{"version": 1, "course_id": ObjectId(), "neighbours": []} for _ in range(3)]
    await db["recommender_items"].insert_many(stray)
    report = await builder.rebuild(db, force=True, wait_s=10)
    assert report is not None and report.version == 1
    assert (
        await db["recommender_items"].count_documents({"course_id": {"$in": [s["course_id"] for s in stray]}})
        == 0
    )


async def test_cancelling_the_compute_stops_its_thread(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cancelled build sets the flag the compute thread checks, and nothing is written."""
    db = app.state.db
    await seed(db)
    started, stopped = threading.Event(), threading.Event()

    def slow_compute(*args: Any) -> dict[str, Any]:
        cancel: threading.Event = args[-1]
        started.set()
        for _ in range(600):
            if cancel.is_set():
                stopped.set()
                raise rows_module.BuildCancelled()
            time.sleep(0.05)
        raise AssertionError("never cancelled")

    monkeypatch.setattr(rows_module, "compute", slow_compute)
    task = asyncio.create_task(builder.rebuild(db, force=True))
    assert await asyncio.to_thread(started.wait, 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(stopped.wait, 5)
    assert (await live_state(db))["lease_until"] is None


async def test_the_schedule_waits_for_the_data_to_settle(app: FastAPI) -> None:
    """While enrollments keep arriving (a bulk load), the scheduled build is postponed; once they stop,
    the next check builds from the whole data."""
    db = app.state.db
    ids = await seed(db, learners=10)
    refresher = Refresher(db, interval_s=0.1, settle_s=0.5)
    loading = True

    async def bulk_load() -> None:
        while loading:
            await db["enrollments"].insert_one(
                {"user_id": ObjectId(), "course_id": ids[0], "status": "active", "progress": 0.0,
                 "completed_sections": [], "history": [], "enrolled_at": datetime.now(UTC),
                 "updated_at": datetime.now(UTC)}
            )  # fmt: skip
            await asyncio.sleep(0.05)

    loader = asyncio.create_task(bulk_load())
    try:
        for _ in range(3):
            assert await refresher.tick() is None
        assert await db["recommender_state"].find_one(STATE) is None  # nothing built on partial data
    finally:
        loading = False
        await loader
    report = await refresher.tick()
    assert report is not None and report.enrollments == await db["enrollments"].count_documents({})


SHUTDOWN = textwrap.dedent(
    """
    import asyncio, signal, threading, time
    from oms.services.ai.builder import in_daemon_thread

    def build_that_ignores_cancel():
        time.sleep(60)

    async def main():
        task = asyncio.create_task(in_daemon_thread(build_that_ignores_cancel, cancel=threading.Event()))
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)  # as uvicorn stops
        print("building", flush=True)
        try:
            await task
        except asyncio.CancelledError:
            pass

    asyncio.run(main())
    """
)


def test_shutdown_does_not_wait_on_a_build_thread() -> None:
    """SIGTERM while a build computes: the process exits at once (a daemon thread, not the default
    executor that `asyncio.run` and the interpreter wait for)."""
    proc = subprocess.Popen([sys.executable, "-c", SHUTDOWN], stdout=subprocess.PIPE, text=True)  # noqa: S603
    assert proc.stdout is not None and proc.stdout.readline().strip() == "building"
    started = time.monotonic()
    proc.terminate()
    assert proc.wait(timeout=20) == 0
    assert time.monotonic() - started < 5

"""An import batch retried after its reply was lost (a timeout after the write landed): no duplicates, no
failures, and another writer's course with the same slug is still a conflict."""

from __future__ import annotations

import io

import orjson
from fastapi import FastAPI

from oms.clock import utcnow
from oms.documents import Course
from oms.services.imports import importer
from oms.services.imports import plan as import_plan
from oms.services.imports.reader import Format, ItemReader


async def test_import_retried_after_a_lost_reply_neither_duplicates_nor_fails(app: FastAPI) -> None:
    """A batch whose reply was lost (the write landed, the client timed out) and is written again: its new
    courses are found to be this very import's, reported unchanged, and stored once."""
    items = [{"slug": f"lost-{i}", "name": f"Lost {i}", "sections": [{"title": "One"}]} for i in range(2)]
    lines = b"".join(orjson.dumps(item) + b"\n" for item in items)
    (batch,) = ItemReader(io.BytesIO(lines), Format.ndjson).batches()
    now = utcnow()
    steps = await import_plan.plan(batch, importer.ImportOptions(), now)
    assert [s.status for s in steps] == ["created", "created"]
    first = await importer.import_courses(
        io.BytesIO(lines), Format.ndjson, importer.ImportOptions(), app.state.cache
    )
    assert first.created == 2  # the attempt whose reply never came back
    await importer._write(steps, now, app.state.cache)  # the retry of the same batch
    assert [(s.status, s.item.errors) for s in steps] == [("unchanged", []), ("unchanged", [])]
    assert await Course.get_pymongo_collection().count_documents({"slug": {"$regex": "^lost-"}}) == 2
    clash = [{"slug": "lost-0", "name": "Someone else's", "sections": []}]
    (other,) = ItemReader(io.BytesIO(orjson.dumps(clash[0]) + b"\n"), Format.ndjson).batches()
    theirs = await import_plan.plan(
        other, importer.ImportOptions(), now, snapshot={}
    )  # planned before lost-0 existed
    await importer._write(theirs, now, app.state.cache)
    assert theirs[0].status == "failed"  # another writer's course with this slug is still a conflict

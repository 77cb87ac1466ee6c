"""Course export: every course as one NDJSON line in the import format, streamed from a cursor.

Lines are byte-stable: courses ordered by slug, keys in the format's order, sections in course order, so
export → import into an empty database → export gives the same bytes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from oms.deadlines import job_deadline
from oms.documents import Course
from oms.documents.course import CourseStatus

CHUNK_LINES = 200
_PROJECTION = {"created_by": 0, "created_at": 0, "updated_at": 0, "version": 0}


def export_item(raw: dict[str, Any], with_section_ids: bool = False) -> dict[str, Any]:
    """A stored course in the import format (`section_id`s only when asked for)."""
    sections = []
    for s in raw.get("sections", []):
        section = {"section_id": str(s["section_id"])} if with_section_ids else {}
        section |= {
            "title": s["title"],
            "body": s.get("body", ""),
            "duration_minutes": s.get("duration_minutes", 0),
        }
        sections.append(section)
    return {
        "slug": raw["slug"],
        "name": raw["name"],
        "description": raw.get("description", ""),
        "content": raw.get("content", ""),
        "tags": raw.get("tags", []),
        "status": raw["status"],
        "sections": sections,
    }


def export_query(statuses: list[CourseStatus] | None, tag: str | None) -> dict[str, Any]:
    """The filter for `?status=` (any of them) and `?tag=`."""
    query: dict[str, Any] = {}
    if statuses:
        query["status"] = {"$in": [s.value for s in statuses]}
    if tag:
        query["tags"] = tag.strip().lower()
    return query


async def count_courses(statuses: list[CourseStatus] | None, tag: str | None) -> int:
    """How many courses an export with these filters writes."""
    return await Course.get_pymongo_collection().count_documents(export_query(statuses, tag))


async def export_lines(
    statuses: list[CourseStatus] | None = None,
    tag: str | None = None,
    with_section_ids: bool = False,
    batch_deadline_s: float = 30.0,
) -> AsyncIterator[bytes]:
    """NDJSON chunks of the matching courses, ordered by slug; reading each chunk from MongoDB has a
    deadline of its own, so a long export takes the time it needs and a hung database ends it on time.
    (Nothing is yielded inside a deadline: it would apply to the consumer's code too.)"""
    cursor = Course.get_pymongo_collection().find(
        export_query(statuses, tag), _PROJECTION, sort=[("slug", 1)], batch_size=CHUNK_LINES
    )
    try:
        while True:
            with job_deadline(batch_deadline_s):
                rows = await cursor.to_list(CHUNK_LINES)
            if not rows:
                return
            yield b"".join(orjson.dumps(export_item(raw, with_section_ids)) + b"\n" for raw in rows)
    finally:
        await cursor.close()

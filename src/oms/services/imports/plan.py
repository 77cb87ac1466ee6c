"""Planning an import batch: what each valid item does to the stored courses.

An item is `created` when its slug is new, `unchanged` when the stored course already holds its normalised
content, else `updated` with only the differing fields. Sections keep their ids: an incoming section takes
the id it names (`section_id`), else the id of the first unclaimed stored section with the same title, else
a new one. Each course an import writes keeps `import_fingerprint` = {the item's digest, the version the
import gave it}: while that version is current the item is known to be unchanged without reading the
course's text (the fast path of a re-import); a course edited since is compared in full.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import InsertOne, UpdateOne

from oms.documents import Course
from oms.schemas.course_import import CourseImport, ImportMode, ItemStatus, SectionImport
from oms.services.imports.items import ParsedItem

FINGERPRINT = "import_fingerprint"  # {version, sha256}: the item that made this version of the course
LOOKUP_CHUNK = 50  # SecantusDB answers many small `$in` queries much faster than one large one
HEADS = {"slug": 1, "version": 1, FINGERPRINT: 1}
Heads = dict[str, dict[str, Any]]  # slug -> {_id, slug, version, import_fingerprint}


@dataclass(frozen=True)
class ImportOptions:
    """How to import: `mode`, `dry_run` (write nothing), `atomic` (all or nothing), the author, and the
    deadline of each batch's database work (reads, the write, the recounts after it)."""

    mode: ImportMode = ImportMode.upsert
    dry_run: bool = False
    atomic: bool = False
    author_id: ObjectId | None = None
    batch_deadline_s: float = 60.0


@dataclass(slots=True)
class Step:
    """What one item does: its status, the write (if any), and the course it concerns."""

    item: ParsedItem
    status: ItemStatus
    op: InsertOne[Any] | UpdateOne | None = None
    course_id: ObjectId | None = None
    resectioned: dict[str, Any] | None = None  # the new document, when its set of sections changes


async def _find(slugs: list[str], projection: dict[str, int] | None) -> dict[str, dict[str, Any]]:
    """Stored courses by slug, LOOKUP_CHUNK slugs per query (one after the other: the server gains
    nothing from concurrent ones)."""
    collection = Course.get_pymongo_collection()
    found: dict[str, dict[str, Any]] = {}
    for i in range(0, len(slugs), LOOKUP_CHUNK):
        async for raw in collection.find({"slug": {"$in": slugs[i : i + LOOKUP_CHUNK]}}, projection):
            found[raw["slug"]] = raw
    return found


async def all_heads() -> Heads:
    """Every stored course's head, in one scan: cheaper than lookups when an import covers much of the
    catalogue (the import then plans against this snapshot; a course changed after it fails its update
    rather than being overwritten)."""
    cursor = Course.get_pymongo_collection().find({}, HEADS, batch_size=5000)
    return {raw["slug"]: raw async for raw in cursor}


def _fingerprinted(head: dict[str, Any], digest: str) -> bool:
    """Whether the stored course is still exactly what this item made of it (so it is unchanged): its
    fingerprint has the item's digest and was written by the course's current version."""
    mark = head.get(FINGERPRINT)
    return isinstance(mark, dict) and mark.get("version") == head["version"] and mark.get("sha256") == digest


async def plan(
    batch: list[ParsedItem], options: ImportOptions, now: datetime, snapshot: Heads | None = None
) -> list[Step]:
    """Each item's step, against the stored heads (from `snapshot` when given, else looked up). Courses
    whose fingerprint shows the item unchanged are not read in full; the others are compared field by
    field."""
    items = {item.slug: item for item in batch if item.course is not None and item.slug}
    if snapshot is None:
        heads = await _find(list(items), HEADS)
    else:
        heads = {slug: snapshot[slug] for slug in items if slug in snapshot}
    stale = [slug for slug, head in heads.items() if not _fingerprinted(head, items[slug].digest)]
    full = await _find(stale, None) if stale and options.mode == ImportMode.upsert else {}
    steps: list[Step] = []
    for item in batch:
        head = heads.get(item.slug or "")
        if item.course is None:
            steps.append(Step(item, ItemStatus.failed))
        elif head is not None and options.mode == ImportMode.create:
            item.errors.append(
                {
                    "loc": ["slug"],
                    "msg": "a course with this slug already exists (mode=create)",
                    "type": "slug_exists",
                }
            )
            steps.append(Step(item, ItemStatus.failed))
        elif head is not None and _fingerprinted(head, item.digest):
            steps.append(Step(item, ItemStatus.unchanged, course_id=head["_id"]))
        elif (old := full.get(item.slug or "")) is not None:
            steps.append(_update_step(item, item.course, old, now))
        else:  # new, or deleted since the first query
            doc = new_document(item.course, options.author_id, now, item.digest)
            steps.append(Step(item, ItemStatus.created, InsertOne(doc), doc["_id"]))
    return steps


def _update_step(item: ParsedItem, course: CourseImport, old: dict[str, Any], now: datetime) -> Step:
    new, current = content(course, old.get("sections", [])), stored_content(old)
    changes = {k: v for k, v in new.items() if v != current[k]}
    if not changes:
        return Step(item, ItemStatus.unchanged, course_id=old["_id"])
    mark = {"version": old["version"] + 1, "sha256": item.digest}
    op = UpdateOne(
        {"_id": old["_id"], "version": old["version"]},
        {"$set": {**changes, "updated_at": now, FINGERPRINT: mark}, "$inc": {"version": 1}},
    )
    old_ids = {s["section_id"] for s in old.get("sections", [])}
    resectioned = {**old, **new} if {s["section_id"] for s in new["sections"]} != old_ids else None
    return Step(item, ItemStatus.updated, op, old["_id"], resectioned)


def match_section_ids(stored: list[dict[str, Any]], incoming: list[SectionImport]) -> list[ObjectId]:
    """An id for each incoming section: the one it names, else the first unclaimed stored section with
    the same title, else a new id."""
    ids: list[ObjectId | None] = [ObjectId(s.section_id) if s.section_id else None for s in incoming]
    claimed = {i for i in ids if i is not None}
    by_title: dict[str, deque[ObjectId]] = defaultdict(deque)
    for old in stored:
        if old["section_id"] not in claimed:
            by_title[old["title"]].append(old["section_id"])
    for i, new in enumerate(incoming):
        if ids[i] is None:
            free = by_title.get(new.title)
            ids[i] = free.popleft() if free else ObjectId()
    return [i for i in ids if i is not None]


def content(course: CourseImport, stored_sections: list[dict[str, Any]]) -> dict[str, Any]:
    """The stored form of an item's content fields, its sections matched to `stored_sections`."""
    ids = match_section_ids(stored_sections, course.sections)
    return {
        "name": course.name,
        "description": course.description,
        "content": course.content,
        "tags": list(course.tags),
        "status": course.status.value,
        "sections": [
            {
                "section_id": ids[i],
                "title": s.title,
                "body": s.body,
                "order": i,
                "duration_minutes": s.duration_minutes,
            }
            for i, s in enumerate(course.sections)
        ],
    }


def stored_content(raw: dict[str, Any]) -> dict[str, Any]:
    """A stored course's content fields in the same normalised form as `content()`."""
    return {
        "name": raw["name"],
        "description": raw.get("description", ""),
        "content": raw.get("content", ""),
        "tags": raw.get("tags", []),
        "status": raw["status"],
        "sections": [
            {
                "section_id": s["section_id"],
                "title": s["title"],
                "body": s.get("body", ""),
                "order": s.get("order", i),
                "duration_minutes": s.get("duration_minutes", 0),
            }
            for i, s in enumerate(raw.get("sections", []))
        ],
    }


def new_document(
    course: CourseImport, author_id: ObjectId | None, now: datetime, digest: str
) -> dict[str, Any]:
    """The document a new course is inserted as (version 1), fields in the API's order."""
    return {
        "_id": ObjectId(),
        "slug": course.slug,
        **content(course, []),
        "created_by": author_id,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        FINGERPRINT: {"version": 1, "sha256": digest},
    }

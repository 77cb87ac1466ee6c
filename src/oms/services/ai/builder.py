"""Building the recommender from MongoDB: `rebuild()`, run by the CLI and by `runtime.Refresher`.

A build reads every course and enrollment, computes the model in a worker thread, writes the neighbour rows
under a new version, then switches `recommender_state` to it (readers never see half a build) and deletes
versions older than the previous one. A lease in the state document keeps concurrent builders (workers,
hosts, the CLI) to one at a time. The schedule rebuilds only when the data changed, and leaves at least
20 × the last build's duration between builds, so a large catalogue cannot eat the CPU.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from oms.clock import utcnow
from oms.deadlines import job_deadline
from oms.documents import Course, Enrollment
from oms.documents.recommender import STATE_KEY, RecommenderItem, RecommenderState
from oms.services.ai import model as recommender
from oms.services.ai.text import CourseText, shared_terms

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)
TRENDING_DAYS, TRENDING_COUNT, PICKS = 7, 20, 60
TERMS = 24  # the terms per course that reasons may name (tags first)
_CHUNK = 1000
COURSES, ENROLLMENTS = Course.Settings.name, Enrollment.Settings.name
ITEMS, STATES = RecommenderItem.Settings.name, RecommenderState.Settings.name
Database = AsyncDatabase[dict[str, Any]]


@dataclass(frozen=True)
class BuildReport:
    """What a build produced."""

    version: int
    courses: int
    learners: int
    enrollments: int
    seconds: float


async def fingerprint(db: Database) -> str:
    """Changes whenever an enrollment or a course is added or changed."""
    summary: list[str] = []
    for name in (ENROLLMENTS, COURSES):
        cursor = await db[name].aggregate(
            [{"$group": {"_id": None, "n": {"$sum": 1}, "last": {"$max": "$updated_at"}}}]
        )
        rows = [row async for row in cursor]
        summary.append(f"{rows[0]['n']}@{rows[0]['last']}" if rows else "0")
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


def compute(
    courses: list[dict[str, Any]], enrollments: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    """The neighbour rows and cold-start picks for every course (CPU only: runs in a thread)."""
    ids = [c["_id"] for c in courses]
    position = {cid: i for i, cid in enumerate(ids)}
    texts = [
        CourseText(
            name=c.get("name", ""),
            description=c.get("description", ""),
            tags=tuple(c.get("tags", [])),
            section_titles=tuple(s.get("title", "") for s in c.get("sections", [])),
        )
        for c in courses
    ]
    users: dict[Any, int] = {}
    pairs = [
        (users.setdefault(e["user_id"], len(users)), position[e["course_id"]])
        for e in enrollments
        if e["course_id"] in position
    ]
    model = recommender.build(pairs, len(users), texts)
    recent = now - timedelta(days=TRENDING_DAYS)
    week: dict[int, int] = {}
    for e in enrollments:
        if e["course_id"] in position and e["enrolled_at"] >= recent:
            week[position[e["course_id"]]] = week.get(position[e["course_id"]], 0) + 1
    trending = {i for i, _ in sorted(week.items(), key=lambda kv: -kv[1])[:TRENDING_COUNT]}
    published = {i for i, c in enumerate(courses) if c.get("status") == "published"}
    rows = []
    popularity = [round(float(p), 6) for p in model.popularity]
    terms = [
        dict(sorted(t.items(), key=lambda kv: (not kv[0].startswith("#"), -kv[1]))[:TERMS])
        for t in model.text.terms
    ]
    co, content = model.co, model.content
    for i in range(len(ids)):
        scores: dict[int, list[float]] = {}
        for j, v in zip(
            co.indices[co.indptr[i] : co.indptr[i + 1]].tolist(),
            co.data[co.indptr[i] : co.indptr[i + 1]].tolist(),
            strict=True,
        ):
            scores[j] = [v, 0.0]
        for j, v in zip(
            content.indices[content.indptr[i] : content.indptr[i + 1]].tolist(),
            content.data[content.indptr[i] : content.indptr[i + 1]].tolist(),
            strict=True,
        ):
            scores.setdefault(j, [0.0, 0.0])[1] = v
        neighbours = [
            {
                "course_id": ids[j],
                "co": round(c, 6),
                "content": round(t, 6),
                "popularity": popularity[j],
                "trending": j in trending,
                "shared": shared_terms(terms[i], terms[j]) if t > 0 else [],
            }
            for j, (c, t) in scores.items()
            if j in published
        ]
        if neighbours:
            rows.append({"course_id": ids[i], "neighbours": neighbours})
    return {"rows": rows, "picks": _picks(model, texts, published, trending, ids), "learners": len(users)}


def _picks(
    model: recommender.ItemModel,
    texts: list[CourseText],
    published: set[int],
    trending: set[int],
    ids: list[Any],
) -> list[dict[str, Any]]:
    """Popular published courses, diversified: each pick's score is discounted by how many earlier picks
    share its first tag, so the cold-start list spans topics instead of ten courses on one."""
    boost = recommender.HYBRID.popularity
    pool = sorted(published, key=lambda i: -(model.popularity[i] + (boost if i in trending else 0)))[
        : PICKS * 3
    ]
    seen: dict[str, int] = {}
    scored = []
    for i in pool:
        topic = texts[i].tags[0].lower() if texts[i].tags else ""
        base = float(model.popularity[i]) + (boost if i in trending else 0.0)
        scored.append((base * 0.7 ** seen.get(topic, 0), i))
        seen[topic] = seen.get(topic, 0) + 1
    scored.sort(key=lambda s: -s[0])
    return [
        {"course_id": ids[i], "popularity": round(float(model.popularity[i]), 6), "trending": i in trending}
        for _, i in scored[:PICKS]
    ]


async def rebuild(
    db: Database, force: bool = False, wait_s: float = 0.0, batch_deadline_s: float = 120.0
) -> BuildReport | None:
    """Build and switch to a new model; None when nothing changed (unless `force`) or another build holds
    the lease for longer than `wait_s`. Each read and each batch of rows written has `batch_deadline_s`."""
    started = time.monotonic()

    async def unchanged() -> bool:
        state = await db[STATES].find_one({"key": STATE_KEY}, {"fingerprint": 1, "version": 1})
        return bool(state and state.get("version", 0) > 0 and state.get("fingerprint") == print_)

    with job_deadline(batch_deadline_s):
        print_ = await fingerprint(db)
    if not force and await unchanged():  # the usual scheduled check: two reads, no write
        return None
    while not await _take_lease(db, utcnow()):
        if time.monotonic() - started >= wait_s:
            return None
        await asyncio.sleep(0.05)
    now = utcnow()
    with job_deadline(batch_deadline_s):
        print_ = await fingerprint(db)
    if not force and await unchanged():  # another builder was first
        await db[STATES].update_one({"key": STATE_KEY}, {"$set": {"lease_until": None}})
        return None
    states = db[STATES]
    try:
        with job_deadline(batch_deadline_s):
            courses = [
                c
                async for c in db[COURSES].find(
                    {}, {"name": 1, "description": 1, "tags": 1, "status": 1, "sections.title": 1}
                )
            ]
        with job_deadline(batch_deadline_s):
            enrollments = [
                e async for e in db[ENROLLMENTS].find({}, {"user_id": 1, "course_id": 1, "enrolled_at": 1})
            ]
        built = await asyncio.to_thread(compute, courses, enrollments, now)
        current = await states.find_one({"key": STATE_KEY}, {"version": 1})
        version = int((current or {}).get("version", 0)) + 1
        items = db[ITEMS]
        with job_deadline(batch_deadline_s):
            await items.delete_many({"version": version})  # left over from a build that died half-way
        rows = [{"version": version, **row} for row in built["rows"]]
        for start in range(0, len(rows), _CHUNK):
            with job_deadline(batch_deadline_s):
                await items.insert_many(rows[start : start + _CHUNK], ordered=False)
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
        with job_deadline(batch_deadline_s):
            await items.delete_many({"version": {"$lt": version - 1}})
    except BaseException:
        await states.update_one({"key": STATE_KEY}, {"$set": {"lease_until": None}})
        raise
    log.info("recommender rebuilt", extra={"version": version, "courses": len(courses), "seconds": seconds})
    return BuildReport(version, len(courses), built["learners"], len(enrollments), seconds)

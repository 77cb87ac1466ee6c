"""Figures for the admin dashboard: enrollments and completions per day, and per-course completion.

Both are aggregations over `enrollments` (indexed by `enrolled_at` and by course), cached in Redis as
reply bytes for `DASHBOARD_TTL_S` like the other list pages (`services/pagecache`): a dashboard left open
by several admins costs one aggregation a minute, and a figure is at most that old. Without Redis each
process still runs one aggregation at a time per figure (single flight).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Literal

from bson import ObjectId

from oms.documents import Course, Enrollment
from oms.schemas.dashboard import ActivityDay, ActivitySeries, CourseFigures, CourseFiguresPage
from oms.services.pagecache.cache import Cache

DASHBOARD_TTL_S = 60
CourseOrder = Literal["enrollments", "completion_rate", "mean_progress"]


async def _cached(cache: Cache, kind: str, load: Callable[[], Awaitable[bytes]], **params: Any) -> bytes:
    page = await cache.page(kind, **params)
    if page is not None and page.body is not None:
        return page.body

    async def fill() -> bytes:
        body = await load()
        if page is not None:
            await cache.store_page(page, body, DASHBOARD_TTL_S)
        return body

    body: bytes = await cache.single_flight(f"{kind}:{sorted(params.items())}", fill)
    return body


def _day_counts(field: str, since: datetime) -> list[dict[str, Any]]:
    return [
        {"$match": {field: {"$gte": since}}},
        {"$group": {"_id": {"$dateToString": {"format": "%Y-%m-%d", "date": f"${field}"}}, "n": {"$sum": 1}}},
    ]


async def activity(cache: Cache, now: datetime, days: int) -> bytes:
    """Enrollments started and completions per UTC day over the last `days` days (today included)."""

    async def load() -> bytes:
        first = (now - timedelta(days=days - 1)).date()
        since = datetime(first.year, first.month, first.day, tzinfo=now.tzinfo)
        collection = Enrollment.get_pymongo_collection()
        started = {
            r["_id"]: r["n"] async for r in await collection.aggregate(_day_counts("enrolled_at", since))
        }
        done = {
            r["_id"]: r["n"] async for r in await collection.aggregate(_day_counts("completed_at", since))
        }
        points = []
        for i in range(days):
            day = first + timedelta(days=i)
            key = day.isoformat()
            points.append(ActivityDay(day=day, enrollments=started.get(key, 0), completions=done.get(key, 0)))
        return ActivitySeries(days=days, points=points).model_dump_json().encode()

    return await _cached(cache, "dash-activity", load, days=days, today=now.date().isoformat())


async def course_figures(cache: Cache, order: CourseOrder, limit: int) -> bytes:
    """The `limit` courses first by `order` (most enrollments by default), with their figures."""

    async def load() -> bytes:
        collection = Enrollment.get_pymongo_collection()
        pipeline: list[dict[str, Any]] = [
            {
                "$group": {
                    "_id": "$course_id",
                    "enrollments": {"$sum": 1},
                    "active": {"$sum": {"$cond": [{"$eq": ["$status", "active"]}, 1, 0]}},
                    "completed": {"$sum": {"$cond": [{"$eq": ["$status", "completed"]}, 1, 0]}},
                    "dropped": {"$sum": {"$cond": [{"$eq": ["$status", "dropped"]}, 1, 0]}},
                    "mean_progress": {"$avg": "$progress"},
                }
            },
            {"$set": {"completion_rate": {"$divide": ["$completed", "$enrollments"]}}},
            {"$sort": {order: -1, "enrollments": -1, "_id": 1}},
            {"$limit": limit},
        ]
        rows = [r async for r in await collection.aggregate(pipeline)]
        ids: list[ObjectId] = [r["_id"] for r in rows]
        courses = {c.id: c for c in await Course.find({"_id": {"$in": ids}}).to_list()}
        items = [
            CourseFigures(
                course_id=str(r["_id"]),
                slug=course.slug,
                name=course.name,
                status=course.status,
                enrollments=r["enrollments"],
                active=r["active"],
                completed=r["completed"],
                dropped=r["dropped"],
                completion_rate=round(r["completion_rate"], 4),
                mean_progress=round(r["mean_progress"] or 0.0, 2),
            )
            for r in rows
            if (course := courses.get(r["_id"])) is not None
        ]
        return CourseFiguresPage(items=items).model_dump_json().encode()

    return await _cached(cache, "dash-courses", load, order=order, limit=limit)

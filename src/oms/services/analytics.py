"""Read-only views for analysts, installed with the validators (`oms migrate`, and at start-up).

Each is `name -> (source collection, pipeline)`; docs/data-model.md describes their rows. They use
`$lookup` with `localField` and a pipeline together, so MongoDB 5.0 or newer is needed.
"""

from __future__ import annotations

from typing import Any


def _count(status: str) -> dict[str, Any]:
    return {"$size": {"$filter": {"input": "$enrollments", "cond": {"$eq": ["$$this.status", status]}}}}


_progresses = {"$map": {"input": "$enrollments", "in": "$$this.progress"}}

# One row per course (`_id` is the course's): its enrollments by status, completion rate (completed /
# enrollments, 0-1) and mean progress (0-100) over all its enrollments, dropped ones included.
COURSE_STATS: list[dict[str, Any]] = [
    {
        "$lookup": {
            "from": "enrollments",
            "localField": "_id",
            "foreignField": "course_id",
            "pipeline": [{"$project": {"_id": 0, "status": 1, "progress": 1}}],
            "as": "enrollments",
        }
    },
    {
        "$project": {
            "slug": 1,
            "name": 1,
            "status": 1,
            "tags": 1,
            "sections": {"$size": "$sections"},
            "enrollments": {"$size": "$enrollments"},
            "active": _count("active"),
            "completed": _count("completed"),
            "dropped": _count("dropped"),
            "mean_progress": {"$round": [{"$ifNull": [{"$avg": _progresses}, 0]}, 2]},
        }
    },
    {
        "$set": {
            "completion_rate": {
                "$cond": [
                    {"$gt": ["$enrollments", 0]},
                    {"$round": [{"$divide": ["$completed", "$enrollments"]}, 4]},
                    0,
                ]
            }
        }
    },
]

# One row per progress event kept in an enrollment's history.
PROGRESS_EVENTS: list[dict[str, Any]] = [
    {"$unwind": "$history"},
    {
        "$project": {
            "_id": 0,
            "enrollment_id": "$_id",
            "user_id": 1,
            "course_id": 1,
            "at": "$history.at",
            "event": "$history.event",
            "section_id": {"$ifNull": ["$history.section_id", None]},
            "progress": "$history.progress",
        }
    },
]

# One row per section of every course, in course order.
COURSE_SECTIONS: list[dict[str, Any]] = [
    {"$unwind": "$sections"},
    {
        "$project": {
            "_id": 0,
            "course_id": "$_id",
            "slug": 1,
            "course_status": "$status",
            "section_id": "$sections.section_id",
            "title": "$sections.title",
            "order": "$sections.order",
            "duration_minutes": "$sections.duration_minutes",
        }
    },
]

# Users without password hashes or e-mail addresses: what an analyst may join on.
USERS_PUBLIC: list[dict[str, Any]] = [
    {"$project": {"username": 1, "display_name": 1, "role": 1, "disabled": 1, "created_at": 1}},
]

VIEWS: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "course_stats": ("courses", COURSE_STATS),
    "progress_events": ("enrollments", PROGRESS_EVENTS),
    "course_sections": ("courses", COURSE_SECTIONS),
    "users_public": ("users", USERS_PUBLIC),
}

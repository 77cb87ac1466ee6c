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

# One row per course shown in a recommendation list: where, by which strategy and model version, whether it
# was clicked, and the enrollment in it within 7 days after the list (null if none).
_WEEK_MS = 7 * 86_400_000
RECOMMENDATION_OUTCOMES: list[dict[str, Any]] = [
    {"$unwind": "$items"},
    {
        "$lookup": {
            "from": "recommendation_clicks",
            "localField": "_id",
            "foreignField": "impression_id",
            "pipeline": [{"$project": {"_id": 0, "course_id": 1, "at": 1}}],
            "as": "clicks",
        }
    },
    {
        "$lookup": {
            "from": "enrollments",
            "localField": "user_id",
            "foreignField": "user_id",
            "pipeline": [{"$project": {"_id": 0, "course_id": 1, "enrolled_at": 1}}],
            "as": "enrolled",
        }
    },
    {
        "$project": {
            "_id": 0,
            "impression_id": "$_id",
            "user_id": 1,
            "shown_at": "$at",
            "strategy": 1,
            "model_version": 1,
            "course_id": "$items.course_id",
            "position": "$items.position",
            "clicked": {
                "$gt": [
                    {
                        "$size": {
                            "$filter": {
                                "input": "$clicks",
                                "cond": {"$eq": ["$$this.course_id", "$items.course_id"]},
                            }
                        }
                    },
                    0,
                ]
            },
            "enrolled_at": {
                "$ifNull": [
                    {
                        "$arrayElemAt": [
                            {
                                "$map": {
                                    "input": {
                                        "$filter": {
                                            "input": "$enrolled",
                                            "cond": {
                                                "$and": [
                                                    {"$eq": ["$$this.course_id", "$items.course_id"]},
                                                    {"$gte": ["$$this.enrolled_at", "$at"]},
                                                    {
                                                        "$lte": [
                                                            "$$this.enrolled_at",
                                                            {"$add": ["$at", _WEEK_MS]},
                                                        ]
                                                    },
                                                ]
                                            },
                                        }
                                    },
                                    "in": "$$this.enrolled_at",
                                }
                            },
                            0,
                        ]
                    },
                    None,
                ]
            },
        }
    },
    {"$set": {"enrolled": {"$ne": ["$enrolled_at", None]}}},
]

VIEWS: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "course_stats": ("courses", COURSE_STATS),
    "progress_events": ("enrollments", PROGRESS_EVENTS),
    "course_sections": ("courses", COURSE_SECTIONS),
    "users_public": ("users", USERS_PUBLIC),
    "recommendation_outcomes": ("recommendation_impressions", RECOMMENDATION_OUTCOMES),
}

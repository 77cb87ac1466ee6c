"""What happened after recommendations were shown: clicks reported by the web app, enrollments attributed
to impressions, and the figures of `GET /admin/ai/recommendations/stats`.

An enrollment is attributed to an impression when the impression showed that course to that user and the
enrollment came within `ATTRIBUTION_DAYS` after it; with several such impressions, the latest one before
the enrollment takes it, so each enrollment counts once.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId

from oms.clock import utcnow
from oms.documents import Enrollment
from oms.documents.impressions import RecommendationClick, RecommendationImpression
from oms.exceptions import NotFound
from oms.services.ai.impressions import ImpressionLog

ATTRIBUTION_DAYS = 7
UNWRITTEN_GRACE_S = 120  # an impression this young may still be in a worker's write-behind queue
WINDOWS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


class ImpressionNotFound(NotFound):
    title = "Recommendation not found"


async def record_click(
    log: ImpressionLog, user_id: PydanticObjectId | None, impression_id: PydanticObjectId, course_id: PydanticObjectId,
    position: int,
) -> None:  # fmt: skip
    """Store a click on `course_id` at `position` of the caller's impression; 404 when that impression (of
    this caller, with that course at that position) is unknown. An impression not yet written (it may wait
    in a worker's queue) is accepted when its id is younger than UNWRITTEN_GRACE_S."""
    found = await RecommendationImpression.get_pymongo_collection().find_one(
        {"_id": impression_id}, {"user_id": 1, "items": 1}
    )
    now = utcnow()
    if found is None:
        young = now - ObjectId(impression_id).generation_time < timedelta(seconds=UNWRITTEN_GRACE_S)
        if not (young or log.pending(impression_id)):
            raise ImpressionNotFound("no such recommendation list was shown to you")
    elif found["user_id"] != user_id or {"course_id": course_id, "position": position} not in [
        {"course_id": i["course_id"], "position": i["position"]} for i in found["items"]
    ]:
        raise ImpressionNotFound("that course was not shown at that position of your recommendation list")
    await RecommendationClick.get_pymongo_collection().insert_one(
        {"impression_id": impression_id, "user_id": user_id, "course_id": course_id, "position": position,
         "at": now}
    )  # fmt: skip


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


async def stats(window: str, log: ImpressionLog) -> dict[str, Any]:
    """Impressions in the window, click-through, attributed enrollments, by position and by strategy."""
    now = utcnow()
    since = now - WINDOWS[window]
    impressions = [
        doc
        async for doc in RecommendationImpression.get_pymongo_collection().find(
            {"at": {"$gte": since}}, {"user_id": 1, "at": 1, "strategy": 1, "items": 1}
        )
    ]
    clicked: dict[tuple[Any, Any], int] = {}
    async for c in RecommendationClick.get_pymongo_collection().find(
        {"at": {"$gte": since}}, {"impression_id": 1, "course_id": 1, "position": 1}
    ):
        clicked[(c["impression_id"], c["course_id"])] = c["position"]
    shown: dict[tuple[Any, Any], list[tuple[datetime, Any, int, str]]] = defaultdict(list)
    for imp in impressions:
        for item in imp["items"]:
            shown[(imp["user_id"], item["course_id"])].append(
                (imp["at"], imp["_id"], item["position"], imp["strategy"])
            )
    for shown_at in shown.values():
        shown_at.sort()
    attributed: dict[tuple[Any, Any], bool] = {}
    async for e in Enrollment.get_pymongo_collection().find(
        {"enrolled_at": {"$gte": since}}, {"user_id": 1, "course_id": 1, "enrolled_at": 1}
    ):
        events = shown.get((e["user_id"], e["course_id"]), [])
        if not events:
            continue
        i = bisect.bisect_right(events, (e["enrolled_at"], ObjectId("f" * 24)))  # the latest at or before it
        if i and e["enrolled_at"] - events[i - 1][0] <= timedelta(days=ATTRIBUTION_DAYS):
            attributed[(events[i - 1][1], e["course_id"])] = True
    by_position: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_strategy: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    clicked_lists = enrolled_total = 0
    for imp in impressions:
        any_click = False
        row = by_strategy[imp["strategy"]]
        row[0] += 1
        for item in imp["items"]:
            key = (imp["_id"], item["course_id"])
            click, enrolled = key in clicked, key in attributed
            counts = by_position[item["position"]]
            counts[0] += 1
            counts[1] += click
            counts[2] += enrolled
            any_click |= click
            row[2] += click
            row[3] += enrolled
            enrolled_total += enrolled
        clicked_lists += any_click
        row[1] += any_click
    total = len(impressions)
    return {
        "window": window,
        "since": since,
        "impressions": total,
        "courses_shown": sum(v[0] for v in by_position.values()),
        "clicks": sum(v[1] for v in by_position.values()),
        "click_through_rate": _rate(clicked_lists, total),
        "enrollments_attributed": enrolled_total,
        "enrollment_rate": _rate(enrolled_total, total),
        "by_position": [
            {
                "position": p,
                "shown": s,
                "clicks": c,
                "click_rate": _rate(c, s),
                "enrollments": n,
                "enrollment_rate": _rate(n, s),
            }
            for p, (s, c, n) in sorted(by_position.items())
        ],
        "by_strategy": [
            {
                "strategy": k,
                "impressions": n,
                "click_through_rate": _rate(cl, n),
                "clicks": c,
                "enrollments": e,
                "enrollment_rate": _rate(e, n),
            }
            for k, (n, cl, c, e) in sorted(by_strategy.items())
        ],
        "impressions_dropped_by_this_worker": log.dropped,
    }

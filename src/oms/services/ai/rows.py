"""The rows a build writes, computed from plain course and enrollment documents (CPU only: a build runs
`compute` in a daemon thread, see `builder.py`): each course's scored neighbours and the cold-start picks.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from oms.services.ai import model as recommender
from oms.services.ai.text import CourseText

TRENDING_DAYS, TRENDING_COUNT, PICKS = 7, 20, 60
TRENDING_BOOST = 0.2  # how much "popular this week" lifts a cold-start pick
PARTS = ("ease", "next", "co", "content")  # the model's neighbour parts, stored per neighbour


class BuildCancelled(Exception):
    """The build was cancelled while computing (shutdown or a failed build): stop burning CPU."""


def compute(
    courses: list[dict[str, Any]],
    enrollments: list[dict[str, Any]],
    now: datetime,
    cancel: threading.Event | None = None,
) -> dict[str, Any]:
    """The neighbour rows and cold-start picks for every course; raises BuildCancelled soon after `cancel`
    is set."""
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
    per_user: dict[Any, list[tuple[datetime, Any, int]]] = {}
    for e in enrollments:
        if e["course_id"] in position:
            per_user.setdefault(e["user_id"], []).append(
                (e["enrolled_at"], e["_id"], position[e["course_id"]])
            )
    sequences = [[item for _, _, item in sorted(events)] for events in per_user.values()]
    model = recommender.build(sequences, texts)
    _check(cancel)
    recent = now - timedelta(days=TRENDING_DAYS)
    week: dict[int, int] = {}
    for e in enrollments:
        if e["course_id"] in position and e["enrolled_at"] >= recent:
            week[position[e["course_id"]]] = week.get(position[e["course_id"]], 0) + 1
    trending = {i for i, _ in sorted(week.items(), key=lambda kv: -kv[1])[:TRENDING_COUNT]}
    published = {i for i, c in enumerate(courses) if c.get("status") == "published"}
    parts = [(name, getattr(model, name)) for name in PARTS]
    rows = []
    for i in range(len(ids)):
        if i % 256 == 0:
            _check(cancel)
        scores: dict[int, dict[str, Any]] = {}
        for name, matrix in parts:
            start, end = matrix.indptr[i], matrix.indptr[i + 1]
            for j, v in zip(matrix.indices[start:end].tolist(), matrix.data[start:end].tolist(), strict=True):
                if j in published:
                    scores.setdefault(j, {"course_id": ids[j]})[name] = round(v, 6)
        for j in trending & scores.keys():
            scores[j]["trending"] = True
        if scores:  # compact: a part that is zero is left out
            rows.append({"course_id": ids[i], "neighbours": list(scores.values())})
    return {"rows": rows, "picks": _picks(model, texts, published, trending, ids), "learners": len(per_user)}


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise BuildCancelled()


def _picks(
    model: recommender.ItemModel,
    texts: list[CourseText],
    published: set[int],
    trending: set[int],
    ids: list[Any],
) -> list[dict[str, Any]]:
    """Popular published courses, diversified: each pick's score is discounted by how many earlier picks
    share its first tag, so the cold-start list spans topics instead of ten courses on one."""
    boost = TRENDING_BOOST
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

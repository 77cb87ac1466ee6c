"""The served recommender's formula: serving (stored rows, `recommendations.rank`) and the offline evaluation
(`model.score`) rank the same courses with the same scores, and the recent share favours what is taken now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from beanie import PydanticObjectId as ObjectId

from oms.services.ai import evaluation
from oms.services.ai import model as recommender
from oms.services.ai import rows as rows_module
from oms.services.ai.recommendations import rank
from oms.services.ai.splits import timed_sequences
from oms.services.ai.text import CourseText


def stored(data: evaluation.Dataset) -> tuple[list[ObjectId], dict[Any, list[Any]]]:
    """What a build writes for `data` (via `rows.compute`), read back the way serving reads it."""
    ids = [ObjectId() for _ in data.courses]
    courses = [
        {"_id": cid, "name": c.name, "description": c.description, "tags": list(c.tags),
         "sections": [{"title": t} for t in c.section_titles], "status": "published"}
        for cid, c in zip(ids, data.courses, strict=True)
    ]  # fmt: skip
    learners = [ObjectId() for _ in range(data.n_users)]
    enrollments = [
        {"_id": ObjectId(), "user_id": learners[u], "course_id": ids[i],
         "enrolled_at": datetime.fromtimestamp(ts, UTC)}
        for u, i, ts in data.interactions
    ]  # fmt: skip
    built = rows_module.compute(
        courses, enrollments, datetime.fromtimestamp(max(t for *_, t in data.interactions), UTC)
    )
    table = {
        row["course_id"]: [
            (
                n["course_id"],
                n.get("ease", 0.0),
                n.get("next", 0.0),
                n.get("co", 0.0),
                n.get("content", 0.0),
                False,
            )
            for n in row["neighbours"]
        ]
        for row in built["rows"]
    }
    return ids, table


def test_serving_ranks_as_the_evaluation_scores() -> None:
    data = evaluation.generate(n_courses=150, n_users=800)
    seqs, times = timed_sequences(data.interactions, data.n_users)
    model = recommender.build(seqs, data.courses, times=times)
    share = recommender.recent_share(seqs, times, len(data.courses), 30, recommender.SERVED.trend_power)
    assert share.min() < 0.7 * share.max()  # the recent share is really in play
    ids, table = stored(data)
    histories = [seq for seq in seqs if len(seq) >= 2][:120]
    offline = recommender.score(model, histories, recommender.SERVED)
    compared = 0
    for history, scores in zip(histories, offline, strict=True):
        seeds = [ids[i] for i in history]
        served = rank(table, seeds, set(seeds), recommender.SERVED, keep=10)
        top = sorted(served.values(), key=lambda c: -c.score)
        assert len(top) == 10
        position = {cid: i for i, cid in enumerate(ids)}
        for candidate in top:  # the same score for every course served...
            assert candidate.score == pytest.approx(float(scores[position[candidate.course_id]]), abs=1e-4)
        # ...and nothing the evaluation ranks higher is missing from the served ten
        assert np.sort(scores[np.isfinite(scores)])[-10] <= top[-1].score + 1e-4
        compared += 1
    assert compared == 120


def test_recent_share_favours_what_is_taken_now() -> None:
    """Two courses taken after the same course by as many learners: the one taken lately comes first."""
    day = 86_400.0
    old = [[0, 1]] * 6  # course 1: taken after course 0, a year ago
    new = [[0, 2]] * 6  # course 2: the same, this week
    seqs = old + new + [[3]]
    times = [[0.0, day]] * 6 + [[360 * day, 361 * day]] * 6 + [[365 * day]]
    courses = [CourseText(f"course {i}") for i in range(4)]
    share = recommender.recent_share(seqs, times, 4, 30, 0.5)
    assert share[2] == pytest.approx(1.0) and share[1] == pytest.approx((1 / 7) ** 0.5)
    weights = recommender.Weights(trend_power=0.5)
    scores = recommender.score(recommender.build(seqs, courses, weights, times=times), [[0]], weights)[0]
    assert scores[2] > scores[1] > 0
    flat = recommender.score(recommender.build(seqs, courses, weights), [[0]], weights)[0]
    assert flat[2] == pytest.approx(flat[1])  # without times no course is scaled
    assert (recommender.recent_share(seqs, None, 4, 30, 0.5) == 1).all()

"""The served recommender's formula: serving (stored rows, `recommendations.rank`) and the offline evaluation
(`model.score`) rank the same courses with the same scores."""

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
from oms.services.ai.splits import sequences
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
    seqs = sequences(data.interactions, data.n_users)
    model = recommender.build(seqs, data.courses)
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


def test_content_favours_the_less_taken_of_two_equally_similar_courses() -> None:
    """Content's weight towards a course is divided by (learners + 1)^content_popularity: of two courses
    with the same text, the one few learners took comes first in the content part."""
    courses = [
        CourseText("python data analysis"),
        CourseText("python data analysis"),
        CourseText("python data analysis"),
    ]
    seqs = [[1]] * 9 + [[2]]  # course 1: nine learners, course 2: one
    model = recommender.build(seqs, courses, recommender.Weights(content_popularity=0.3))
    row = model.content.getrow(0).toarray().ravel()
    assert row[2] == pytest.approx(row[1] * (10 / 2) ** 0.3, rel=1e-4) and row[2] > row[1] > 0
    flat = recommender.build(seqs, courses, recommender.Weights(content_popularity=0.0)).content.getrow(0)
    assert flat.toarray().ravel()[1] == pytest.approx(flat.toarray().ravel()[2])

"""Recommendations for one user: a lookup in the built model, never a model computation.

A request reads the caller's enrollments, the neighbour rows of their courses in the live build, and the
candidates' summaries: three indexed MongoDB queries. Scores follow the formula in `model` (EASE, what
learners take next, the co-enrollment walk, content; for "next", recent courses weigh more). Courses the
caller is enrolled in (even dropped ones) and unpublished courses never come out. Without courses of their
own, or before the first build, the caller gets the cold-start picks: popular and spread over topics.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId

from oms.documents import Course, Enrollment, User
from oms.documents.course import CourseStatus
from oms.documents.recommender import STATE_KEY, RecommenderItem, RecommenderState
from oms.schemas.ai import Lang, Recommendation, RecommendationPage
from oms.schemas.courses import CourseSummary
from oms.services.ai.impressions import ImpressionLog
from oms.services.ai.model import SERVED, Weights
from oms.services.ai.reasons import reasons_for
from oms.services.ai.rewrite import ReasonWriter
from oms.services.popularity.rankings import Rankings, Window, mongo_counts

STATE_TTL_S = 5.0
ROW_CACHE_SIZE = 20_000
PICK_WEIGHT = 0.01
SUMMARY_FIELDS = {f: 1 for f in ("slug", "name", "description", "tags", "status", "created_at", "updated_at")}


@dataclass
class Candidate:
    """A course being scored, with what contributed most to it (for the reasons)."""

    course_id: PydanticObjectId
    popularity: float = 0.0
    trending: bool = False
    co_from: tuple[float, PydanticObjectId | None] = (0.0, None)
    next_from: tuple[float, PydanticObjectId | None] = (0.0, None)
    content_from: tuple[float, PydanticObjectId | None] = (0.0, None)
    score: float = 0.0


class Recommender:
    """Reads the live build (its state is kept in memory a few seconds) and ranks courses for a user."""

    def __init__(
        self, rankings: Rankings, weights: Weights = SERVED, writer: ReasonWriter | None = None
    ) -> None:
        self.rankings = rankings
        self.weights = weights
        self.writer = writer
        self.impressions = ImpressionLog()
        self._state: tuple[float, RecommenderState | None] = (0.0, None)
        self._row_cache: dict[PydanticObjectId, list[Any]] = {}
        self._rows_version = 0

    async def state(self) -> RecommenderState | None:
        """The live build's state, or None before the first build."""
        expires, state = self._state
        if time.monotonic() >= expires:
            state = await RecommenderState.find_one({"key": STATE_KEY})
            state = state if state is not None and state.version > 0 else None
            self._state = (time.monotonic() + STATE_TTL_S, state)
        return state

    async def _rows(self, version: int, seeds: list[PydanticObjectId]) -> dict[PydanticObjectId, list[Any]]:
        """Neighbour rows of `seeds` in build `version`. A build's rows never change, so each process keeps
        the rows it has read (for the live version only), and a warm request reads none from MongoDB."""
        if self._rows_version != version or len(self._row_cache) > ROW_CACHE_SIZE:
            self._row_cache, self._rows_version = {}, version
        missing = [s for s in seeds if s not in self._row_cache]
        if missing:
            found = RecommenderItem.get_pymongo_collection().find(
                {"version": version, "course_id": {"$in": missing}}, {"course_id": 1, "neighbours": 1}
            )
            fetched = {
                row["course_id"]: [
                    (
                        n["course_id"],
                        n.get("ease", 0.0),
                        n.get("next", 0.0),
                        n.get("co", 0.0),
                        n.get("content", 0.0),
                        n.get("trending", False),
                    )
                    for n in row["neighbours"]
                ]
                async for row in found
            }
            for seed in missing:
                self._row_cache[seed] = fetched.get(seed, [])
        return {s: self._row_cache[s] for s in seeds}

    def forget_state(self) -> None:
        """Read the state again on the next request (after a rebuild in this process)."""
        self._state = (0.0, None)

    async def recommend(self, user: User, limit: int, lang: Lang) -> RecommendationPage:
        """Up to `limit` published courses for `user`, best first, with reasons."""
        mine = (
            await Enrollment.get_pymongo_collection()
            .find({"user_id": user.id}, {"course_id": 1, "status": 1, "enrolled_at": 1})
            .sort([("enrolled_at", 1), ("_id", 1)])
            .to_list(None)
        )
        taken = {e["course_id"] for e in mine}
        seeds = [e["course_id"] for e in mine if e["status"] != "dropped"]
        state = await self.state()
        candidates = (
            await self._from_neighbours(state, seeds, taken, 3 * limit + 20) if state and seeds else {}
        )
        strategy = "hybrid" if candidates else "popular"
        for pick in await self._picks(state):
            candidates.setdefault(pick.course_id, pick)
        ranked = sorted(
            (c for c in candidates.values() if c.course_id not in taken),
            key=lambda c: (-c.score, str(c.course_id)),
        )
        items: list[Recommendation] = []
        names: dict[PydanticObjectId, str] = {}
        tags: dict[PydanticObjectId, list[str]] = {}
        start = 0
        while len(items) < limit and start < len(ranked):  # more batches only if some were unpublished
            batch = ranked[start : start + limit - len(items) + 5]
            start += len(batch)
            sources = {c.co_from[1] for c in batch} | {c.content_from[1] for c in batch}
            sources |= {c.next_from[1] for c in batch}
            found = await _summaries(
                [c.course_id for c in batch] + [s for s in sources if s and s not in names]
            )
            names.update({cid: raw["name"] for cid, raw in found.items()})
            tags.update({cid: raw.get("tags", []) for cid, raw in found.items()})
            items += [
                Recommendation(
                    course=CourseSummary.model_validate(found[c.course_id]),
                    score=round(c.score, 4),
                    reasons=reasons_for(c, names, tags, lang.value),
                )
                for c in batch
                if c.course_id in found and found[c.course_id]["status"] == CourseStatus.published.value
            ]
        items = items[:limit]
        impression = self.impressions.record(  # write-behind: queued, never awaited
            user.id, [it.course.id for it in items], strategy, state.version if state else 0
        )
        page = RecommendationPage(
            items=items,
            strategy=strategy,
            generated_by="offline",
            model_built_at=state.built_at if state else None,
            impression_id=impression,
        )
        return await self.writer.rewrite(page, lang, str(user.id)) if self.writer else page

    async def _from_neighbours(
        self, state: RecommenderState, seeds: list[PydanticObjectId], taken: set[PydanticObjectId], keep: int
    ) -> dict[PydanticObjectId, Candidate]:
        """The `keep` best courses not `taken`, scored from the neighbours of `seeds`."""
        return rank(
            await self._rows(state.version, list(dict.fromkeys(seeds))), seeds, taken, self.weights, keep
        )

    async def _picks(self, state: RecommenderState | None) -> list[Candidate]:
        """Cold-start picks from the build, or (before any build) from the popularity ranking."""
        w = PICK_WEIGHT  # picks rank by popularity, below related courses
        if state is not None:
            return [
                Candidate(p.course_id, popularity=p.popularity, trending=p.trending, score=w * p.popularity)
                for p in state.picks
            ]
        ranked = await self.rankings.top(Window.all, 60)
        counts = (
            {PydanticObjectId(i): float(n) for i, _, n in ranked}
            if ranked is not None
            else {k: float(n) for k, n in (await mongo_counts(Window.all)).items()}
        )
        top = max(counts.values(), default=0.0) or 1.0
        return [Candidate(cid, popularity=n / top, score=w * n / top) for cid, n in counts.items()]


def rank(
    rows: dict[PydanticObjectId, list[Any]],
    seeds: list[PydanticObjectId],
    taken: set[PydanticObjectId],
    weights: Weights,
    keep: int,
) -> dict[PydanticObjectId, Candidate]:
    """The `keep` best courses not `taken`, scored by `model.score`'s formula from the stored neighbour rows
    of `seeds` (oldest first; rows[seed] = [(course, ease, next, co, content, trending), ...]): each part
    summed over the seeds (recency-weighted), divided by its maximum, weighted and added."""
    w = weights
    weight = {cid: w.recency**age for age, cid in enumerate(reversed(seeds))}
    next_weight = {cid: w.next_recency**age for age, cid in enumerate(reversed(seeds))}
    sums: dict[str, dict[PydanticObjectId, float]] = {"ease": {}, "next": {}, "co": {}, "content": {}}
    best_co: dict[PydanticObjectId, tuple[float, PydanticObjectId]] = {}
    best_next: dict[PydanticObjectId, tuple[float, PydanticObjectId]] = {}
    best_content: dict[PydanticObjectId, tuple[float, PydanticObjectId]] = {}
    trend: dict[PydanticObjectId, bool] = {}
    for seed in weight:
        r, rn = weight[seed], next_weight[seed]
        for cid, e, n, c, t, trending in rows.get(seed, []):
            trend[cid] = trending
            for part, value in (("ease", r * e), ("next", rn * n), ("co", r * c), ("content", r * t)):
                if value:
                    sums[part][cid] = sums[part].get(cid, 0.0) + value
            if r * c > best_co.get(cid, (0.0,))[0]:
                best_co[cid] = (r * c, seed)
            if rn * n > best_next.get(cid, (0.0,))[0]:
                best_next[cid] = (rn * n, seed)
            if r * t > best_content.get(cid, (0.0,))[0]:
                best_content[cid] = (r * t, seed)
    parts = [
        (getattr(w, part), values, max(values.values(), default=0.0) or 1.0) for part, values in sums.items()
    ]
    scores = {
        cid: sum(wp * values.get(cid, 0.0) / top for wp, values, top in parts)
        for cid in trend
        if cid not in taken
    }
    best = heapq.nlargest(keep, scores, key=lambda cid: (scores[cid], str(cid)))
    return {
        cid: Candidate(
            cid,
            trending=trend[cid],
            co_from=best_co.get(cid, (0.0, None)),
            next_from=best_next.get(cid, (0.0, None)),
            content_from=best_content.get(cid, (0.0, None)),
            score=scores[cid],
        )
        for cid in best
    }


async def _summaries(ids: list[PydanticObjectId]) -> dict[PydanticObjectId, dict[str, Any]]:
    """Course summaries by id, reading only the fields a summary shows (section durations, not bodies)."""
    cursor = Course.get_pymongo_collection().find(
        {"_id": {"$in": ids}}, {**SUMMARY_FIELDS, "sections.duration_minutes": 1}
    )
    out: dict[PydanticObjectId, dict[str, Any]] = {}
    async for raw in cursor:
        sections = raw.pop("sections", [])
        raw.setdefault("description", "")
        raw.setdefault("tags", [])
        raw |= {
            "id": raw["_id"],
            "section_count": len(sections),
            "total_minutes": sum(s.get("duration_minutes", 0) for s in sections),
        }
        out[raw["_id"]] = raw
    return out

"""Facts about one enrollment, computed from its progress history: the only input advice is written from.

Nothing here names the student; the cohort comparison is an aggregate over the course's other learners and
is given only when there are at least `MIN_COHORT` of them, so it never describes one other person.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from oms.documents import Course, Enrollment

SHORT_DAYS, LONG_DAYS = 7, 30
STALLED_AFTER_DAYS = 14
MIN_COHORT = 5
NEXT_COUNT = 3


@dataclass(frozen=True)
class SectionRef:
    """A section as advice names it."""

    section_id: str
    title: str
    duration_minutes: int


@dataclass(frozen=True)
class Cohort:
    """How the course's other (not dropped) learners are doing, in aggregate."""

    learners: int
    ahead_of_percent: int
    average_progress: int
    completed: int
    level_percent: int = 0  # share of the other learners at exactly this learner's progress


@dataclass(frozen=True)
class Facts:
    """Everything advice may say, with every number already computed."""

    course_name: str
    status: str
    progress_percent: int
    sections_total: int
    sections_done: int
    sections_left: int
    minutes_total: int
    minutes_done: int
    minutes_left: int
    days_enrolled: int
    days_since_last_activity: int
    done_last_7_days: int
    done_last_30_days: int
    resets_last_30_days: int
    sections_per_week: float
    minutes_per_week: int
    trend: str
    days_to_finish: int | None
    estimated_completion: date | None
    next_sections: list[SectionRef] = field(default_factory=list)
    skipped_sections: list[SectionRef] = field(default_factory=list)
    stalled_sections: list[SectionRef] = field(default_factory=list)
    cohort: Cohort | None = None

    def as_data(self) -> dict[str, Any]:
        """The facts as plain JSON data (dates as ISO strings), for prompts and grounding."""
        data = asdict(self)
        data["estimated_completion"] = (
            self.estimated_completion.isoformat() if self.estimated_completion else None
        )
        data["pace_windows_days"] = [SHORT_DAYS, LONG_DAYS]
        return data


def _days(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 86_400))


def _trend(done_7: int, done_30: int, window_30: float, idle_days: int, progress: int) -> str:
    """not_started | finished | stalled | speeding_up | slowing_down | steady."""
    if progress >= 100:
        return "finished"
    if done_30 == 0 and idle_days >= STALLED_AFTER_DAYS:
        return "stalled" if progress > 0 else "not_started"
    if progress == 0 and done_30 == 0:
        return "not_started"
    if window_30 <= SHORT_DAYS:
        return "steady"
    weekly_7 = done_7
    weekly_30 = done_30 / window_30 * SHORT_DAYS
    if weekly_7 > weekly_30 * 1.3:
        return "speeding_up"
    if weekly_7 < weekly_30 * 0.7:
        return "slowing_down"
    return "steady"


def compute(enrollment: Enrollment, course: Course, cohort: Cohort | None, now: datetime) -> Facts:
    """The facts of `enrollment` in `course` at `now` (UTC)."""
    sections = sorted(course.sections, key=lambda s: s.order)
    done_ids = set(enrollment.completed_sections)
    done = [s for s in sections if s.section_id in done_ids]
    left = [s for s in sections if s.section_id not in done_ids]
    refs = {s.section_id: SectionRef(str(s.section_id), s.title, s.duration_minutes) for s in sections}
    history = sorted(enrollment.history, key=lambda e: e.at)
    last_at = max([enrollment.enrolled_at, *(e.at for e in history)])

    def completions(days: int) -> int:
        since = now - timedelta(days=days)
        return sum(1 for e in history if e.event == "section_completed" and e.at >= since)

    done_7, done_30 = completions(SHORT_DAYS), completions(LONG_DAYS)
    resets = sum(1 for e in history if e.event == "section_reset" and e.at >= now - timedelta(days=LONG_DAYS))
    age_days = max((now - enrollment.enrolled_at).total_seconds() / 86_400, 1.0)
    window_30 = min(float(LONG_DAYS), age_days)
    per_week = done_30 / window_30 * SHORT_DAYS
    recent_minutes = sum(
        refs[e.section_id].duration_minutes
        for e in history
        if e.event == "section_completed" and e.section_id in refs and e.at >= now - timedelta(days=LONG_DAYS)
    )
    minutes_per_week = round(recent_minutes / window_30 * SHORT_DAYS)
    minutes_left = sum(s.duration_minutes for s in left)
    days_to_finish: int | None = None
    if not left:
        days_to_finish = 0
    elif minutes_left and minutes_per_week:
        days_to_finish = math.ceil(minutes_left / (minutes_per_week / SHORT_DAYS))
    elif per_week > 0:
        days_to_finish = math.ceil(len(left) / (per_week / SHORT_DAYS))
    finish = (now + timedelta(days=days_to_finish)).date() if days_to_finish is not None and left else None
    furthest = max((i for i, s in enumerate(sections) if s.section_id in done_ids), default=-1)
    last_state: dict[Any, str] = {}
    for e in history:
        if e.section_id is not None:
            last_state[e.section_id] = e.event
    progress = round(enrollment.progress)
    idle = _days(now - last_at)
    return Facts(
        course_name=course.name,
        status=str(enrollment.status),
        progress_percent=progress,
        sections_total=len(sections),
        sections_done=len(done),
        sections_left=len(left),
        minutes_total=sum(s.duration_minutes for s in sections),
        minutes_done=sum(s.duration_minutes for s in done),
        minutes_left=minutes_left,
        days_enrolled=_days(now - enrollment.enrolled_at),
        days_since_last_activity=idle,
        done_last_7_days=done_7,
        done_last_30_days=done_30,
        resets_last_30_days=resets,
        sections_per_week=round(per_week, 1),
        minutes_per_week=minutes_per_week,
        trend=_trend(done_7, done_30, window_30, idle, progress if left else 100),
        days_to_finish=days_to_finish,
        estimated_completion=finish,
        next_sections=[refs[s.section_id] for s in left[:NEXT_COUNT]],
        skipped_sections=[refs[s.section_id] for s in sections[:furthest] if s.section_id not in done_ids],
        stalled_sections=[
            refs[s.section_id] for s in left if last_state.get(s.section_id) == "section_reset"
        ],
        cohort=cohort if cohort and cohort.learners >= MIN_COHORT else None,
    )


async def cohort_of(enrollment: Enrollment) -> Cohort | None:
    """Aggregate figures of the course's other learners (None with fewer than MIN_COHORT of them)."""
    pipeline: list[dict[str, Any]] = [
        {"$match": {"course_id": enrollment.course_id, "status": {"$ne": "dropped"}}},
        {"$match": {"_id": {"$ne": enrollment.id}}},
        {
            "$group": {
                "_id": None,
                "n": {"$sum": 1},
                "behind": {"$sum": {"$cond": [{"$lt": ["$progress", enrollment.progress]}, 1, 0]}},
                "level": {"$sum": {"$cond": [{"$eq": ["$progress", enrollment.progress]}, 1, 0]}},
                "avg": {"$avg": "$progress"},
                "completed": {"$sum": {"$cond": [{"$gte": ["$progress", 100]}, 1, 0]}},
            }
        },
    ]
    rows = [row async for row in await Enrollment.get_pymongo_collection().aggregate(pipeline)]
    if not rows or rows[0]["n"] < MIN_COHORT:
        return None
    row = rows[0]
    return Cohort(
        learners=int(row["n"]),
        ahead_of_percent=round(100 * row["behind"] / row["n"]),
        average_progress=round(row["avg"] or 0),
        completed=int(row["completed"]),
        level_percent=round(100 * row["level"] / row["n"]),
    )

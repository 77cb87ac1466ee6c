"""Replies of the AI features: learning advice and recommendations."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import Field

from oms.schemas.common import ObjectIdIn, ObjectIdStr, PublicModel, RequestModel, StrictInt, UtcDatetime
from oms.schemas.courses import CourseSummary

GeneratedBy = Literal["llm", "offline"]


class Lang(StrEnum):
    zh = "zh"
    en = "en"


class NextSection(PublicModel):
    section_id: ObjectIdStr
    title: str
    duration_minutes: int


class Pace(PublicModel):
    """How fast the student has been going."""

    sections_last_7_days: int
    sections_last_30_days: int
    sections_per_week: float = Field(description="over the last 30 days (or since enrolling, if sooner)")
    minutes_per_week: int
    days_since_last_activity: int
    trend: str = Field(description="not_started | steady | speeding_up | slowing_down | stalled | finished")


class ProgressFacts(PublicModel):
    percent: int
    sections_done: int
    sections_total: int
    sections_left: int
    minutes_left: int


class CohortFacts(PublicModel):
    """The course's other learners in aggregate; present only with at least 5 of them."""

    learners: int
    ahead_of_percent: int = Field(description="share of the other learners with less progress")
    average_progress: int


class AdvicePublic(PublicModel):
    """Study advice for one enrollment; every number in the text comes from the fields beside it."""

    enrollment_id: ObjectIdStr
    course_id: ObjectIdStr
    lang: Lang
    summary: str
    suggestions: list[str]
    next_sections: list[NextSection]
    pace: Pace
    progress: ProgressFacts
    cohort: CohortFacts | None
    estimated_completion: date | None = Field(description="at the current pace; null without a recent pace")
    generated_by: GeneratedBy = Field(description="llm: written by the configured model; offline: by OMS")
    generated_at: UtcDatetime


class Recommendation(PublicModel):
    course: CourseSummary
    score: float
    reasons: list[str]


class RecommendationPage(PublicModel):
    """Courses for the caller, best first; never one they are enrolled in, never an unpublished one."""

    items: list[Recommendation]
    strategy: Literal["hybrid", "popular"] = Field(
        description="hybrid: from the caller's courses; popular: cold start (popular and diverse)"
    )
    generated_by: GeneratedBy = Field(description="who wrote the reasons: offline, or llm when reworded")
    model_built_at: UtcDatetime | None = Field(description="when the recommender was last rebuilt")
    impression_id: ObjectIdStr | None = Field(
        None, description="this list's id: send it with a click (POST /me/recommendations/clicks)"
    )


class RecommendationClickIn(RequestModel):
    """The caller opened a recommended course from a list they were shown."""

    impression_id: ObjectIdIn = Field(description="the list's `impression_id`")
    course_id: ObjectIdIn
    position: StrictInt = Field(ge=1, le=100, description="the course's 1-based position in that list")


class PositionStats(PublicModel):
    position: int
    shown: int
    clicks: int
    click_rate: float = Field(description="clicks / times shown at this position")
    enrollments: int = Field(description="enrollments attributed to this position")
    enrollment_rate: float = Field(description="enrollments / times shown at this position")


class StrategyStats(PublicModel):
    strategy: str
    impressions: int
    click_through_rate: float = Field(description="lists with at least one click / lists")
    clicks: int
    enrollments: int
    enrollment_rate: float = Field(description="attributed enrollments / lists")


class RecommendationStats(PublicModel):
    """Recommendations in use over a window: what was shown, opened and taken (docs/ai.md)."""

    window: str
    since: UtcDatetime
    impressions: int = Field(description="recommendation lists served (and recorded)")
    courses_shown: int
    clicks: int = Field(description="courses opened from a list, as reported by the web app")
    click_through_rate: float = Field(description="lists with at least one click / lists")
    enrollments_attributed: int = Field(
        description="enrollments in a shown course within 7 days after the list (each counted once)"
    )
    enrollment_rate: float = Field(description="attributed enrollments / lists")
    by_position: list[PositionStats]
    by_strategy: list[StrategyStats]
    impressions_dropped_by_this_worker: int = Field(
        description="lists not recorded by the answering worker since it started (queue full, write failed)"
    )

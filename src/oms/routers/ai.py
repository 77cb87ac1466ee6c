"""AI features: study advice for an enrollment, course recommendations for the caller."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from oms.deps import AdminUser, AdviceDep, CurrentUser, RecommenderDep, VisibleEnrollment
from oms.routers import API_PREFIX
from oms.schemas.ai import (
    AdvicePublic,
    Lang,
    RecommendationClickIn,
    RecommendationPage,
    RecommendationStats,
)
from oms.schemas.common import MAX_LIMIT
from oms.services.ai import outcomes

router = APIRouter(prefix=API_PREFIX, tags=["ai"])
LangQuery = Annotated[Lang, Query(description="zh | en")]


@router.get(
    "/enrollments/{enrollment_id}/advice",
    response_model=AdvicePublic,
    responses={
        429: {
            "description": "the caller already received their hourly number of model-written replies "
            "(offline, fallback and cached replies are not counted)"
        }
    },
)
async def advice(
    enrollment: VisibleEnrollment, user: CurrentUser, service: AdviceDep, lang: LangQuery = Lang.en
) -> Any:
    """Study advice from the enrollment's progress history (its student or an admin; 404 for anyone else).

    The facts (pace, sections left, projected finish, comparison with other learners) are computed by OMS;
    the text is written by the configured language model, checked against those facts, or by the offline
    engine (`generated_by` says which). Cached until the next progress event.
    """
    return Response(await service.advise(enrollment, user, lang), media_type="application/json")


@router.get("/me/recommendations", response_model=RecommendationPage)
async def recommendations(
    user: CurrentUser,
    recommender: RecommenderDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    lang: LangQuery = Lang.en,
) -> Any:
    """Published courses the caller is not enrolled in, best first, each with a score and its reasons.

    From courses that learners of the caller's courses also took, similar content, and popularity; callers
    without courses get popular picks spread over topics (`strategy: popular`). The list is recorded as an
    impression (`impression_id`); report a course opened from it with `POST /me/recommendations/clicks`.
    """
    return await recommender.recommend(user, limit, lang)


@router.post("/me/recommendations/clicks", status_code=204, responses={404: {"description": "unknown list"}})
async def recommendation_click(
    body: RecommendationClickIn, user: CurrentUser, recommender: RecommenderDep
) -> None:
    """Report that the caller opened a course from a recommendation list they were shown (the web app calls
    this when a recommended course is opened). 404 when that list, course and position do not match."""
    await outcomes.record_click(
        recommender.impressions, user.id, body.impression_id, body.course_id, body.position
    )


@router.get("/admin/ai/recommendations/stats", response_model=RecommendationStats)
async def recommendation_stats(
    _: AdminUser,
    recommender: RecommenderDep,
    window: Annotated[Literal["1h", "24h", "7d", "30d"], Query(description="how far back")] = "7d",
) -> Any:
    """Recommendations in use (admins): lists served, click-through to the course page, enrollments
    attributed (a shown course enrolled in within 7 days), and rates per position and per strategy."""
    return await outcomes.stats(window, recommender.impressions)

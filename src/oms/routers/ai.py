"""AI features: study advice for an enrollment, course recommendations for the caller."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from oms.deps import AdviceDep, CurrentUser, RecommenderDep, VisibleEnrollment
from oms.routers import API_PREFIX
from oms.schemas.ai import AdvicePublic, Lang, RecommendationPage
from oms.schemas.common import MAX_LIMIT

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
    without courses get popular picks spread over topics (`strategy: popular`).
    """
    return await recommender.recommend(user, limit, lang)

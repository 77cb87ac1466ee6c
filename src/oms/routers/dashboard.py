"""/admin/dashboard: the figures behind the admin console's dashboard (admin only, cached a minute)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from oms.deps import AdminUser, CacheDep, Now
from oms.routers import API_PREFIX
from oms.schemas.dashboard import ActivitySeries, CourseFiguresPage
from oms.services import dashboard

router = APIRouter(prefix=f"{API_PREFIX}/admin/dashboard", tags=["admin"])


@router.get("/activity", response_model=ActivitySeries)
async def activity(
    _: AdminUser,
    cache: CacheDep,
    now: Now,
    days: Annotated[int, Query(ge=1, le=366, description="the window in days, today included")] = 30,
) -> Response:
    """Enrollments started and courses completed per UTC day, every day of the window (zeros included).
    Figures may be up to a minute old."""
    return Response(await dashboard.activity(cache, now, days), media_type="application/json")


@router.get("/courses", response_model=CourseFiguresPage)
async def course_figures(
    _: AdminUser,
    cache: CacheDep,
    order: Annotated[dashboard.CourseOrder, Query(description="what comes first")] = "enrollments",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Per course: enrollments by status, completion rate (0–1) and mean progress (0–100), the courses
    with the most enrollments first (or by `order`). Courses without enrollments are not listed.
    Figures may be up to a minute old."""
    return Response(await dashboard.course_figures(cache, order, limit), media_type="application/json")

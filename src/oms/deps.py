"""Dependencies as `Annotated` aliases: settings, services' helpers, the caller, and load-or-404 objects.

Every dependency is `async def`, even the trivial ones: FastAPI runs plain functions in a thread pool, which
costs a thread hop per dependency per request on the hottest paths.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import OAuth2PasswordBearer

from oms.config import Settings
from oms.documents import Assignment, Course, Enrollment, Submission, User
from oms.documents.course import CourseStatus
from oms.edge.browser import require_same_origin
from oms.edge.context import current_user_id
from oms.exceptions import AssignmentNotFound, CourseNotFound, Forbidden, NotAuthenticated, PreconditionFailed
from oms.schemas.common import MAX_LIMIT, ObjectIdIn, PageParams
from oms.services import assignments as assignment_service
from oms.services import courses as course_service
from oms.services import enrollments as enrollment_service
from oms.services import submissions as submission_service
from oms.services.accounts.auth import resolve_access_token
from oms.services.accounts.passwords import PasswordHasher
from oms.services.accounts.throttle import Throttle
from oms.services.accounts.tokens import TokenClaims, TokenCodec
from oms.services.ai.advice import AdviceService
from oms.services.ai.recommendations import Recommender
from oms.services.audit import Actor as AuditActor
from oms.services.pagecache.cache import Cache
from oms.services.popularity.rankings import Rankings
from oms.services.search.runtime import SearchRuntime

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login", auto_error=False)


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_hasher(request: Request) -> PasswordHasher:
    """The app's password hasher."""
    hasher: PasswordHasher = request.app.state.hasher
    return hasher


async def get_codec(request: Request) -> TokenCodec:
    """The app's token signer."""
    codec: TokenCodec = request.app.state.codec
    return codec


async def get_cache(request: Request) -> Cache:
    """The app's page cache (Redis behind a breaker)."""
    cache: Cache = request.app.state.cache
    return cache


async def get_rankings(request: Request) -> Rankings:
    """The app's popularity rankings."""
    rankings: Rankings = request.app.state.rankings
    return rankings


async def get_search(request: Request) -> SearchRuntime:
    """The app's catalogue search (index and what keeps it fresh)."""
    search: SearchRuntime = request.app.state.search
    return search


async def get_advice(request: Request) -> AdviceService:
    """The app's advice writer (LLM with offline fallback)."""
    service: AdviceService = request.app.state.advice
    return service


async def get_recommender(request: Request) -> Recommender:
    """The app's recommender (reads the built model)."""
    recommender: Recommender = request.app.state.recommender
    return recommender


async def get_now(request: Request) -> datetime:
    """Now, from the app's clock (tests replace `app.state.clock` to move time instead of sleeping)."""
    now: datetime = request.app.state.clock()
    return now


async def get_throttle(request: Request) -> Throttle:
    """The app's attempt counters (login, registration)."""
    throttle: Throttle = request.app.state.throttle
    return throttle


def client_address(request: Request) -> str:
    """The caller's address (uvicorn sets it from X-Forwarded-For only for trusted proxies)."""
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_settings)]
ThrottleDep = Annotated[Throttle, Depends(get_throttle)]
Now = Annotated[datetime, Depends(get_now)]
CacheDep = Annotated[Cache, Depends(get_cache)]
RankingsDep = Annotated[Rankings, Depends(get_rankings)]
SearchDep = Annotated[SearchRuntime, Depends(get_search)]
AdviceDep = Annotated[AdviceService, Depends(get_advice)]
RecommenderDep = Annotated[Recommender, Depends(get_recommender)]
Hasher = Annotated[PasswordHasher, Depends(get_hasher)]
Codec = Annotated[TokenCodec, Depends(get_codec)]
# Cookie-authenticated routes list this in `dependencies=[...]`: 403 unless called from this site's pages.
SameOrigin = Depends(require_same_origin)


async def get_session(
    request: Request, codec: Codec, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> tuple[User, TokenClaims]:
    """The caller and their token's claims; 401 without a valid bearer token."""
    if not token:
        raise NotAuthenticated()
    user, claims = await resolve_access_token(codec, token)
    request.state.user_id = str(user.id)
    current_user_id.set(str(user.id))
    return user, claims


Session = Annotated[tuple[User, TokenClaims], Depends(get_session)]


async def get_current_user(session: Session) -> User:
    """The authenticated caller."""
    return session[0]


async def get_optional_user(
    request: Request, codec: Codec, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User | None:
    """The caller when a token is sent (it must then be valid), else None for anonymous reads."""
    return (await get_session(request, codec, token))[0] if token else None


CurrentUser = Annotated[User, Depends(get_current_user)]
OptionalUser = Annotated[User | None, Depends(get_optional_user)]


async def get_admin(user: CurrentUser) -> User:
    """The caller, who must be an admin (403 otherwise)."""
    if not user.is_admin:
        raise Forbidden("admin role required")
    return user


async def get_student(user: CurrentUser) -> User:
    """The caller, who must be a student (403 otherwise)."""
    if user.is_admin:
        raise Forbidden("only students enroll; use a student account")
    return user


AdminUser = Annotated[User, Depends(get_admin)]


async def get_audit_actor(request: Request, admin: AdminUser) -> AuditActor:
    """The admin acting, with the request id and client address the audit trail records."""
    return AuditActor(admin.id, request.state.request_id, client_address(request))  # type: ignore[arg-type]


Auditor = Annotated[AuditActor, Depends(get_audit_actor)]
StudentUser = Annotated[User, Depends(get_student)]


async def get_page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="items to skip")] = 0,
) -> PageParams:
    """`?limit=&offset=`."""
    return PageParams(limit=limit, offset=offset)


Paging = Annotated[PageParams, Depends(get_page)]


async def get_catalogue_statuses(
    user: OptionalUser,
    status_: Annotated[
        list[CourseStatus] | None, Query(alias="status", description="admins only; default: every status")
    ] = None,
) -> list[CourseStatus]:
    """The course statuses the caller may browse: published only, unless an admin (who may filter)."""
    if user and user.is_admin:
        return status_ or list(CourseStatus)
    return [CourseStatus.published]


CatalogueStatuses = Annotated[list[CourseStatus], Depends(get_catalogue_statuses)]


async def get_visible_course(course_ref: str, user: OptionalUser) -> Course:
    """The course by id or slug; unpublished ones exist only for admins."""
    return await course_service.find_course(course_ref, include_unpublished=bool(user and user.is_admin))


async def get_admin_course(course_ref: str, _: AdminUser) -> Course:
    """The course by id or slug, any status, for an admin."""
    return await course_service.find_course(course_ref, include_unpublished=True)


VisibleCourse = Annotated[Course, Depends(get_visible_course)]
AdminCourse = Annotated[Course, Depends(get_admin_course)]


async def get_expected_version(request: Request, course: AdminCourse) -> int | None:
    """With `If-Match`, the version the write must apply to (412 when the ETag is stale); else None."""
    header = request.headers.get("if-match")
    if header is None:
        return None
    tags = [t.strip() for t in header.split(",")]
    if "*" not in tags and course.etag not in tags:
        raise PreconditionFailed("the course changed since the ETag you sent; fetch it again")
    return course.version


ExpectedVersion = Annotated[int | None, Depends(get_expected_version)]


async def get_visible_enrollment(enrollment_id: ObjectIdIn, user: CurrentUser) -> Enrollment:
    """The enrollment, if the caller owns it or is an admin; 404 otherwise."""
    return await enrollment_service.get_visible(enrollment_id, user)


VisibleEnrollment = Annotated[Enrollment, Depends(get_visible_enrollment)]


async def get_own_enrollment(enrollment: VisibleEnrollment, user: CurrentUser) -> Enrollment:
    """The caller's own enrollment: an admin may see another student's, but not learn for them (403)."""
    if enrollment.user_id != user.id:
        raise Forbidden("only the enrolled student records progress")
    return enrollment


OwnEnrollment = Annotated[Enrollment, Depends(get_own_enrollment)]


async def get_course_for_work(course_ref: str, user: CurrentUser) -> Course:
    """The course whose assignments the caller may see (admin, or enrolled); 404 otherwise."""
    course = await course_service.find_course(course_ref, include_unpublished=True)
    if not await assignment_service.can_see_course_work(user, course.id):  # type: ignore[arg-type]
        raise CourseNotFound()
    return course


async def get_visible_assignment(assignment_id: ObjectIdIn, user: CurrentUser) -> Assignment:
    """The assignment, for admins and the course's enrolled students; 404 otherwise."""
    return await assignment_service.visible(assignment_id, user)


async def get_admin_assignment(assignment_id: ObjectIdIn, _: AdminUser) -> Assignment:
    """The assignment, for an admin."""
    assignment = await Assignment.get(assignment_id)
    if assignment is None:
        raise AssignmentNotFound()
    return assignment


async def get_visible_submission(submission_id: ObjectIdIn, user: CurrentUser) -> Submission:
    """The submission, for its student or an admin; 404 otherwise."""
    return await submission_service.visible(submission_id, user)


CourseForWork = Annotated[Course, Depends(get_course_for_work)]
VisibleAssignment = Annotated[Assignment, Depends(get_visible_assignment)]
AdminAssignment = Annotated[Assignment, Depends(get_admin_assignment)]
VisibleSubmission = Annotated[Submission, Depends(get_visible_submission)]

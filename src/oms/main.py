"""The application: `create_app()` wires settings, lifespan, middleware, routers and error mapping."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send

from oms import __version__, redis_store
from oms.clock import utcnow
from oms.config import Settings, get_settings
from oms.db import init_db, make_client
from oms.deadlines import DatabaseBreaker
from oms.edge.deadlines import DatabaseDeadlineMiddleware
from oms.edge.frontdoor import FrontDoor
from oms.edge.hardening import SecurityHeadersMiddleware
from oms.edge.metrics import metrics_endpoint, retire_dead_workers
from oms.edge.observability import RequestContextMiddleware, setup_logging
from oms.edge.openapi import install_openapi, operation_id
from oms.edge.problems import install_error_handlers
from oms.edge.webapp import WebAppMiddleware
from oms.exceptions import UsernameTaken
from oms.redis_owner import Ownership, deployment_id
from oms.redis_store import RedisGuard
from oms.routers import (
    API_PREFIX,
    admin_courses,
    ai,
    assignments,
    audit,
    auth,
    courses,
    dashboard,
    docs,
    enrollments,
    health,
    sections,
    submissions,
    users,
)
from oms.schemas.auth import LoginRequest
from oms.services.accounts.passwords import PasswordHasher
from oms.services.accounts.throttle import Throttle
from oms.services.accounts.tokens import TokenCodec
from oms.services.ai import runtime as ai_runtime
from oms.services.pagecache.cache import Cache
from oms.services.pagecache.near_cache import near_cache_for
from oms.services.popularity.rankings import Rankings
from oms.services.popularity.view_counts import ViewBuffer
from oms.services.search.runtime import SearchRuntime
from oms.services.users import ensure_admin

log = logging.getLogger(__name__)
STOP_STEP_S = 5.0


def _bounded(stop: Callable[..., Awaitable[object]], *args: object) -> Callable[[], Awaitable[None]]:
    """`stop(*args)` as a shutdown step that gives up after STOP_STEP_S: a background task stuck in a
    driver call (a change stream's getMore, a connect to a Redis that is gone) must not hold the process
    past its shutdown; the step is left to finish on its own, and the next steps still run."""

    async def step() -> None:
        task = asyncio.ensure_future(stop(*args))
        done, _ = await asyncio.wait({task}, timeout=STOP_STEP_S)
        if not done:
            log.warning("shutdown step did not finish in time; going on", extra={"step": stop.__qualname__})
        elif (error := task.exception()) is not None:
            raise error

    return step


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Connect to MongoDB (validators, indexes) and Redis, claim Redis's shared keys for this database's
    data (`redis_owner`); create the first admin when configured.
    On the way out every step is undone, even when an earlier one fails."""
    settings: Settings = app.state.settings
    retire_dead_workers()
    async with AsyncExitStack() as teardown:
        app.state.mongo = make_client(settings, app.state.database_breaker)
        teardown.push_async_callback(app.state.mongo.close)
        app.state.database_breaker.bind(lambda: app.state.mongo.admin.command("ping"))
        app.state.redis = redis_store.connect(settings)
        teardown.push_async_callback(app.state.redis.aclose)
        guard = RedisGuard(app.state.redis, settings.redis_retry_s)  # per-user keys: throttling, AI
        owned = guard.owned()  # the keys one database's data is in: page cache, rankings
        owned.fence("starting")  # until this deployment's claim on them is known (`redis_owner`)
        views = ViewBuffer(owned)
        near = near_cache_for(
            app.state.redis,
            max_bytes=settings.near_cache_mb * 1024 * 1024 if settings.cache_enabled else 0,
            ttl_s=settings.cache_ttl_s,
            timeout_s=max(settings.redis_timeout_s, 1.0),
            retry_s=settings.redis_retry_s,
        )
        app.state.cache = Cache(owned, settings.cache_ttl_s, settings.cache_enabled, near, views)
        app.state.rankings = Rankings(
            owned, views, enabled=settings.cache_enabled, deadline_s=settings.rankings_rebuild_deadline_s
        )
        app.state.throttle = Throttle(guard)
        views.start()
        teardown.push_async_callback(_bounded(views.stop))
        if near is not None:
            near.start()
            teardown.push_async_callback(_bounded(near.stop))
        app.state.db = await init_db(settings, app.state.mongo)
        app.state.ownership = Ownership(
            guard,
            owned,
            await deployment_id(app.state.db),
            settings.redis_url,
            on_fence=(lambda: near.invalidate(None)) if near is not None else None,
        )
        await app.state.ownership.start()
        teardown.push_async_callback(_bounded(app.state.ownership.stop))
        app.state.search = SearchRuntime(settings, app.state.db, app.state.cache, app.state.rankings)
        await app.state.search.start()
        teardown.push_async_callback(_bounded(app.state.search.stop))
        if settings.admin_username and settings.admin_password:
            with suppress(UsernameTaken):  # another worker created it first
                await ensure_admin(
                    app.state.hasher, settings.admin_username, settings.admin_password.get_secret_value()
                )
        ai_runtime.start(app.state, settings, guard, app.state.rankings)
        teardown.push_async_callback(_bounded(ai_runtime.stop, app.state))
        _freeze_startup_objects()
        yield


_frozen = False


def _freeze_startup_objects() -> None:
    """Once per process: what start-up built lives as long as the process, so keep it out of every
    garbage collection (apps built again in the same process, as tests do, are not frozen)."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


class OMSApp(FastAPI):
    """FastAPI with a front door that answers liveness and cached course reads before the middleware."""

    front_door: FrontDoor | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.front_door is not None and await self.front_door(scope, send):
            return
        await super().__call__(scope, receive, send)


def deadline_routes(settings: Settings) -> list[tuple[str, float | None]]:
    """Routes whose database deadline is not the request deadline: the AI routes wait on a model as well;
    import and export are long jobs, with a deadline per batch instead of one for the request."""
    ai_s = settings.ai_request_deadline_ms / 1000
    return [
        (re.escape(admin_courses.IMPORT_PATH), None),
        (re.escape(admin_courses.EXPORT_PATH), None),
        (rf"{API_PREFIX}/enrollments/[^/]+/advice", ai_s),
        (rf"{API_PREFIX}/me/recommendations", ai_s),
    ]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the OMS API for `settings` (from the environment when None)."""
    settings = settings or get_settings()
    setup_logging(settings.log_level, settings.log_json)
    app = OMSApp(
        title="OMS API",
        version=__version__,
        summary="Online course management: courses, enrollments, progress, assignments and AI advice.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json" if settings.docs_enabled else None,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.clock = utcnow
    app.state.hasher = PasswordHasher(settings)
    app.state.codec = TokenCodec(settings)
    app.state.database_breaker = DatabaseBreaker(settings.mongodb_retry_s, settings.mongodb_timeout_ms / 1000)

    routers = (
        auth,
        users,
        courses,
        sections,
        enrollments,
        assignments,
        submissions,
        ai,
        admin_courses,
        audit,
        dashboard,
        health,
    )
    for module in routers:
        app.include_router(module.router)
    app.add_api_route("/healthz", health.healthz, include_in_schema=False)
    app.add_api_route("/readyz", health.readyz, include_in_schema=False)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    if settings.docs_enabled:
        docs.install_docs(app)
    install_error_handlers(app)
    install_openapi(app, extra_models=(LoginRequest,))
    app.add_middleware(  # innermost: every API request's database deadline; the web app's files need none
        DatabaseDeadlineMiddleware,
        breaker=app.state.database_breaker,
        deadline_s=settings.request_deadline_ms / 1000,
        routes=deadline_routes(settings),
        never_refused=("/readyz", f"{API_PREFIX}/readyz"),
    )
    app.add_middleware(WebAppMiddleware, dist=settings.web_dist)  # inside headers and logs, which apply to it
    app.add_middleware(SecurityHeadersMiddleware, trusted_hosts=settings.trusted_hosts)
    # Bearer tokens cross origins; the session cookie never does: credentials are not allowed cross-origin.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "If-None-Match", "X-Request-ID"],
            expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID", "Server-Timing"],
        )
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        slow_request_ms=settings.slow_request_ms,
        path_limits={admin_courses.IMPORT_PATH: settings.import_max_bytes},
    )
    app.front_door = FrontDoor(app.state, settings)
    return app

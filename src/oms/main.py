"""The application: `create_app()` wires settings, lifespan, middleware, routers and error mapping."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import redis.asyncio as aioredis
from fastapi import FastAPI

from oms import __version__
from oms.clock import utcnow
from oms.config import Settings, get_settings
from oms.db import init_db, make_client
from oms.errors import install_error_handlers
from oms.exceptions import UsernameTaken
from oms.observability import RequestContextMiddleware, setup_logging
from oms.routers import (
    API_PREFIX,
    assignments,
    auth,
    courses,
    docs,
    enrollments,
    health,
    sections,
    submissions,
    users,
)
from oms.services.cache import Cache
from oms.services.passwords import PasswordHasher
from oms.services.rankings import Rankings
from oms.services.redis_guard import RedisGuard
from oms.services.tokens import TokenCodec
from oms.services.users import ensure_admin

log = logging.getLogger(__name__)


def _redis_client(settings: Settings) -> aioredis.Redis:
    return aioredis.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout_s,
        socket_connect_timeout=settings.redis_timeout_s,
        health_check_interval=30,
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Connect to MongoDB (validators, indexes) and Redis; create the first admin when configured."""
    settings: Settings = app.state.settings
    app.state.mongo = make_client(settings)
    app.state.redis = _redis_client(settings)
    guard = RedisGuard(app.state.redis, settings.redis_retry_s)
    app.state.cache = Cache(guard, settings.cache_ttl_s, enabled=settings.cache_enabled)
    app.state.rankings = Rankings(guard, enabled=settings.cache_enabled)
    try:
        app.state.db = await init_db(settings, app.state.mongo)
        if settings.admin_username and settings.admin_password:
            with suppress(UsernameTaken):  # another worker created it first
                await ensure_admin(
                    app.state.hasher, settings.admin_username, settings.admin_password.get_secret_value()
                )
        yield
    finally:
        await app.state.redis.aclose()
        await app.state.mongo.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the OMS API for `settings` (from the environment when None)."""
    settings = settings or get_settings()
    setup_logging(settings.log_level, settings.log_json)
    app = FastAPI(
        title="OMS API",
        version=__version__,
        summary="Online course management: courses, enrollments, progress, assignments and AI advice.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    app.state.settings = settings
    app.state.clock = utcnow
    app.state.hasher = PasswordHasher(settings)
    app.state.codec = TokenCodec(settings)

    for module in (auth, users, courses, sections, enrollments, assignments, submissions, health):
        app.include_router(module.router)
    app.add_api_route("/healthz", health.healthz, include_in_schema=False)
    app.add_api_route("/readyz", health.readyz, include_in_schema=False)
    docs.install_docs(app)
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)
    return app

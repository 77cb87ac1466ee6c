"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any

import pymongo
from fastapi import APIRouter, Request, Response
from pymongo.errors import PyMongoError

from oms.redis_owner import SHARED
from oms.routers import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["health"])
MONGODB_CHECK_S = 1.0
REDIS_CHECK_S = 0.5


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


async def _mongodb(state: Any) -> str:
    """`ok` when MongoDB answers a ping within its deadline (the ping is never refused: it is how the
    database is seen to be back, and a success lets requests use it again)."""
    try:
        with pymongo.timeout(MONGODB_CHECK_S):
            await state.mongo.admin.command("ping")
    except PyMongoError:
        return "down"
    return "ok"


async def _redis(state: Any) -> str:
    """`ok`, `down`, or `shared with another deployment` (another database's OMS holds the cache and
    rankings in this Redis database, so this process runs without them: `oms.redis_owner`)."""
    try:
        await asyncio.wait_for(state.redis.ping(), REDIS_CHECK_S)
    except Exception:
        return "down"
    ownership = getattr(state, "ownership", None)
    return SHARED if ownership is not None and ownership.shared else "ok"


@router.get("/readyz", responses={503: {"description": "MongoDB is unreachable"}})
async def readyz(request: Request, response: Response) -> dict[str, Any]:
    """MongoDB and Redis reachability: 503 when MongoDB is down, `degraded` when only Redis is (down, or
    shared with another deployment); the
    search index's state (building | ready), size and lag behind the database in seconds."""
    state = request.app.state
    mongo, redis = await asyncio.gather(_mongodb(state), _redis(state))
    if mongo != "ok":
        response.status_code = 503
        overall = "unavailable"
    else:
        overall = "ok" if redis == "ok" else "degraded"
    reply: dict[str, Any] = {"status": overall, "checks": {"mongodb": mongo, "redis": redis}}
    search = getattr(state, "search", None)
    if search is not None:
        index = search.status()
        reply["search"] = {
            "backend": index.backend,
            "state": index.state,
            "documents": index.documents,
            "lag_s": index.lag_s,
        }
    return reply

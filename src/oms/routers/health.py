"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response

from oms.routers import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


async def _check(coro: Any, timeout: float) -> str:
    try:
        await asyncio.wait_for(coro, timeout)
    except Exception:
        return "down"
    return "ok"


@router.get("/readyz", responses={503: {"description": "MongoDB is unreachable"}})
async def readyz(request: Request, response: Response) -> dict[str, Any]:
    """MongoDB and Redis reachability: 503 when MongoDB is down, `degraded` when only Redis is; the
    search index's state (building | ready), size and lag behind the database in seconds."""
    state = request.app.state
    mongo, redis = await asyncio.gather(
        _check(state.mongo.admin.command("ping"), 1.0),
        _check(state.redis.ping(), 0.5),
    )
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

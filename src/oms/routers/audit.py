"""/admin/audit: the trail of admin actions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from oms.deps import AdminUser, Paging
from oms.routers import API_PREFIX
from oms.schemas.audit import AuditEntryPublic
from oms.schemas.common import IsoDatetime, ObjectIdIn, Page
from oms.services import audit as audit_service

router = APIRouter(prefix=f"{API_PREFIX}/admin/audit", tags=["admin"])


@router.get("", response_model=Page[AuditEntryPublic])
async def search_audit(
    _: AdminUser,
    page: Paging,
    actor: Annotated[ObjectIdIn | None, Query(description="the admin's user id")] = None,
    action: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z_.]+$")] = None,
    target: Annotated[
        str | None, Query(max_length=100, pattern=r"^[a-z_]+$", description="collection")
    ] = None,
    target_id: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[IsoDatetime | None, Query(description="from this time (inclusive)")] = None,
    until: Annotated[IsoDatetime | None, Query(description="before this time")] = None,
) -> Any:
    """Admin actions, newest first, filtered by actor, action, target and time range (admin)."""
    items, total = await audit_service.search(
        page, actor_id=actor, action=action, target=target, target_id=target_id, since=since, until=until
    )
    return Page[AuditEntryPublic](
        items=[AuditEntryPublic.model_validate(e) for e in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )

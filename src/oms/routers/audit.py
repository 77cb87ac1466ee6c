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
    actor_q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=254,
            description="the admin by email (exact) or by the start of their username, display name or "
            "email (case-insensitive); with `actor` too, both must hold",
        ),
    ] = None,
    action: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z_.]+$")] = None,
    target: Annotated[
        str | None, Query(max_length=100, pattern=r"^[a-z_]+$", description="collection")
    ] = None,
    target_id: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[IsoDatetime | None, Query(description="from this time (inclusive)")] = None,
    until: Annotated[IsoDatetime | None, Query(description="before this time")] = None,
) -> Any:
    """Admin actions, newest first, filtered by actor (id, or name or email), action, target and time range
    (admin); each entry names its actor. Paged by `limit` and `offset`, with the `total` matching."""
    actor_ids = await audit_service.find_actors(actor_q) if actor_q and actor_q.strip() else None
    items, total = await audit_service.search(
        page,
        actor_id=actor,
        actor_ids=actor_ids,
        action=action,
        target=target,
        target_id=target_id,
        since=since,
        until=until,
    )
    names = await audit_service.actor_names({e.actor_id for e in items})
    return Page[AuditEntryPublic](
        items=[_named(AuditEntryPublic.model_validate(e), names.get(e.actor_id)) for e in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


def _named(entry: AuditEntryPublic, account: dict[str, Any] | None) -> AuditEntryPublic:
    """An entry with its actor's names, when the account still exists."""
    if account is None:
        return entry
    return entry.model_copy(
        update={
            "actor_username": account.get("username"),
            "actor_display_name": account.get("display_name"),
            "actor_email": account.get("email"),
        }
    )

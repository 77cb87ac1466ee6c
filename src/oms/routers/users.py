"""/users: the caller's own account, and admin management of all accounts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from oms.clock import utcnow
from oms.deps import AdminUser, Auditor, Codec, CurrentUser, Hasher, Paging, Session
from oms.documents.user import Role
from oms.routers import API_PREFIX
from oms.schemas.common import ObjectIdIn, Page
from oms.schemas.users import UserAdminUpdate, UserPublic, UserUpdateMe
from oms.services import users as user_service
from oms.services.audit import audited, snapshot

router = APIRouter(prefix=f"{API_PREFIX}/users", tags=["users"])


@router.get("/me", response_model=UserPublic)
async def read_me(user: CurrentUser) -> Any:
    """The caller's account."""
    return user


@router.patch("/me", response_model=UserPublic)
async def update_me(body: UserUpdateMe, session: Session, hasher: Hasher, codec: Codec) -> Any:
    """Change display name, email, or password (with `current_password`). A new password ends every other
    session at once (their access and refresh tokens stop working); this session goes on."""
    user, claims = session
    return await user_service.update_me(hasher, user, body, claims.fam, utcnow() + codec.access_ttl)


@router.get("", response_model=Page[UserPublic])
async def list_users(
    _: AdminUser,
    page: Paging,
    role: Annotated[Role | None, Query()] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            description="the start of the username, or part of the display name or email (case-insensitive)",
        ),
    ] = None,
) -> Any:
    """Every account, oldest first, optionally of one role or matching `q` (admin). Paged by `limit` and
    `offset` in a stable order (creation time, then id), with the `total` matching."""
    items, total = await user_service.list_users(page, role, q)
    return Page[UserPublic](
        items=[UserPublic.model_validate(u) for u in items], total=total, limit=page.limit, offset=page.offset
    )


@router.patch("/{user_id}", response_model=UserPublic)
async def admin_update(user_id: ObjectIdIn, body: UserAdminUpdate, actor: Auditor) -> Any:
    """Change a user's role or disable the account (admin); a disabled user's tokens stop working at once.
    Admins cannot demote or disable themselves (409)."""
    before = await user_service.get_user(user_id)
    async with audited(actor, "user.update", "users", str(user_id), snapshot(before)) as outcome:
        updated = await user_service.admin_update(user_id, body, actor.user_id)
        outcome.after = snapshot(updated)
    return updated

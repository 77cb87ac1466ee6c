"""Account changes: one's own profile and password, and what admins change on any account."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from beanie import PydanticObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from oms.clock import utcnow
from oms.documents import RefreshToken, User
from oms.documents.user import Role
from oms.exceptions import Conflict, EmailTaken, InvalidCredentials, UserNotFound
from oms.schemas.common import PageParams
from oms.schemas.users import UserAdminUpdate, UserUpdateMe
from oms.services.accounts.auth import create_user, end_other_sessions
from oms.services.accounts.passwords import PasswordHasher

log = logging.getLogger(__name__)


async def _apply(user_id: PydanticObjectId, changes: dict[str, Any]) -> User:
    """One atomic `$set` on a user; the stored user afterwards."""
    changes["updated_at"] = utcnow()
    try:
        raw = await User.get_pymongo_collection().find_one_and_update(
            {"_id": user_id}, {"$set": changes}, return_document=ReturnDocument.AFTER
        )
    except DuplicateKeyError as exc:
        raise EmailTaken() from exc
    if raw is None:
        raise UserNotFound()
    user: User = User.model_validate(raw)
    return user


async def update_me(
    hasher: PasswordHasher, user: User, body: UserUpdateMe, session: str | None, until: datetime
) -> User:
    """Change the caller's display name, email or password (the last checked against the current one). A
    new password ends every other session at once (their access tokens until `until`, when the longest
    could expire); the caller's own login (token family `session`) goes on."""
    changes = body.model_dump(exclude_unset=True, exclude={"password", "current_password"})
    if body.password is not None:
        if not await hasher.verify(body.current_password or "", user.password_hash):
            raise InvalidCredentials("current_password is wrong")
        changes["password_hash"] = await hasher.hash(body.password)
    user = await _apply(user.id, changes)  # type: ignore[arg-type]  # a stored user has an id
    if body.password is not None:
        await end_other_sessions(user.id, session, until)  # type: ignore[arg-type]  # a stored user has an id
    return user


async def admin_update(user_id: PydanticObjectId, body: UserAdminUpdate, actor_id: PydanticObjectId) -> User:
    """Set a user's role or disabled flag; disabling ends every session at once. Admins cannot demote or
    disable themselves (so the last admin cannot lock everyone out)."""
    if user_id == actor_id and (body.disabled or body.role not in (None, Role.admin)):
        raise Conflict("you cannot demote or disable your own account; ask another admin", code="own_account")
    user = await _apply(user_id, body.model_dump(exclude_unset=True, exclude_none=True))
    if user.disabled:
        await RefreshToken.find(RefreshToken.user_id == user.id).update_many({"$set": {"revoked": True}})
    return user


async def get_user(user_id: PydanticObjectId) -> User:
    """A user by id, or UserNotFound."""
    user = await User.get(user_id)
    if user is None:
        raise UserNotFound()
    return user


async def list_users(
    page: PageParams, role: Role | None = None, q: str | None = None
) -> tuple[list[User], int]:
    """A page of users, oldest first, optionally of one role, optionally matching `q`: the start of the
    username, or anywhere in the display name or email (case-insensitive; `q` is matched literally)."""
    filters: dict[str, Any] = {}
    if role:
        filters["role"] = role.value
    if q:
        text = re.escape(q.strip())
        filters["$or"] = [
            {"username": {"$regex": f"^{re.escape(q.strip().lower())}"}},
            {"display_name": {"$regex": text, "$options": "i"}},
            {"email": {"$regex": text, "$options": "i"}},
        ]
    query = User.find(filters)
    total = await query.count()
    items = await query.sort("+created_at", "+_id").skip(page.offset).limit(page.limit).to_list()
    return items, total


async def ensure_admin(hasher: PasswordHasher, username: str, password: str) -> bool:
    """Create admin `username` unless that user exists; True when it was created."""
    if await User.find_one(User.username == username.strip().lower()):
        return False
    await create_user(hasher, username=username.strip().lower(), password=password, role=Role.admin)
    log.info("created admin user", extra={"username": username})
    return True

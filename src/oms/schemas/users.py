"""User request and reply bodies."""

from __future__ import annotations

from pydantic import model_validator

from oms.documents.user import Role
from oms.schemas.auth import GivenPassword, NewPassword
from oms.schemas.common import (
    DisplayName,
    Email,
    ObjectIdStr,
    PartialUpdate,
    PublicModel,
    RequestModel,
    StrictBool,
    UtcDatetime,
)


class UserPublic(PublicModel):
    """A user as the API shows it (never the password hash)."""

    id: ObjectIdStr
    username: str
    email: str | None
    display_name: str | None
    role: Role
    disabled: bool
    created_at: UtcDatetime


class UserUpdateMe(RequestModel):
    """Changes to one's own account; a new `password` needs `current_password`."""

    display_name: DisplayName | None = None
    email: Email | None = None
    password: NewPassword | None = None
    current_password: GivenPassword | None = None

    @model_validator(mode="after")
    def _password_needs_current(self) -> UserUpdateMe:
        if self.password is not None and not self.current_password:
            raise ValueError("current_password is required to change the password")
        return self


class UserAdminUpdate(PartialUpdate):
    """What an admin may change on any account."""

    role: Role | None = None
    disabled: StrictBool | None = None

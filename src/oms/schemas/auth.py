"""Auth request and reply bodies."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from oms.schemas.common import DisplayName, Email, PublicModel, RequestModel, Username

# Passwords are secrets, not text: unlike other request strings, surrounding whitespace is kept.
NewPassword = Annotated[str, StringConstraints(strip_whitespace=False, min_length=8, max_length=128)]
GivenPassword = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=128)]


class RegisterRequest(RequestModel):
    """A new student account. Any other field (`role`, `is_admin`, ...) is refused."""

    username: Username
    password: NewPassword
    email: Email | None = None
    display_name: DisplayName | None = None


class LoginRequest(RequestModel):
    """JSON login; the OAuth2 password form is accepted too."""

    username: str = Field(min_length=1, max_length=64)
    password: GivenPassword


class RefreshRequest(RequestModel):
    """A refresh token to exchange for a new pair."""

    refresh_token: str = Field(min_length=1, max_length=4096)


class TokenPair(PublicModel):
    """A fresh access token (short-lived) and refresh token (single use)."""

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="access token lifetime in seconds")


class AccessToken(PublicModel):
    """A fresh access token for a browser session; its refresh token travels in the `oms_refresh` cookie."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="access token lifetime in seconds")

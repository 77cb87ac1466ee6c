"""/auth: register, log in (OAuth2 form or JSON), refresh, log out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from oms.deps import Codec, Hasher, Session, SettingsDep, ThrottleDep, client_address
from oms.exceptions import UnsupportedMediaType
from oms.routers import API_PREFIX
from oms.schemas.auth import LoginRequest, RefreshRequest, RegisterRequest, TokenPair
from oms.schemas.users import UserPublic
from oms.services.accounts import auth as auth_service

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["auth"])

_LOGIN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["password"]},
                        "username": {"type": "string"},
                        "password": {"type": "string", "format": "password"},
                    },
                }
            },
            "application/json": {"schema": {"$ref": "#/components/schemas/LoginRequest"}},
        },
    }
}


async def _login_body(request: Request) -> LoginRequest:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form()
            return LoginRequest(
                username=str(form.get("username", "")), password=str(form.get("password", ""))
            )
        if content_type == "application/json":
            return LoginRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from exc
    raise UnsupportedMediaType("send application/json or application/x-www-form-urlencoded")


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
async def register(
    body: RegisterRequest, request: Request, hasher: Hasher, throttle: ThrottleDep, settings: SettingsDep
) -> Any:
    """Create a student account. Usernames are case-insensitive; 409 when taken; 429 past the per-address limit."""
    return await auth_service.register(hasher, throttle, settings, body, client_address(request))


@router.post("/login", response_model=TokenPair, openapi_extra=_LOGIN_BODY)
async def login(
    request: Request,
    response: Response,
    hasher: Hasher,
    codec: Codec,
    throttle: ThrottleDep,
    settings: SettingsDep,
) -> TokenPair:
    """Exchange a username and password for tokens. Any failure is the same 401; repeated failures for one
    username or from one address get 429 with `Retry-After`."""
    body = await _login_body(request)
    user = await auth_service.authenticate(
        hasher, throttle, settings, body.username, body.password, client_address(request)
    )
    response.headers["Cache-Control"] = "no-store"
    return await auth_service.issue_pair(codec, user.id)  # type: ignore[arg-type]  # stored users have ids


@router.post("/refresh", response_model=TokenPair)
async def refresh(body: RefreshRequest, response: Response, codec: Codec) -> TokenPair:
    """Exchange a refresh token for a new pair; the one sent stops working."""
    response.headers["Cache-Control"] = "no-store"
    return await auth_service.refresh(codec, body.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(session: Session, codec: Codec) -> None:
    """End this login: its refresh tokens and every access token issued in it stop working."""
    await auth_service.logout(codec, session[1])

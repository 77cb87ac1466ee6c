"""/auth: register, log in (OAuth2 form or JSON), refresh, log out; and the same for browsers, whose refresh
token travels in an HttpOnly cookie (`/auth/session`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Depends, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from oms.deps import (
    Codec,
    Hasher,
    SameOrigin,
    Session,
    SettingsDep,
    ThrottleDep,
    client_address,
    oauth2_scheme,
)
from oms.edge import browser
from oms.exceptions import NotAuthenticated, UnsupportedMediaType
from oms.routers import API_PREFIX
from oms.schemas.auth import AccessToken, LoginRequest, RefreshRequest, RegisterRequest, TokenPair
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
    response.headers["Cache-Control"] = "no-store"
    return await auth_service.login(hasher, codec, throttle, settings, body, client_address(request))


@router.post("/refresh", response_model=TokenPair)
async def refresh(body: RefreshRequest, response: Response, codec: Codec) -> TokenPair:
    """Exchange a refresh token for a new pair; the one sent stops working."""
    response.headers["Cache-Control"] = "no-store"
    return await auth_service.refresh(codec, body.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(session: Session, codec: Codec) -> None:
    """End this login: its refresh tokens and every access token issued in it stop working."""
    await auth_service.logout(codec, session[1])


# ---------------------------------------------------------------- browser sessions (refresh token in a cookie)

RefreshCookie = Annotated[
    str | None,
    Cookie(
        alias=browser.COOKIE_NAME,
        description="the session's refresh token, set by `POST /auth/session` (HttpOnly: browsers send it)",
    ),
]
_SESSION_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "called from a page of another origin (no matching `Origin` or `Referer`)"}
}


def _start_browser_session(
    request: Request, response: Response, codec: Codec, pair: TokenPair
) -> AccessToken:
    """Hand the refresh token to the browser as the cookie, the access token in the body."""
    max_age = int(codec.refresh_ttl.total_seconds())
    response.headers.append("set-cookie", browser.session_cookie(request, pair.refresh_token, max_age))
    response.headers.append("set-cookie", browser.hint_cookie(request, max_age))
    response.headers["Cache-Control"] = "no-store"
    return AccessToken(access_token=pair.access_token, expires_in=pair.expires_in)


@router.post("/session", response_model=AccessToken, dependencies=[SameOrigin], responses=_SESSION_RESPONSES)
async def create_session(
    body: LoginRequest,
    request: Request,
    response: Response,
    hasher: Hasher,
    codec: Codec,
    throttle: ThrottleDep,
    settings: SettingsDep,
) -> AccessToken:
    """Log in from a browser. The access token comes back in the body (keep it in memory only); the
    refresh token is set as the `oms_refresh` cookie (`HttpOnly; SameSite=Strict; Path=/api/v1/auth`,
    `Secure` over https), which only the other `/auth/session` operations read.

    Failures and limits are those of `POST /auth/login` (one 401 for any failure; 429 with `Retry-After`).
    The call must come from a page of this site (`Origin`, else `Referer`), or it is refused with 403."""
    pair = await auth_service.login(hasher, codec, throttle, settings, body, client_address(request))
    return _start_browser_session(request, response, codec, pair)


@router.post(
    "/session/refresh", response_model=AccessToken, dependencies=[SameOrigin], responses=_SESSION_RESPONSES
)
async def refresh_session(
    request: Request, response: Response, codec: Codec, token: RefreshCookie = None
) -> AccessToken:
    """A new access token for the browser session, read from the `oms_refresh` cookie (no body). The cookie
    is rotated: a new one is set and the old one stops working; presenting a used one ends the whole login.
    401 (and the cookie cleared) when it is missing, expired or no longer valid; 403 from another origin."""
    try:
        if not token:
            raise NotAuthenticated("No session: log in again")
        pair = await auth_service.refresh(codec, token)
    except NotAuthenticated as exc:
        exc.headers["Set-Cookie"] = browser.cleared_cookie(request)
        raise
    return _start_browser_session(request, response, codec, pair)


@router.delete(
    "/session",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[SameOrigin],
    responses=_SESSION_RESPONSES,
)
async def delete_session(
    request: Request,
    response: Response,
    codec: Codec,
    token: RefreshCookie = None,
    access_token: Annotated[str | None, Depends(oauth2_scheme)] = None,
) -> None:
    """Log out from a browser: the cookie's login ends (its refresh tokens and every access token issued in
    it), so does the bearer token's when one is sent, and the cookie is cleared. Always 204, even when the
    tokens were already dead; 403 from another origin."""
    await auth_service.end_session(codec, token, access_token)
    response.headers.append("set-cookie", browser.cleared_cookie(request))
    response.headers.append("set-cookie", browser.cleared_hint(request))

"""Accounts and sessions: register, log in, rotate refresh tokens, log out, resolve a bearer token."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable
from contextlib import suppress
from datetime import datetime

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from oms.clock import utcnow
from oms.config import Settings
from oms.documents import RefreshToken, RevokedToken, User
from oms.documents.user import Role
from oms.exceptions import EmailTaken, InvalidCredentials, NotAuthenticated, TooManyRequests, UsernameTaken
from oms.schemas.auth import LoginRequest, RegisterRequest, TokenPair
from oms.services.accounts.passwords import PasswordHasher
from oms.services.accounts.throttle import Throttle
from oms.services.accounts.tokens import TokenClaims, TokenCodec


def duplicate_field(exc: DuplicateKeyError) -> str:
    """Which unique field a duplicate-key error is about, from its key pattern or message."""
    details = exc.details or {}
    pattern = details.get("keyPattern") or details.get("keyValue") or {}
    if pattern:
        return str(next(iter(pattern)))
    return str(exc)


async def create_user(
    hasher: PasswordHasher,
    *,
    username: str,
    password: str,
    role: Role = Role.student,
    email: str | None = None,
    display_name: str | None = None,
) -> User:
    """Insert a user; a taken username or email is a Conflict."""
    user = User(
        username=username,
        email=email,
        display_name=display_name,
        password_hash=await hasher.hash(password),
        role=role,
    )
    try:
        await user.insert()
    except DuplicateKeyError as exc:
        raise (EmailTaken() if "email" in duplicate_field(exc) else UsernameTaken()) from exc
    return user


async def register(
    hasher: PasswordHasher, throttle: Throttle, settings: Settings, body: RegisterRequest, address: str
) -> User:
    """A new student account (the role is never taken from the request); limited per client address."""
    retry = await throttle.take(
        Throttle.key("register-addr", address),
        settings.registrations_per_address,
        settings.registration_window_s,
    )
    if retry is not None:
        raise TooManyRequests("too many registrations from this address; try again later", retry_after=retry)
    return await create_user(
        hasher,
        username=body.username,
        password=body.password,
        email=body.email,
        display_name=body.display_name,
    )


async def authenticate(
    hasher: PasswordHasher, throttle: Throttle, settings: Settings, username: str, password: str, address: str
) -> User:
    """The user these credentials belong to; every failure is the same InvalidCredentials.

    Each attempt is counted per username and per client address before the password is checked; past the
    limits the answer is 429 with Retry-After, the same whether or not the user exists.
    """
    user_key, address_key = Throttle.key("login-user", username), Throttle.key("login-addr", address)
    window = settings.login_window_s
    waits = [
        await throttle.take(user_key, settings.login_failures_per_user, window),
        await throttle.take(address_key, settings.login_failures_per_address, window),
    ]
    if any(w is not None for w in waits):
        retry = max(w for w in waits if w is not None)
        raise TooManyRequests("too many failed logins; try again later", retry_after=retry)
    user = await User.find_one(User.username == username.strip().lower())
    ok = await hasher.verify(password, user.password_hash if user else None)
    if user is None or not ok or user.disabled:
        raise InvalidCredentials()
    await throttle.reset(user_key)
    await throttle.give_back(address_key)
    if hasher.needs_update(user.password_hash):
        await user.set({User.password_hash: await hasher.hash(password)})
    return user


async def login(
    hasher: PasswordHasher,
    codec: TokenCodec,
    throttle: Throttle,
    settings: Settings,
    credentials: LoginRequest,
    address: str,
) -> TokenPair:
    """A new login: the credentials checked as `authenticate` does (same throttling, same single failure),
    then a fresh token pair in a new family. JSON clients and browser sessions both start here."""
    user = await authenticate(hasher, throttle, settings, credentials.username, credentials.password, address)
    return await issue_pair(codec, user.id)  # type: ignore[arg-type]  # stored users have ids


async def issue_pair(codec: TokenCodec, user_id: PydanticObjectId, family: str | None = None) -> TokenPair:
    """A new access + refresh token; the refresh token is recorded so it can be used exactly once."""
    fam = family or secrets.token_urlsafe(12)
    access, _ = codec.issue("access", str(user_id), fam)
    refresh, claims = codec.issue("refresh", str(user_id), fam)
    await RefreshToken(jti=claims.jti, family=fam, user_id=user_id, expires_at=claims.exp).insert()
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=int(codec.access_ttl.total_seconds()),
    )


async def refresh(codec: TokenCodec, token: str) -> TokenPair:
    """Rotate: the presented refresh token dies; reusing a dead one revokes its whole family."""
    claims = codec.decode(token, "refresh")
    now = utcnow()
    current = await RefreshToken.get_pymongo_collection().find_one_and_update(
        {"jti": claims.jti, "used_at": None, "revoked": False, "expires_at": {"$gt": now}},
        {"$set": {"used_at": now}},
    )
    if current is None:  # unknown, expired, or a replay of a used token: end the whole login
        await revoke_family(claims.fam, now + codec.access_ttl)
        raise NotAuthenticated("Refresh token is no longer valid")
    user = await User.get(current["user_id"])
    if user is None or user.disabled:
        raise NotAuthenticated("Refresh token is no longer valid")
    pair = await issue_pair(codec, user.id, claims.fam)  # type: ignore[arg-type]  # a stored user has an id
    # A replay or logout that revoked the family while this ran missed the token just issued: end it too.
    if await RefreshToken.get_pymongo_collection().find_one(
        {"family": claims.fam, "revoked": True}, {"_id": 1}
    ):
        await revoke_family(claims.fam, now + codec.access_ttl)
        raise NotAuthenticated("Refresh token is no longer valid")
    return pair


async def revoke_family(fam: str, until: datetime) -> None:
    """End a login: its refresh tokens die, and so does every access token issued in it (until `until`)."""
    marker = f"fam:{fam}"
    await asyncio.gather(
        RefreshToken.find(RefreshToken.family == fam).update_many({"$set": {"revoked": True}}),
        RevokedToken.get_pymongo_collection().update_one(
            {"jti": marker}, {"$max": {"expires_at": until}, "$setOnInsert": {"jti": marker}}, upsert=True
        ),
    )


async def end_other_sessions(user_id: PydanticObjectId, keep: str | None, until: datetime) -> None:
    """Every live login of `user_id` except the family `keep` ends at once: its refresh token, and (until
    `until`) every access token issued in it. After a password change only the changer's session lives on."""
    live = {"user_id": user_id, "revoked": False, "used_at": None, "expires_at": {"$gt": utcnow()}}
    families = await RefreshToken.get_pymongo_collection().distinct("family", live)
    await asyncio.gather(*(revoke_family(fam, until) for fam in families if fam != keep))


async def logout(codec: TokenCodec, claims: TokenClaims) -> None:
    """End the session: this access token's id is revoked, and every other token of this login with it."""
    await asyncio.gather(
        revoke_family(claims.fam, utcnow() + codec.access_ttl),
        RevokedToken.get_pymongo_collection().update_one(
            {"jti": claims.jti}, {"$setOnInsert": {"jti": claims.jti, "expires_at": claims.exp}}, upsert=True
        ),
    )


async def end_session(codec: TokenCodec, refresh_token: str | None, access_token: str | None) -> None:
    """End a browser session: the login of its refresh token, and the access token's id and login when one
    is sent. Tokens that no longer decode are skipped: there is nothing left to end, and the browser must
    still be able to forget its cookie."""
    until = utcnow() + codec.access_ttl
    ended: list[Awaitable[None]] = []
    if refresh_token:
        with suppress(NotAuthenticated):
            ended.append(revoke_family(codec.decode(refresh_token, "refresh").fam, until))
    if access_token:
        with suppress(NotAuthenticated):
            ended.append(logout(codec, codec.decode(access_token, "access")))
    await asyncio.gather(*ended)


async def resolve_access_token(codec: TokenCodec, token: str) -> tuple[User, TokenClaims]:
    """The live, enabled user behind a bearer token whose id has not been revoked."""
    claims = codec.decode(token, "access")
    try:
        user_id = PydanticObjectId(claims.sub)
    except Exception as exc:
        raise NotAuthenticated("Invalid token") from exc
    revoked_ids = [claims.jti, f"fam:{claims.fam}"]
    user, revoked = await asyncio.gather(
        User.get(user_id),
        RevokedToken.get_pymongo_collection().find_one({"jti": {"$in": revoked_ids}}, {"_id": 1}),
    )
    if user is None or user.disabled or revoked is not None:
        raise NotAuthenticated("Token is no longer valid")
    return user, claims

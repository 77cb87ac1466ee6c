"""JWT access and refresh tokens (PyJWT): HS256 pinned, `sub`, `exp`, `jti`, `typ`, and `fam` (the login's family).

Tokens name their signing key in the `kid` header. New tokens are signed with OMS_JWT_SECRET; tokens signed
with a secret listed in OMS_JWT_PREVIOUS_SECRETS are still accepted, so the secret can be rotated without
logging everyone out; once a secret leaves both settings, its tokens are refused.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import jwt

from oms.clock import utcnow
from oms.config import Settings
from oms.exceptions import NotAuthenticated

ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]


@dataclass(frozen=True)
class TokenClaims:
    """The claims OMS reads back from a token it issued."""

    sub: str
    jti: str
    fam: str
    typ: TokenType
    exp: datetime


def key_id(secret: str) -> str:
    """A short public name for a signing secret (the JWT `kid`); it reveals nothing about the secret."""
    return hashlib.sha256(b"oms-kid:" + secret.encode()).hexdigest()[:12]


class TokenCodec:
    """Signs and checks tokens with the configured secret; nothing else is trusted."""

    def __init__(self, settings: Settings) -> None:
        current = settings.resolved_jwt_secret()
        self._kid = key_id(current)
        self._secret = current
        previous = [s.get_secret_value() for s in settings.jwt_previous_secrets]
        self._keys = {key_id(secret): secret for secret in [*previous, current]}
        self.access_ttl = timedelta(minutes=settings.access_token_minutes)
        self.refresh_ttl = timedelta(days=settings.refresh_token_days)

    def issue(self, typ: TokenType, sub: str, fam: str) -> tuple[str, TokenClaims]:
        """A signed token of type `typ` for user `sub` in login family `fam`."""
        now = utcnow()
        exp = now + (self.access_ttl if typ == "access" else self.refresh_ttl)
        claims = TokenClaims(sub=sub, jti=secrets.token_urlsafe(16), fam=fam, typ=typ, exp=exp)
        payload: dict[str, Any] = {
            "sub": sub,
            "jti": claims.jti,
            "fam": fam,
            "typ": typ,
            "iat": int(now.timestamp()),
            "exp": int(exp.timestamp()),
        }
        token = jwt.encode(payload, self._secret, algorithm=ALGORITHM, headers={"kid": self._kid})
        return token, claims

    def decode(self, token: str, typ: TokenType) -> TokenClaims:
        """The claims of a valid, unexpired token of type `typ`; anything else is NotAuthenticated."""
        try:
            header = jwt.get_unverified_header(token)
            secret = self._keys.get(str(header.get("kid")))
            if header.get("alg") != ALGORITHM or secret is None:  # unknown or retired key
                raise NotAuthenticated("Invalid token")
            payload = jwt.decode(
                token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "jti"]}
            )
        except jwt.PyJWTError as exc:
            raise NotAuthenticated("Invalid or expired token") from exc
        if payload.get("typ") != typ or not isinstance(payload.get("fam"), str):
            raise NotAuthenticated("Invalid token")
        return TokenClaims(
            sub=str(payload["sub"]),
            jti=str(payload["jti"]),
            fam=payload["fam"],
            typ=typ,
            exp=datetime.fromtimestamp(int(payload["exp"]), tz=utcnow().tzinfo),
        )

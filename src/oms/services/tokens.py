"""JWT access and refresh tokens: HS256 pinned, `sub`, `exp`, `jti`, `typ`, and `fam` (the login's family)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from jose import JWTError, jwt

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


class TokenCodec:
    """Signs and checks tokens with the configured secret; nothing else is trusted."""

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.resolved_jwt_secret()
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
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM), claims

    def decode(self, token: str, typ: TokenType) -> TokenClaims:
        """The claims of a valid, unexpired token of type `typ`; anything else is NotAuthenticated."""
        try:
            if jwt.get_unverified_header(token).get("alg") != ALGORITHM:
                raise NotAuthenticated("Invalid token")
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={"require_exp": True, "require_sub": True, "require_jti": True},
            )
        except JWTError as exc:
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

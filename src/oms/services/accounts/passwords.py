"""Password hashing with argon2 (libpass), off the event loop."""

from __future__ import annotations

import asyncio
import secrets
from functools import cached_property

from passlib.context import CryptContext

from oms.config import Settings


class PasswordHasher:
    """Hashes and verifies passwords; verification of an unknown user still costs one hash."""

    def __init__(self, settings: Settings) -> None:
        self._context = CryptContext(
            schemes=["argon2"],
            argon2__time_cost=settings.argon2_time_cost,
            argon2__memory_cost=settings.argon2_memory_kib,
            argon2__parallelism=2,
        )

    @cached_property
    def _dummy_hash(self) -> str:
        return str(self._context.hash(secrets.token_urlsafe(16)))

    async def hash(self, password: str) -> str:
        """An argon2id hash of `password`."""
        return str(await asyncio.to_thread(self._context.hash, password))

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Whether `password` matches; with no hash, spends the same time on a dummy one and says no."""
        target = password_hash or self._dummy_hash
        ok = await asyncio.to_thread(self._context.verify, password, target)
        return bool(ok) and password_hash is not None

    def needs_update(self, password_hash: str) -> bool:
        """Whether the hash was made with weaker parameters than the current ones."""
        return bool(self._context.needs_update(password_hash))

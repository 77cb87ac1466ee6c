"""Per-request context readable anywhere in the request: its id, the caller's user id, its database time."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass
class DbTimer:
    """Time spent in, and count of, the MongoDB commands one request ran."""

    seconds: float = 0.0
    commands: int = 0


request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
current_user_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("user_id", default=None)
db_time: contextvars.ContextVar[DbTimer | None] = contextvars.ContextVar("db_time", default=None)

"""Per-request context readable anywhere in the request: its id and the caller's user id."""

from __future__ import annotations

import contextvars

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
current_user_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("user_id", default=None)

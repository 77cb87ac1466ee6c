"""The one source of "now": timezone-aware UTC, truncated to BSON's millisecond precision."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now in UTC, at millisecond precision so what is stored equals what was returned."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)

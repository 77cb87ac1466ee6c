"""Audit trail replies."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from oms.schemas.common import ObjectIdStr, PublicModel, UtcDatetime


class AuditEntryPublic(PublicModel):
    """One admin action: who, what, on which document, when, from where, and what changed."""

    id: ObjectIdStr
    at: UtcDatetime
    actor_id: ObjectIdStr
    actor_username: str | None = Field(
        None, description="the actor's username (absent if the account is gone)"
    )
    actor_display_name: str | None = None
    actor_email: str | None = None
    action: str = Field(
        description="e.g. course.update, section.add, user.update, submission.grade, course.import"
    )
    target: str = Field(description="the collection acted on")
    target_id: str | None
    diff: dict[str, Any] = Field(description="field -> [before, after] for what changed")
    status: str = Field(description="done; pending while the action runs (or if it could not be completed)")
    request_id: str | None
    client_address: str | None

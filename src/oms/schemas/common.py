"""Shared schema pieces: strict request bases, typed ids, pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from beanie import PydanticObjectId
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

MAX_LIMIT = 100
T = TypeVar("T")


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _utc_z(value: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, milliseconds kept."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


UtcDatetime = Annotated[datetime, PlainSerializer(_utc_z, return_type=str, when_used="json")]
ObjectIdStr = Annotated[
    PydanticObjectId, Field(description="24-hex ObjectId", examples=["665f1f77bcf86cd799439011"])
]
Username = Annotated[
    str,
    BeforeValidator(_lower),
    Field(pattern=r"^[a-z0-9_.-]{3,32}$", description="3-32 of a-z 0-9 _ . - (case-insensitive)"),
]
Password = Annotated[str, Field(min_length=8, max_length=128)]
Email = Annotated[
    str,
    BeforeValidator(_lower),
    Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", examples=["ada@example.org"]),
]
DisplayName = Annotated[str, Field(min_length=1, max_length=100)]


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are refused, strings are not coerced from numbers."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PublicModel(BaseModel):
    """Base of every reply model."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list: `items` plus how to get the rest."""

    items: list[T]
    total: int
    limit: int
    offset: int


class PageParams(BaseModel):
    """`?limit=&offset=` as parsed from the query string."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)

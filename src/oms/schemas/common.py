"""Shared schema pieces: strict request bases, typed ids, pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from beanie import PydanticObjectId
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

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
# Replies only: it would read a null as a brand-new id, so what requests carry is ObjectIdIn.
ObjectIdStr = Annotated[
    PydanticObjectId, Field(description="24-hex ObjectId", examples=["665f1f77bcf86cd799439011"])
]
OBJECT_ID_PATTERN = r"^[0-9a-fA-F]{24}$"
_OBJECT_ID = re.compile(OBJECT_ID_PATTERN)
# An id as text, exactly: a JSON string of 24 hex digits, not trimmed, never coerced from another type.
ObjectIdText = Annotated[
    str,
    StringConstraints(
        strict=True, strip_whitespace=False, min_length=24, max_length=24, pattern=OBJECT_ID_PATTERN
    ),
]


def _object_id(value: Any) -> PydanticObjectId:
    """An id from its 24 hex digits and nothing else: not null, a number, an object, or 12 raw bytes
    (which PydanticObjectId would accept, null even becoming a new id)."""
    if isinstance(value, str) and _OBJECT_ID.fullmatch(value):
        return PydanticObjectId(value)
    raise PydanticCustomError("object_id", "must be an id: a string of 24 hex digits")


# Every id a request carries (body, path or query): a string of 24 hex digits; the schema says so.
ObjectIdIn = Annotated[
    PydanticObjectId,
    PlainValidator(_object_id, json_schema_input_type=ObjectIdText),
    PlainSerializer(str, return_type=str, when_used="json"),
    Field(description="24-hex ObjectId", examples=["665f1f77bcf86cd799439011"]),
]
# (a Field before the BeforeValidator keeps its constraints in the JSON schema clients see)
Username = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9_.-]{3,32}$", description="3-32 of a-z 0-9 _ . - (case-insensitive)"),
    BeforeValidator(_lower),
]
Password = Annotated[str, Field(min_length=8, max_length=128)]
Email = Annotated[
    str,
    Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", examples=["ada@example.org"]),
    BeforeValidator(_lower),
]


def _json_number(value: Any) -> Any:
    """Numbers only as JSON numbers: never `true`/`false` or text (`1.0` still counts as an integer)."""
    if isinstance(value, bool | str | bytes):
        raise ValueError("must be a JSON number")
    return value


StrictInt = Annotated[int, BeforeValidator(_json_number)]
StrictBool = Annotated[bool, Field(strict=True)]
Number = Annotated[float, Field(allow_inf_nan=False), BeforeValidator(_json_number)]


_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_only(value: Any) -> Any:
    """Datetimes only as ISO 8601 text (date, time and offset), never as numbers: pydantic alone reads a
    number, or text such as "-1", as seconds since 1970."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATETIME.match(value)):
        return value
    raise ValueError("use an ISO 8601 date-time, e.g. 2030-06-01T12:00:00Z")


IsoDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_only)]


def no_null_in_schema(*nullable: str) -> Any:
    """A `json_schema_extra` hook: in a partial-update model, a field left out means "unchanged" and null is
    refused, so the schema shows only the real type (except for the fields in `nullable`)."""

    def hook(schema: dict[str, Any]) -> None:
        for name, prop in schema.get("properties", {}).items():
            options = prop.get("anyOf")
            if name in nullable or not options:
                continue
            kept = [o for o in options if o.get("type") != "null"]
            if len(kept) == 1:
                prop.pop("anyOf")
                prop.update(kept[0])

    return hook


# C0 and C1 controls (NUL, BEL, ESC, DEL, ...), and the bidi embeddings, overrides and isolates that can
# make a name read other than it is (U+202E shows "exe.txt" as "txt.exe"); line and paragraph separators.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_SINGLE_LINE_BAD = re.compile(f"[{_CONTROLS}\t\n\r\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_MULTI_LINE_BAD = re.compile(f"[{_CONTROLS}\u202a-\u202e\u2066-\u2069]")


def _refuse(pattern: re.Pattern[str], what: str) -> Any:
    def check(value: str) -> str:
        if (found := pattern.search(value)) is not None:
            raise PydanticCustomError(
                "control_characters",
                "must not contain control characters ({what}); found U+{code} at character {position}",
                {"what": what, "code": f"{ord(found.group()):04X}", "position": found.start() + 1},
            )
        return value

    return check


# Names, titles, tags: one line of visible text. Descriptions, bodies, Markdown: newlines and tabs too.
SingleLine = AfterValidator(_refuse(_SINGLE_LINE_BAD, "no line breaks, tabs or direction overrides"))
MultiLine = AfterValidator(_refuse(_MULTI_LINE_BAD, "only newlines and tabs"))

DisplayName = Annotated[str, Field(min_length=1, max_length=100), SingleLine]


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are refused, strings are not coerced from numbers."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PartialUpdate(RequestModel):
    """A partial update: a field left out stays as it is; null is refused except for `nullable` fields
    (where it clears the value), and the JSON schema says so."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = [
                k for k, v in data.items() if v is None and k not in cls.nullable and k in cls.model_fields
            ]
            if nulls:
                raise ValueError(f"may not be null: {', '.join(sorted(nulls))}")
        return data

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema: dict[str, Any] = handler(core_schema)
        schema = handler.resolve_ref_schema(schema)
        no_null_in_schema(*cls.nullable)(schema)
        return schema


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

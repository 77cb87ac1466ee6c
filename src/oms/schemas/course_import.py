"""The course import format (one course per object, as the export writes it) and the import report.

The item models reuse the limits of `CourseCreate`, so a course that imports is a course the API accepts.
`import_schema()` is the JSON Schema served at `/api/v1/schemas/course-import.json` and committed as
`docs/course-import.schema.json`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator

from oms.documents.course import CourseStatus
from oms.schemas.common import ObjectIdText, RequestModel
from oms.schemas.courses import (
    MAX_SECTIONS,
    SLUG_PATTERN,
    Description,
    Minutes,
    Name,
    Overview,
    SectionBody,
    SectionTitle,
    Slug,
    Tags,
    _unique_tags,
)

SCHEMA_ID = "https://oms.example/api/v1/schemas/course-import.json"
SectionRef = Annotated[
    ObjectIdText, Field(description="24-hex id of a section", examples=["665f1f77bcf86cd799439011"])
]
ImportSlug = Annotated[
    Slug,
    Field(
        description="the course's key (lower-cased on import)", json_schema_extra={"pattern": SLUG_PATTERN}
    ),
]


class SectionImport(RequestModel):
    """One section, in course order. `section_id` (optional) pins it to an existing section; without it
    a section is matched to an existing one by title, so students' progress survives a re-import."""

    section_id: SectionRef | None = None
    title: SectionTitle
    body: SectionBody = ""
    duration_minutes: Minutes = 0


class CourseImport(RequestModel):
    """One course. `slug` is the key; every other field describes the whole course, absent ones take
    their defaults (an import replaces a course's content, it does not merge into it)."""

    slug: ImportSlug
    name: Name
    description: Description = ""
    content: Overview = ""
    tags: Tags = []
    status: CourseStatus = CourseStatus.draft
    sections: Annotated[list[SectionImport], Field(max_length=MAX_SECTIONS)] = []

    _tags = field_validator("tags")(_unique_tags)


class ImportMode(StrEnum):
    upsert = "upsert"
    create = "create"


class ItemStatus(StrEnum):
    created = "created"
    updated = "updated"
    unchanged = "unchanged"
    failed = "failed"
    skipped = "skipped"


class ItemError(BaseModel):
    """One problem with an item; `loc` is a path inside the item, e.g. `["sections", 2, "title"]`.
    `type` names the problem (pydantic's error types such as `missing` or `string_too_long`, or the
    import's own such as `invalid_json` and `duplicate_slug`) and `ctx` holds its limits, so a client
    can word it in its own language; `msg` is the server's English wording."""

    loc: list[str | int]
    msg: str
    type: str = "invalid"
    ctx: dict[str, str | int | float] | None = None


class ItemResult(BaseModel):
    """What happened to one item (0-based `index` in the file; `line` is where it starts, from 1)."""

    index: int
    line: int | None = None
    slug: str | None = None
    status: ItemStatus
    errors: list[ItemError] = []


class ImportReport(BaseModel):
    """The outcome of an import. With `dry_run` nothing was written and each status says what would
    happen. An atomic import with failures is `refused`: nothing is written, the valid items are
    `skipped`."""

    dry_run: bool
    mode: ImportMode
    atomic: bool
    refused: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0
    items: list[ItemResult] = []


def import_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one import item, generated from `CourseImport`."""
    schema = CourseImport.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "OMS course import item",
        "description": (
            "One course of an OMS import file, which is a JSON array of these objects or NDJSON (one per "
            "line). `slug` is the key; the other fields describe the whole course and absent ones take "
            "their defaults. Keys may not start with '$' or contain '.'."
        ),
    }

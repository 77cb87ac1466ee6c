"""Course and section request and reply bodies, with the size limits every client sees in OpenAPI."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator

from oms.documents.course import CourseStatus
from oms.schemas.common import (
    MultiLine,
    ObjectIdIn,
    ObjectIdStr,
    Page,
    PartialUpdate,
    PublicModel,
    RequestModel,
    SingleLine,
    StrictInt,
    UtcDatetime,
    _lower,
)

MAX_SECTIONS = 200
MAX_TAGS = 20
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Name = Annotated[str, Field(min_length=1, max_length=200), SingleLine]
Slug = Annotated[
    str,
    Field(min_length=1, max_length=120, pattern=SLUG_PATTERN.replace("a-z", "a-zA-Z")),
    BeforeValidator(_lower),
]
Description = Annotated[str, Field(max_length=5000), MultiLine]
Overview = Annotated[str, Field(max_length=100_000, description="the course overview (Markdown)"), MultiLine]
Tag = Annotated[str, Field(min_length=1, max_length=40), BeforeValidator(_lower), SingleLine]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS)]
SectionTitle = Annotated[str, Field(min_length=1, max_length=200), SingleLine]
SectionBody = Annotated[
    str, Field(max_length=100_000, description="section text (Markdown), at most 100,000 chars"), MultiLine
]
Minutes = Annotated[int, Field(ge=0, le=10_000, strict=True)]


def _unique_tags(tags: list[str] | None) -> list[str] | None:
    return list(dict.fromkeys(tags)) if tags is not None else None


class SectionCreate(RequestModel):
    """A new section; `position` (0-based) inserts it there instead of at the end."""

    title: SectionTitle
    body: SectionBody = ""
    duration_minutes: Minutes = 0
    position: Annotated[StrictInt | None, Field(ge=0, le=MAX_SECTIONS)] = None


class SectionUpdate(PartialUpdate):
    """Changes to one section; its id and place stay."""

    title: SectionTitle | None = None
    body: SectionBody | None = None
    duration_minutes: Minutes | None = None


class SectionOrder(RequestModel):
    """Every section id of the course, in the new order."""

    section_ids: Annotated[list[ObjectIdIn], Field(max_length=MAX_SECTIONS)]


class SectionPublic(PublicModel):
    section_id: ObjectIdStr
    title: str
    body: str
    order: int
    duration_minutes: int


class CourseCreate(RequestModel):
    """A new course; `slug` is derived from the name when absent."""

    name: Name
    slug: Slug | None = None
    description: Description = ""
    content: Overview = ""
    tags: Tags = []
    status: CourseStatus = CourseStatus.draft
    sections: Annotated[list[SectionCreate], Field(max_length=MAX_SECTIONS)] = []

    _tags = field_validator("tags")(_unique_tags)


class CourseUpdate(PartialUpdate):
    """A partial update; only the fields sent change."""

    name: Name | None = None
    slug: Slug | None = None
    description: Description | None = None
    content: Overview | None = None
    tags: Tags | None = None
    status: CourseStatus | None = None

    _tags = field_validator("tags")(_unique_tags)


class CourseSummary(PublicModel):
    """A course without its section bodies, as lists show it."""

    id: ObjectIdStr
    slug: str
    name: str
    description: str
    tags: list[str]
    status: CourseStatus
    section_count: int
    total_minutes: int
    created_at: UtcDatetime
    updated_at: UtcDatetime


class CoursePublic(CourseSummary):
    """A course with its overview and ordered sections."""

    content: str
    sections: list[SectionPublic]
    created_by: ObjectIdStr | None
    version: int


class CatalogueSort(StrEnum):
    relevance = "relevance"
    newest = "newest"
    name = "name"
    popular = "popular"


class Highlights(PublicModel):
    """Matched words marked with `<mark>`: HTML-escaped course text plus `<mark>` tags, nothing else, so
    it is safe to insert as HTML. A field is absent when nothing in it matched."""

    name: str | None = None
    description: str | None = Field(None, description="an excerpt of about 180 characters around the match")


class CatalogueItem(CourseSummary):
    """A catalogue entry; with `q`, how well it matched and what matched."""

    score: float | None = Field(None, description="relevance (only when ordered by relevance)")
    highlights: Highlights | None = None


class TagFacet(PublicModel):
    """How many of the matching courses carry a tag."""

    tag: str
    count: int


class CataloguePage(Page[CatalogueItem]):
    """A catalogue page. `facets` (tag counts over all matches) comes with searches (`q`) and tag
    browsing; `next_after` is the cursor for the next page (pass it as `after`), null on the last page."""

    facets: list[TagFacet] | None = None
    next_after: str | None = None


class Suggestions(PublicModel):
    """Course names for type-ahead, best first (at most 8)."""

    items: list[str]


class PopularItem(PublicModel):
    """A course in the popularity ranking: score = enrollments + 0.1 × views in the window."""

    course: CourseSummary
    score: float
    enrollments: int = Field(description="enrollments in the window")


class PopularPage(PublicModel):
    """The most popular published courses of a window."""

    items: list[PopularItem]
    window: str = Field(description="7d | 30d | all")

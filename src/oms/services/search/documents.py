"""Courses as index documents: the searchable text of a course and the summary stored beside it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tantivy import Document, Order, SchemaBuilder

from oms.schemas.courses import CourseSummary
from oms.services.search.text import ANALYZER_NAME, SURFACE_ANALYZER_NAME

LITERAL_ANALYZER = "oms_literal"
CONTENT_CHARS = 4000  # of the overview, enough to find a course by it without indexing whole books
SCHEMA_VERSION = 2
SURFACE = "_surface"  # suffix of the unstemmed twin of a text field (typos and prefixes match there)
SURFACE_FIELDS = ("name", "tags", "sections", "description")
PROJECTION = {"sections.body": 0, "import_fingerprint": 0}
__all__ = ["PROJECTION", "SCHEMA_VERSION", "Order", "schema", "to_document"]


def schema() -> Any:
    """Text fields use the shared analyzer; `tag`, `status`, `created`, `name_key` and `pop` filter,
    facet and sort; the summary the catalogue sends is stored so pages never touch MongoDB."""
    builder = SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("status", tokenizer_name="raw")
    builder.add_text_field("tag", tokenizer_name="raw", fast=True)
    builder.add_text_field("name", stored=True, tokenizer_name=ANALYZER_NAME)
    builder.add_text_field("name_key", tokenizer_name="raw", fast=True)
    builder.add_text_field("tags", tokenizer_name=ANALYZER_NAME)
    builder.add_text_field("sections", tokenizer_name=ANALYZER_NAME)
    builder.add_text_field("description", stored=True, tokenizer_name=ANALYZER_NAME)
    builder.add_text_field("content", tokenizer_name=ANALYZER_NAME)
    for field in SURFACE_FIELDS:
        builder.add_text_field(field + SURFACE, tokenizer_name=SURFACE_ANALYZER_NAME, index_option="basic")
    builder.add_text_field("literal", tokenizer_name=LITERAL_ANALYZER, index_option="basic")
    builder.add_integer_field("created", fast=True, indexed=True)
    builder.add_integer_field("version", stored=True)
    builder.add_float_field("pop", fast=True)
    builder.add_bytes_field("summary", stored=True, indexed=False)
    return builder.build()


def _millis(value: Any) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp() * 1000)
    return 0


def summary_json(raw: dict[str, Any]) -> bytes:
    """The catalogue item of a raw course, as the API sends it."""
    sections = raw.get("sections") or []
    data = {
        "description": "",
        "tags": [],
        **raw,
        "id": raw["_id"],
        "section_count": len(sections),
        "total_minutes": sum(int(s.get("duration_minutes") or 0) for s in sections),
    }
    return CourseSummary.model_validate(data).model_dump_json().encode()


def to_document(raw: dict[str, Any], popularity: float = 0.0) -> Document:
    """One course (a raw MongoDB document without section bodies) as an index document."""
    name = str(raw.get("name") or "")
    description = str(raw.get("description") or "")
    tags = [str(t) for t in raw.get("tags") or []]
    doc = Document()
    doc.add_text("id", str(raw["_id"]))
    doc.add_text("status", str(raw.get("status") or "draft"))
    for tag in tags:
        doc.add_text("tag", tag)
    texts = {
        "name": name,
        "tags": " ".join(tags),
        "sections": " \n".join(str(s.get("title") or "") for s in raw.get("sections") or []),
        "description": description,
    }
    for field, text in texts.items():
        doc.add_text(field, text)
        doc.add_text(field + SURFACE, text)
    doc.add_text("name_key", name[:120])  # byte order, as MongoDB sorts names
    doc.add_text("content", str(raw.get("content") or "")[:CONTENT_CHARS])
    doc.add_text("literal", f"{name} {description[:500]}")
    doc.add_integer("created", _millis(raw.get("created_at")))
    doc.add_integer("version", int(raw.get("version") or 1))
    doc.add_float("pop", float(popularity))
    doc.add_bytes("summary", summary_json(raw))
    return doc

"""One import item: the checks on a parsed JSON value, with errors whose `loc` points inside the item."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from oms.schemas.course_import import CourseImport
from oms.schemas.courses import SLUG_PATTERN
from oms.services.courses import MAX_COURSE_TEXT_BYTES

_KINDS = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}


@dataclass(slots=True)
class ParsedItem:
    """One item of the file: its place, its slug when it has one, and the course or what is wrong."""

    index: int
    line: int
    slug: str | None = None
    course: CourseImport | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    digest: str = ""  # sha256 of the validated course, normalised: equal items have equal digests


def kind(value: Any) -> str:
    """How JSON would name the type of `value`."""
    return _KINDS.get(type(value), "a number")


def check_keys(value: Any) -> list[dict[str, Any]]:
    """Errors for keys MongoDB could misread (`$`-prefixed, dotted, NUL) and for strings that are not
    valid Unicode, anywhere in `value`; iterative, so any nesting depth is safe."""
    errors: list[dict[str, Any]] = []
    stack: list[tuple[list[str | int], Any]] = [([], value)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                if key.startswith("$") or "." in key or "\x00" in key:
                    errors.append(
                        {
                            "loc": [*loc, key],
                            "msg": "keys may not start with '$' or contain '.'",
                            "type": "bad_key",
                        }
                    )
                stack.append(([*loc, key], child))
        elif isinstance(node, list):
            stack.extend(([*loc, i], child) for i, child in enumerate(node))
        elif isinstance(node, str):
            try:
                node.encode()
            except UnicodeEncodeError:
                errors.append(
                    {"loc": loc, "msg": "not valid Unicode (a lone surrogate)", "type": "invalid_unicode"}
                )
    return sorted(errors, key=lambda e: [str(p) for p in e["loc"]])


def _message(error: Any) -> str:
    given = error.get("input")
    if error["type"] in {"model_type", "dict_type", "model_attributes_type"}:
        return f"should be an object, not {kind(given)}"
    if error["type"] == "list_type":
        return f"should be an array, not {kind(given)}"
    if error["type"] == "extra_forbidden":
        return "unknown field; the import format has no such key"
    if error["type"] == "string_pattern_mismatch" and tuple(error["loc"]) == ("slug",):
        # pydantic would quote the pattern, which also admits A-Z (the slug is lower-cased first)
        return "should be lower-case letters a-z and digits, words joined by single hyphens (intro-to-java)"
    return str(error["msg"])


def _context(error: Any) -> dict[str, str | int | float] | None:
    """The error's limits (`min_length`, `max_length`, `expected`, ...): plain values only, so the report
    stays JSON and never carries the exception behind a `value_error`."""
    ctx = error.get("ctx") or {}
    if error["type"] == "string_pattern_mismatch" and tuple(error["loc"]) == ("slug",):
        ctx = {**ctx, "pattern": SLUG_PATTERN}
    plain = {k: v for k, v in ctx.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
    return plain or None


def _error(error: Any) -> dict[str, Any]:
    """One pydantic error as an item error: its `type` and `ctx` kept, the message worded for people."""
    out: dict[str, Any] = {"loc": list(error["loc"]), "msg": _message(error), "type": error["type"]}
    if error["type"] in {"model_type", "dict_type", "model_attributes_type", "list_type"}:
        out["ctx"] = {"given": kind(error.get("input"))}
    elif (ctx := _context(error)) is not None:
        out["ctx"] = ctx
    return out


def validate_item(index: int, line: int, value: Any) -> ParsedItem:
    """One parsed JSON value as an import item: the course, or every problem with `loc` inside it."""
    item = ParsedItem(index, line)
    if not isinstance(value, dict):
        item.errors.append(
            {
                "loc": [],
                "msg": f"an item must be an object (one course), not {kind(value)}",
                "type": "not_an_object",
                "ctx": {"given": kind(value)},
            }
        )
        return item
    if isinstance(value.get("slug"), str):
        item.slug = value["slug"].strip().lower()[:200]
    try:
        course = CourseImport.model_validate(value)
    except ValidationError as exc:
        item.errors = _problems(value, exc)
        return item
    item.slug = course.slug
    item.errors = _course_problems(course)
    if not item.errors:
        item.course = course
        item.digest = hashlib.sha256(course.model_dump_json().encode()).hexdigest()
    return item


def _problems(value: dict[str, Any], exc: ValidationError) -> list[dict[str, Any]]:
    """Why an item failed: bad keys and text anywhere in it (looked for only now: an item that validates
    has neither, as every model forbids unknown keys and refuses invalid text), then the other errors."""
    errors = check_keys(value)
    bad = {tuple(e["loc"]) for e in errors}
    errors += [_error(e) for e in exc.errors() if tuple(e["loc"]) not in bad]
    return errors


def _course_problems(course: CourseImport) -> list[dict[str, Any]]:
    """What the models cannot see: a section id given twice, a course too large for one document."""
    errors: list[dict[str, Any]] = []
    ids = [s.section_id.lower() for s in course.sections if s.section_id]
    for i, section in enumerate(course.sections):
        if section.section_id and ids.count(section.section_id.lower()) > 1:
            errors.append(
                {
                    "loc": ["sections", i, "section_id"],
                    "msg": "section_id appears twice",
                    "type": "duplicate_section_id",
                }
            )
    size = len(course.content.encode()) + sum(
        len(s.body.encode()) + len(s.title.encode()) for s in course.sections
    )
    if size > MAX_COURSE_TEXT_BYTES:
        message = f"the course's text is {size} bytes; at most {MAX_COURSE_TEXT_BYTES}"
        errors.append(
            {
                "loc": ["sections"],
                "msg": message,
                "type": "course_too_large",
                "ctx": {"size": size, "max_size": MAX_COURSE_TEXT_BYTES},
            }
        )
    return errors

"""Control characters in text fields: refused in one-line text (names, titles, tags, display names), and
only newlines and tabs allowed in multi-line text (descriptions, section bodies, Markdown)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from oms.documents import Course
from oms.schemas.auth import RegisterRequest
from oms.schemas.courses import CourseCreate, SectionCreate
from tests.support.api import Actor, problem
from tests.support.course_files import course_item, post_import

BAD = [
    "a\x00b",
    "bell\x07",
    "esc\x1b[31m",
    "del\x7f",
    "c1\x85c",
    "exe\u202etxt.exe",
    "iso\u2066x",
    "line\u2028x",
]


def _types(model: type[BaseModel], body: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    try:
        model.model_validate(body)
    except ValidationError as exc:
        return [(e["loc"], e["type"]) for e in exc.errors()]
    return []


@pytest.mark.parametrize("text", [*BAD, "tab\there", "new\nline"], ids=repr)
def test_one_line_fields_refuse_controls(text: str) -> None:
    assert _types(CourseCreate, {"name": text}) == [(("name",), "control_characters")]
    assert _types(CourseCreate, {"name": "ok", "tags": [text]}) == [(("tags", 0), "control_characters")]
    assert _types(SectionCreate, {"title": text}) == [(("title",), "control_characters")]
    body = {"username": "someone", "email": "a@example.org", "password": "long enough", "display_name": text}
    assert _types(RegisterRequest, body) == [(("display_name",), "control_characters")]


@pytest.mark.parametrize("text", BAD[:-1], ids=repr)
def test_multi_line_fields_refuse_controls_but_newlines_and_tabs(text: str) -> None:
    assert _types(CourseCreate, {"name": "ok", "description": text}) == [
        (("description",), "control_characters")
    ]
    assert _types(SectionCreate, {"title": "ok", "body": text}) == [(("body",), "control_characters")]


def test_newlines_tabs_and_right_to_left_text_are_kept() -> None:
    course = CourseCreate.model_validate(
        {"name": "مرحبا Café 高等数学", "description": "one\n\ttwo\r\nthree"}
    )
    assert course.description == "one\n\ttwo\r\nthree"
    assert SectionCreate.model_validate({"title": "ok", "body": "# T\n\n```\n\tcode\n```"}).body.endswith(
        "```"
    )


async def test_api_and_import_refuse_them_and_store_nothing(client: httpx.AsyncClient, admin: Actor) -> None:
    reply = await client.post("/courses", json={"name": "evil\u202etxt.exe"}, headers=admin.headers)
    [error] = problem(reply, 422)["errors"]
    assert (error["loc"], error["type"], error["ctx"]["code"]) == (
        ["body", "name"],
        "control_characters",
        "202E",
    )
    item = course_item("ctl") | {"name": "bell\x07", "sections": [{"title": "a\x00b", "body": "x\ny"}]}
    imported = await post_import(client, admin, json.dumps(item).encode())
    errors = [(e["loc"], e["type"]) for e in imported.json()["items"][0]["errors"]]
    assert errors == [(["name"], "control_characters"), (["sections", 0, "title"], "control_characters")]
    assert await Course.get_pymongo_collection().count_documents({}) == 0

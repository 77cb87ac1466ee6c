"""Values a request may not smuggle in under another type: numbers as text or booleans, timestamps as numbers.

Pydantic's lax mode reads "2" and true as the integer 2 and 1, and any number, or text such as "-1", as
seconds since 1970; the request types refuse them with a 422 naming the field, and nothing is stored.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI

from oms.documents import Assignment
from tests.support.api import Actor, problem
from tests.support.factories import MakeCourse


def _validation_locs(reply: httpx.Response) -> list[list[str | int]]:
    """The places a 422 reply's request validation errors name."""
    body = problem(reply, 422)
    return [e["loc"] for e in body["errors"] if "type" in e]


@pytest.mark.parametrize("position", ["2", True, 2.5, "two", None, [2]], ids=repr)
async def test_click_positions_are_json_integers(
    app: FastAPI, client: httpx.AsyncClient, student: Actor, position: Any
) -> None:
    body = {"impression_id": str(ObjectId()), "course_id": str(ObjectId()), "position": position}
    reply = await client.post("/me/recommendations/clicks", json=body, headers=student.headers)
    assert ["body", "position"] in _validation_locs(reply)
    assert await app.state.db["recommendation_clicks"].count_documents({}) == 0


NOT_DATETIMES: list[Any] = [
    "-1",  # read as 1969-12-31T23:59:59Z
    "-1700000000",
    "1700000000",
    1700000000,
    1.5,
    "2030-06-01",  # a date is not a moment
    "12:00:00Z",
    "yesterday",
    "",
]


@pytest.mark.parametrize("due_at", NOT_DATETIMES, ids=repr)
async def test_deadlines_are_iso_date_times_only(
    client: httpx.AsyncClient, admin: Actor, make_course: MakeCourse, due_at: Any
) -> None:
    course = await make_course()
    body = {"title": "Essay", "due_at": due_at}
    reply = await client.post(f"/courses/{course['id']}/assignments", json=body, headers=admin.headers)
    assert ["body", "due_at"] in _validation_locs(reply)
    assert await Assignment.get_pymongo_collection().count_documents({}) == 0


@pytest.mark.parametrize("due_at", ["2030-06-01T12:00:00Z", "2030-06-01T14:00:00+02:00", "2030-06-01 12:00Z"])
async def test_iso_date_times_with_an_offset_are_taken(
    client: httpx.AsyncClient, admin: Actor, make_course: MakeCourse, due_at: str
) -> None:
    course = await make_course()
    body = {"title": "Essay", "due_at": due_at}
    reply = await client.post(f"/courses/{course['id']}/assignments", json=body, headers=admin.headers)
    assert reply.status_code == 201, reply.text
    assert reply.json()["due_at"] == "2030-06-01T12:00:00.000Z"


@pytest.mark.parametrize("bound", ["since", "until"])
@pytest.mark.parametrize("value", ["-1", "1700000000", "-1700000000"])
async def test_audit_time_filters_are_iso_date_times_only(
    client: httpx.AsyncClient, admin: Actor, bound: str, value: str
) -> None:
    reply = await client.get("/admin/audit", params={bound: value}, headers=admin.headers)
    assert ["query", bound] in _validation_locs(reply)

"""Every id a request carries is exactly a string of 24 hex digits: nothing else is taken for one.

The published OpenAPI document is walked for id fields (named `id`, `*_id`, `*_ids`, or described as an
ObjectId) in path and query parameters and JSON bodies. Each must be documented as a string with the id
pattern, and each is sent null, numbers, booleans, objects, arrays, empty text, non-hex text, 12 characters
(12 raw bytes make an ObjectId in PyMongo) and near misses: every one is a 422 problem naming that field (a
path left empty matches no route: 404 or 405), and nothing in MongoDB changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI

from oms.main import create_app
from oms.schemas.common import OBJECT_ID_PATTERN
from tests.support.scene import Scene

PREFIX = "/api/v1"
METHODS = {"get", "put", "post", "delete", "patch"}
ID_NAME = re.compile(r"(^|_)ids?$")
# Named like ids but not ids: the audit trail's target_id is free text (what an action was done to); the
# export's section_ids says whether to include them.
NOT_IDS = {
    ("GET /api/v1/admin/audit", "query", "target_id"),
    ("GET /api/v1/admin/courses/export", "query", "section_ids"),
}
VALID = "665f1f77bcf86cd799439011"
BAD: list[Any] = [
    None,
    0,
    123,
    1.5,
    True,
    {},
    {"$oid": VALID},
    [],
    [VALID],
    "",
    "z" * 24,
    "abcdefghijkl",  # 12 characters: as bytes, PyMongo would take them for an id
    VALID[:12],
    VALID[:-1],
    VALID + "0",
    f" {VALID}",
    f"{VALID}\n",
    "null",
]


@dataclass(frozen=True)
class IdField:
    """One id in one operation: `where` is path, query or body; `loc` its place in a 422's `errors`."""

    operation: str
    method: str
    path: str
    where: str
    loc: tuple[str | int, ...]
    schema: dict[str, Any]
    in_list: bool = False
    nullable: bool = False

    @property
    def key(self) -> str:
        return f"{self.operation} {self.where} {'.'.join(map(str, self.loc[1:]))}"


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"][2:].split("/"):
            node = node[part]
        schema = node
    return schema


def _options(document: dict[str, Any], schema: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The non-null alternatives of a schema (resolved), and whether null is one of them."""
    schema = _resolve(document, schema)
    options = [_resolve(document, o) for o in schema.get("anyOf", schema.get("oneOf", [schema]))]
    kept = [o for o in options if o.get("type") != "null"]
    return kept, len(kept) < len(options)


def _looks_like_id(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Described as an ObjectId, whichever way (the strict type's pattern, or PydanticObjectId's)."""
    if "PydanticObjectId" in json.dumps(schema):
        return True
    options, _ = _options(document, schema)
    return any(o.get("pattern") in (OBJECT_ID_PATTERN, "^[0-9a-f]{24}$") for o in options)


def _body_ids(
    document: dict[str, Any], schema: dict[str, Any], base: dict[str, Any], loc: tuple[str | int, ...]
) -> Iterator[dict[str, Any]]:
    """Id properties of a body schema, as keyword arguments of IdField (nested objects walked too)."""
    for name, prop in _resolve(document, schema).get("properties", {}).items():
        options, nullable = _options(document, prop)
        items = [_resolve(document, o["items"]) for o in options if o.get("type") == "array" and "items" in o]
        if items and (ID_NAME.search(name) or any(_looks_like_id(document, i) for i in items)):
            yield {**base, "loc": (*loc, name), "schema": items[0], "in_list": True, "nullable": nullable}
        elif ID_NAME.search(name) or _looks_like_id(document, prop):
            yield {**base, "loc": (*loc, name), "schema": prop, "nullable": nullable}
        for option in options:
            if option.get("type") == "object" and "properties" in option:
                yield from _body_ids(document, option, base, (*loc, name))
        for item in items:
            if item.get("type") == "object" and "properties" in item:
                yield from _body_ids(document, item, base, (*loc, name, 0))


def id_fields(document: dict[str, Any]) -> list[IdField]:
    """Every id field of every operation in the document."""
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            name = f"{method.upper()} {path}"
            base = {"operation": name, "method": method.upper(), "path": path}
            for param in operation.get("parameters", []):
                where, schema = param["in"], param.get("schema", {})
                if (name, where, param["name"]) in NOT_IDS:
                    continue
                if ID_NAME.search(param["name"]) or _looks_like_id(document, schema):
                    _, nullable = _options(document, schema)
                    loc = (where, param["name"])
                    found.append(IdField(**base, where=where, loc=loc, schema=schema, nullable=nullable))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            if "schema" in body:
                found += [
                    IdField(**f, where="body") for f in _body_ids(document, body["schema"], base, ("body",))
                ]
    return found


DOCUMENT = create_app().openapi()
FIELDS = id_fields(DOCUMENT)


def test_the_walk_finds_the_ids_it_should() -> None:
    """The walk is not vacuous: ids of every kind (path, query, body, a list of ids) are among those found."""
    keys = {f.key for f in FIELDS}
    expected = {
        "PATCH /api/v1/users/{user_id} path user_id",
        "GET /api/v1/admin/audit query actor",
        "GET /api/v1/admin/submissions query course_id",
        "POST /api/v1/enrollments/{enrollment_id}/progress path enrollment_id",
        "POST /api/v1/enrollments/{enrollment_id}/progress body section_id",
        "PUT /api/v1/courses/{course_ref}/sections/order body section_ids",
        "DELETE /api/v1/courses/{course_ref}/sections/{section_id} path section_id",
        "POST /api/v1/me/recommendations/clicks body impression_id",
        "POST /api/v1/me/recommendations/clicks body course_id",
        "POST /api/v1/submissions/{submission_id}/grade path submission_id",
        "PATCH /api/v1/assignments/{assignment_id} path assignment_id",
        "GET /api/v1/enrollments/{enrollment_id}/advice path enrollment_id",
    }
    assert expected <= keys, sorted(expected - keys)


def documented_strictly(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Whether a schema says: a string of exactly 24 hex digits (or null, where null is allowed)."""
    options, _ = _options(document, schema)
    return len(options) == 1 and {
        k: options[0].get(k) for k in ("type", "pattern", "minLength", "maxLength")
    } == {
        "type": "string",
        "pattern": OBJECT_ID_PATTERN,
        "minLength": 24,
        "maxLength": 24,
    }


def test_the_walk_sees_ids_however_they_are_declared() -> None:
    """Ids by name or by schema, in a path, a query, a list, a list of objects; lax ones are told apart."""
    strict = {"type": "string", "pattern": OBJECT_ID_PATTERN, "minLength": 24, "maxLength": 24}
    body = {
        "type": "object",
        "properties": {
            "ids": {"type": "array", "items": {"type": "integer"}},
            "rows": {"type": "array", "items": {"type": "object", "properties": {"row_id": strict}}},
            "name": {"type": "string"},
        },
    }
    owner = {"anyOf": [{"$ref": "#/components/schemas/PydanticObjectId"}, {"type": "null"}]}
    operation = {
        "parameters": [
            {"name": "thing_id", "in": "path", "schema": {"type": "string"}},
            {"name": "owner", "in": "query", "schema": owner},
            {"name": "q", "in": "query", "schema": {"type": "string"}},
        ],
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/B"}}}},
    }
    document = {
        "paths": {"/x/{thing_id}": {"post": operation}},
        "components": {
            "schemas": {"PydanticObjectId": {"type": "string", "pattern": "^[0-9a-f]{24}$"}, "B": body}
        },
    }
    found = {f.key: (f, documented_strictly(document, f.schema)) for f in id_fields(document)}
    assert {k: v[1] for k, v in found.items()} == {
        "POST /x/{thing_id} path thing_id": False,
        "POST /x/{thing_id} query owner": False,
        "POST /x/{thing_id} body ids": False,
        "POST /x/{thing_id} body rows.0.row_id": True,
    }
    rows = found["POST /x/{thing_id} body rows.0.row_id"][0]
    assert _nest(rows.loc[1:], "v") == {"rows": [{"row_id": "v"}]}


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.key)
def test_every_id_is_documented_as_24_hex_digits(field: IdField) -> None:
    assert documented_strictly(DOCUMENT, field.schema), field.schema


def _as_text(value: Any) -> str:
    """How a value reaches a path or a query string: as text (null as `null`, an object as JSON)."""
    return value if isinstance(value, str) else json.dumps(value)


def _path_values(scene: Scene) -> dict[str, str]:
    alice = scene.alice.username
    return {
        "course_ref": scene.course["id"],
        "section_id": scene.course["sections"][0]["section_id"],
        "user_id": scene.alice.id,
        "enrollment_id": scene.enrollments[alice],
        "assignment_id": scene.assignment["id"],
        "submission_id": scene.submissions[alice],
    }


def _nest(loc: tuple[str | int, ...], value: Any) -> Any:
    """`value` at `loc` in an otherwise empty body: `("a", 0, "b")` gives `{"a": [{"b": value}]}`."""
    if not loc:
        return value
    inner = _nest(loc[1:], value)
    return [inner] if isinstance(loc[0], int) else {loc[0]: inner}


def _request(field: IdField, value: Any, scene: Scene) -> tuple[str, dict[str, Any]]:
    """The URL and httpx arguments that put `value` in the field; everything else as valid as it comes."""
    params = _path_values(scene)
    missing = set(re.findall(r"{(\w+)}", field.path)) - set(params)
    assert not missing, f"add a valid value for {missing} to _path_values"
    if field.where == "path":
        params = {**params, str(field.loc[1]): quote(_as_text(value), safe="")}
    url = field.path.removeprefix(PREFIX).format(**params)
    kwargs: dict[str, Any] = {}
    if field.where == "query":
        kwargs["params"] = {str(field.loc[1]): _as_text(value)}
    operation = DOCUMENT["paths"][field.path][field.method.lower()]
    if "application/json" in operation.get("requestBody", {}).get("content", {}):
        kwargs["json"] = (
            _nest(field.loc[1:], [value] if field.in_list else value) if field.where == "body" else {}
        )
    return url, kwargs


async def _snapshot(app: FastAPI) -> dict[str, list[dict[str, Any]]]:
    """Every document of every collection."""
    db = app.state.db
    return {
        name: await db[name].find().sort("_id", 1).to_list(None)
        for name in sorted(await db.list_collection_names())
    }


def _expected_loc(field: IdField) -> list[str | int]:
    return [*field.loc, 0] if field.in_list else list(field.loc)


async def _send(client: httpx.AsyncClient, field: IdField, value: Any, scene: Scene) -> httpx.Response:
    """As the admin, or as the student who owns the scene's objects where admins may not (403)."""
    url, kwargs = _request(field, value, scene)
    reply: httpx.Response | None = None
    for actor in (scene.admin, scene.alice):
        reply = await client.request(field.method, url, headers=actor.headers, **kwargs)
        if reply.status_code != 403:
            break
    assert reply is not None
    return reply


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.key)
async def test_anything_but_24_hex_digits_is_refused(
    app: FastAPI, client: httpx.AsyncClient, scene: Scene, field: IdField
) -> None:
    for value in BAD:
        if value is None and field.nullable and field.where == "body":
            continue  # a JSON null is documented here (in a path or query, "null" is just text)
        before = await _snapshot(app)
        reply = await _send(client, field, value, scene)
        case = f"{field.key} = {value!r}: {reply.status_code} {reply.text[:300]}"
        if field.where == "path" and value == "":
            assert reply.status_code in (307, 404, 405), case  # no route (307: to the one without the slash)
        else:
            assert reply.status_code == 422, case
            assert reply.headers["content-type"].startswith("application/problem+json"), case
            locs = [e["loc"] for e in reply.json()["errors"] if "type" in e]  # refused by validation
            assert _expected_loc(field) in locs, case
        assert await _snapshot(app) == before, f"{case}: the database changed"


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.key)
async def test_24_hex_digits_pass_as_an_id(client: httpx.AsyncClient, scene: Scene, field: IdField) -> None:
    """The control: a well-formed id, in either case, passes validation (the request may still fail for
    another reason: a missing field, or an id that names nothing, which is not a validation error)."""
    for value in (str(ObjectId()), str(ObjectId()).upper()):
        reply = await _send(client, field, value, scene)
        assert reply.status_code < 500, reply.text
        if reply.status_code == 422:  # request validation errors carry a `type`; the service's do not
            locs = [e.get("loc") for e in reply.json().get("errors") or [] if "type" in e]
            assert _expected_loc(field) not in locs, (field.key, value, reply.text)

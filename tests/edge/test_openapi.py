"""The published OpenAPI document is fit for client generators: every `$ref` resolves inside the document,
and every operation has a readable, unique `<tag>-<function>` operationId (never FastAPI's default)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

OPERATION_ID = re.compile(r"^[a-z_]+-[a-z_]+$")
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def refs(node: Any, where: str = "#") -> Iterator[tuple[str, str]]:
    """Every `$ref` in the document, anywhere, with the JSON pointer of the object holding it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield where, value
            else:
                yield from refs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from refs(value, f"{where}/{i}")


def resolves(document: dict[str, Any], ref: str) -> bool:
    """Whether `ref` is a local JSON pointer (RFC 6901) to something in `document`."""
    if not ref.startswith("#/"):
        return False  # a generated client must not need another file
    node: Any = document
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def dangling(document: dict[str, Any]) -> list[str]:
    """`where -> ref` for each reference the document does not resolve."""
    return [f"{where} -> {ref}" for where, ref in refs(document) if not resolves(document, ref)]


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(`METHOD path`, operation) for every operation in `paths`."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def bad_operation_ids(document: dict[str, Any]) -> list[str]:
    """Operations whose id is missing, FastAPI-default style, repeated, or not prefixed by their tag."""
    problems, seen = [], set()
    for name, operation in operations(document):
        op_id = operation.get("operationId")
        tags = [str(t).replace(" ", "_") for t in operation.get("tags", [])]
        if not isinstance(op_id, str) or "_api_v1_" in op_id or not OPERATION_ID.match(op_id):
            problems.append(f"{name}: {op_id!r} is not <tag>-<function>")
        elif op_id in seen:
            problems.append(f"{name}: {op_id!r} is used twice")
        elif op_id.split("-", 1)[0] not in tags:
            problems.append(f"{name}: {op_id!r} does not start with its tag {tags}")
        seen.add(op_id)
    return problems


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    """The document as clients download it."""
    reply = await client.get("/openapi.json")
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def test_every_reference_resolves(document: dict[str, Any]) -> None:
    found = list(refs(document))
    assert len(found) > 100  # the walk reached the operations and the schemas
    assert any(ref == "#/components/schemas/LoginRequest" for _, ref in found)
    assert dangling(document) == []


async def test_every_operation_id_is_tag_dash_function(document: dict[str, Any]) -> None:
    ids = [operation.get("operationId") for _, operation in operations(document)]
    assert len(ids) >= 40
    assert bad_operation_ids(document) == []
    assert {"auth-login", "courses-read_course", "enrollments-mark_progress"} <= set(ids)


def test_the_checks_catch_what_they_look_for() -> None:
    """The walker is not vacuous: a dangling, an external and an escaped reference; default-style ids."""
    document: dict[str, Any] = {
        "paths": {
            "/api/v1/courses/{ref}": {
                "parameters": [],
                "get": {
                    "operationId": "read_course_api_v1_courses__ref__get",
                    "tags": ["courses"],
                    "responses": {
                        "200": {"content": {"a/b": {"schema": {"$ref": "#/components/schemas/Gone"}}}}
                    },
                },
                "post": {"operationId": "courses-create", "tags": ["courses"]},
                "put": {"operationId": "courses-create", "tags": ["courses"]},
                "patch": {"operationId": "users-update", "tags": ["courses"]},
                "delete": {"tags": ["courses"]},
            }
        },
        "components": {
            "schemas": {
                "A/B": {"type": "object"},
                "Page": {"items": [{"$ref": "#/components/schemas/A~1B"}, {"$ref": "other.json#/X"}]},
            }
        },
    }
    assert dangling(document) == [
        "#/paths//api/v1/courses/{ref}/get/responses/200/content/a/b/schema -> #/components/schemas/Gone",
        "#/components/schemas/Page/items/1 -> other.json#/X",
    ]
    assert [p.split(":")[0] for p in bad_operation_ids(document)] == [
        "GET /api/v1/courses/{ref}",
        "PUT /api/v1/courses/{ref}",
        "PATCH /api/v1/courses/{ref}",
        "DELETE /api/v1/courses/{ref}",
    ]

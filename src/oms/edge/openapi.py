"""The OpenAPI document clients generate code from: every error reply is described as problem+json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel

PROBLEM: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "An RFC 9457 problem document; `errors` lists field problems on validation failures.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {
            "type": "string",
            "description": "a stable machine-readable name of the problem, when it has one (see docs/api.md)",
        },
        "request_id": {"type": ["string", "null"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": ["string", "null"]},
                    "ctx": {
                        "type": "object",
                        "description": "the rule's limits, e.g. `min_length`, `max_length`, `ge`, `le`",
                        "additionalProperties": {"type": ["string", "integer", "number"]},
                    },
                },
            },
        },
    },
}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def operation_id(route: APIRoute) -> str:
    """`<tag>-<function>` (e.g. `courses-read_course`), so a generated client reads `coursesReadCourse`."""
    tag = str(route.tags[0]).replace(" ", "_") if route.tags else "default"
    return f"{tag}-{route.name}"


def install_openapi(app: FastAPI, extra_models: tuple[type[BaseModel], ...] = ()) -> None:
    """Describe 422 and every other error status of every operation as problem+json, and add the
    `extra_models` that operations reference by hand (bodies parsed outside FastAPI's own validation)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = PROBLEM
        for model in extra_models:
            components.setdefault(
                model.__name__, model.model_json_schema(ref_template="#/components/schemas/{model}")
            )
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = _problem_response("Validation failed (`errors` says where)")
                responses["default"] = _problem_response("Any other error, as problem+json")
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise it

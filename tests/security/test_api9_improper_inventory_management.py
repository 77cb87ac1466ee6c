"""OWASP API9:2023 Improper Inventory Management: the routes served are exactly the routes documented."""

from __future__ import annotations

import re
from collections.abc import Sequence

import httpx
from fastapi import FastAPI

UNDOCUMENTED_ON_PURPOSE = {"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc"}


def served_paths(app: FastAPI) -> set[str]:
    """Every (method, path) the app answers, from its routes (included routers flattened)."""
    return {p for p, _ in _walk(app.router.routes)}


def _walk(routes: Sequence[object]) -> list[tuple[str, set[str]]]:
    found: list[tuple[str, set[str]]] = []
    for route in routes:
        nested = getattr(route, "router", None) or getattr(route, "routes", None)
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if path is not None and methods:
            found.append((path, set(methods)))
        elif nested is not None and not isinstance(nested, list):
            found += _walk(getattr(nested, "routes", []))
    return found


async def test_every_documented_operation_is_served(app: FastAPI) -> None:
    document = app.openapi()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        for path, operations in document["paths"].items():
            concrete = re.sub(r"\{[^}]+\}", "665f1f77bcf86cd799439011", path)
            for method in operations:
                reply = await c.request(method.upper(), concrete)
                assert (
                    reply.status_code not in (404, 405)
                    or reply.headers["content-type"] == "application/problem+json"
                )
                if reply.status_code == 404:  # the object is missing, not the route
                    assert reply.json()["title"] != "Not Found" or "{" in path, (method, path)


async def test_only_documented_or_operational_paths_exist(app: FastAPI) -> None:
    documented = set(app.openapi()["paths"])
    extra = served_paths(app) - documented - UNDOCUMENTED_ON_PURPOSE - {"/api/v1/openapi.json"}
    extra = {
        p for p in extra if not p.startswith("/static/") and p not in ("/api/v1/healthz", "/api/v1/readyz")
    }
    assert extra <= {"/api/v1/courses/{course_ref}/sections/order"}, extra  # its 405 catch-all


async def test_one_api_version_and_no_debug_routes(client: httpx.AsyncClient, app: FastAPI) -> None:
    paths = set(app.openapi()["paths"])
    assert all(p.startswith("/api/v1/") for p in paths)
    for probe in ("/api/v0/courses", "/api/v2/courses", "/debug", "/admin", "/.env", "/api/v1/internal"):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            assert (await c.get(probe)).status_code == 404, probe

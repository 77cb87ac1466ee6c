"""Course files for the import and export tests: items in the import format, NDJSON bodies, the upload."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support.api import Actor

IMPORT = "/admin/courses/import"
NDJSON = {"Content-Type": "application/x-ndjson"}


def course_item(slug: str, sections: int = 3, **fields: Any) -> dict[str, Any]:
    """One course in the import format, published, with `sections` sections."""
    return {
        "slug": slug,
        "name": f"Course {slug}",
        "description": f"About {slug}",
        "content": "Overview",
        "tags": ["python", "data"],
        "status": "published",
        "sections": [
            {"title": f"Part {i + 1}", "body": f"Text {i + 1}", "duration_minutes": 10 + i}
            for i in range(sections)
        ],
        **fields,
    }


def ndjson(*items: Any) -> bytes:
    """The items as NDJSON bytes."""
    return b"".join(json.dumps(i).encode() + b"\n" for i in items)


async def post_import(
    client: httpx.AsyncClient, admin: Actor, body: bytes, headers: dict[str, str] | None = None, **params: Any
) -> httpx.Response:
    """POST an import file as `admin` (NDJSON unless `headers` say otherwise)."""
    return await client.post(
        IMPORT, content=body, params=params, headers={**admin.headers, **(headers or NDJSON)}
    )

"""Bulk course import and export (admin), and the JSON Schema of the import format."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import IO, Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile

from oms.deps import AdminUser, Auditor, CacheDep, SettingsDep
from oms.documents.course import CourseStatus
from oms.edge.problems import problem_body
from oms.exceptions import Unprocessable
from oms.routers import API_PREFIX
from oms.schemas.course_import import ImportMode, ImportReport, import_schema
from oms.services.audit import audited
from oms.services.imports import export as course_export
from oms.services.imports import importer as course_import
from oms.services.imports.reader import NDJSON_MEDIA_TYPES, Format, UnsupportedImportType, detect_format

router = APIRouter(prefix=API_PREFIX, tags=["import and export"])

IMPORT_PATH = f"{API_PREFIX}/admin/courses/import"
EXPORT_PATH = f"{API_PREFIX}/admin/courses/export"
SPOOL_IN_MEMORY = 1024 * 1024
_PLAIN_TYPES = {"", "application/json", "text/plain", "application/octet-stream", *NDJSON_MEDIA_TYPES}
_IMPORT_BODY = {
    "required": True,
    "description": "Courses in the import format (see /api/v1/schemas/course-import.json): a JSON array, "
    "NDJSON (one course per line), or either as a multipart file upload.",
    "content": {
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        "application/x-ndjson": {"schema": {"type": "string"}},
        "multipart/form-data": {
            "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        },
    },
}


@asynccontextmanager
async def received_file(request: Request) -> AsyncIterator[tuple[IO[bytes], Format]]:
    """The request's body (or uploaded file) as a seekable file, read in chunks, and its format."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=10) as form:
            upload = next((v for v in form.values() if isinstance(v, UploadFile)), None)
            if upload is None:
                raise Unprocessable(
                    "send the courses as a file part of the multipart body",
                    errors=[{"loc": ["body", "file"], "msg": "no file in the multipart body"}],
                )
            yield upload.file, detect_format(upload.file, upload.content_type, upload.filename)
        return
    if media_type not in _PLAIN_TYPES and not media_type.endswith("+json"):
        raise UnsupportedImportType("send application/json, application/x-ndjson or multipart/form-data")
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        yield spool, detect_format(spool, media_type)


def refused_reply(report: ImportReport) -> Response:
    """422 problem+json carrying the whole report: nothing was imported (an atomic import with failures,
    or one where every item failed)."""
    errors = [
        {"loc": ["body", item.index, *e.loc], "msg": e.msg, "type": e.type}
        | ({"ctx": e.ctx} if e.ctx is not None else {})
        for item in report.items
        for e in item.errors
    ]
    why = "atomic import" if report.refused else "no item could be imported"
    detail = f"{report.failed} item(s) failed; {why}: nothing was written"
    problem = orjson.loads(problem_body(422, detail, errors, "Import refused"))
    body = orjson.dumps({**problem, **report.model_dump(mode="json")})
    return Response(body, status_code=422, media_type="application/problem+json")


@router.post(
    "/admin/courses/import",
    response_model=ImportReport,
    openapi_extra={"requestBody": _IMPORT_BODY},
    responses={
        413: {"description": "body larger than OMS_IMPORT_MAX_BYTES"},
        415: {"description": "unsupported media type"},
        422: {"description": "empty or malformed body, or an atomic import with failures (with the report)"},
    },
)
async def import_courses(
    request: Request,
    admin: AdminUser,
    actor: Auditor,
    cache: CacheDep,
    settings: SettingsDep,
    mode: Annotated[ImportMode, Query(description="upsert: slug is the key; create: a taken slug fails")] = (
        ImportMode.upsert
    ),
    dry_run: Annotated[bool, Query(description="validate and report, write nothing")] = False,
    atomic: Annotated[bool, Query(description="if any item fails, write nothing (422)")] = False,
) -> Any:
    """Import courses (admin) from a JSON array, NDJSON, or a multipart upload of either.

    The reply reports each item: `created`, `updated`, `unchanged` or `failed` with `errors[].loc` inside
    the item. Importing the same file twice changes nothing the second time. Sections are matched to
    existing ones by `section_id` or title, so students' progress survives edits.
    """
    options = course_import.ImportOptions(
        mode=mode,
        dry_run=dry_run,
        atomic=atomic,
        author_id=admin.id,
        batch_deadline_s=settings.import_batch_deadline_s,
    )
    async with audited(actor, "course.import", "courses", None) as outcome:
        async with received_file(request) as (source, fmt):
            report = await course_import.import_courses(source, fmt, options, cache)
        outcome.changed = not dry_run and bool(report.created or report.updated)
        outcome.note = {
            "mode": mode.value,
            **{k: getattr(report, k) for k in ("created", "updated", "unchanged", "failed")},
            "slugs": [i.slug for i in report.items if i.status in ("created", "updated")][:100],
        }
    if report.refused or (report.failed and not (report.created or report.updated or report.unchanged)):
        return refused_reply(report)
    return Response(report.model_dump_json(), media_type="application/json")


@router.get(
    "/admin/courses/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "one course per line"}},
)
async def export_courses(
    _: AdminUser,
    settings: SettingsDep,
    status: Annotated[list[CourseStatus] | None, Query(description="any of these statuses")] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    section_ids: Annotated[bool, Query(description="include each section's id")] = False,
) -> StreamingResponse:
    """Every course (admin) as NDJSON in the import format, ordered by slug; importable as it is."""
    return StreamingResponse(
        course_export.export_lines(status, tag, section_ids, settings.export_batch_deadline_s),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="courses.ndjson"'},
    )


@lru_cache
def _schema_bytes() -> bytes:
    return orjson.dumps(import_schema(), option=orjson.OPT_INDENT_2)


@router.get("/schemas/course-import.json", responses={200: {"content": {"application/schema+json": {}}}})
async def course_import_schema() -> Response:
    """The JSON Schema of one course in an import file (the same as docs/course-import.schema.json)."""
    return Response(_schema_bytes(), media_type="application/schema+json")

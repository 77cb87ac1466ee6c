"""`oms import-courses` and `oms export-courses`: once as a separate process, as an admin runs them on the
server, and otherwise in-process (typer's runner), which is ten times faster."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from beanie import init_beanie
from fastapi import FastAPI
from pymongo.database import Database
from typer.testing import CliRunner, Result

from oms.cli.main import app as cli
from oms.config import get_settings
from oms.documents import DOCUMENT_MODELS
from tests.support.course_files import course_item, ndjson
from tests.support.settings import scratch_database

DB = "oms_import_cli_test"
RunOms = Callable[..., Result]  # the `run` fixture: `run("import-courses", path)` in this process


@pytest.fixture
def env(stack: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {
        "OMS_MONGODB_URL": f"{stack['mongo']}/{DB}",
        "OMS_REDIS_URL": stack["redis"],
        "OMS_DATA_DIR": str(tmp_path),
        "OMS_LOG_LEVEL": "WARNING",
        "COLUMNS": "200",
    }


@pytest.fixture
def db(stack: dict[str, str]) -> Iterator[Database[dict[str, Any]]]:
    yield from scratch_database(stack, DB)


@pytest.fixture
async def run(app: FastAPI, env: dict[str, str]) -> AsyncIterator[RunOms]:
    """`run("import-courses", path)` in this process; Beanie is bound back to the test app afterwards."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        get_settings.cache_clear()
        return runner.invoke(cli, list(args), env=env, catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()
    await init_beanie(database=app.state.db, document_models=DOCUMENT_MODELS)


def test_import_and_export_as_separate_processes(
    env: dict[str, str], db: Database[dict[str, Any]], tmp_path: Path
) -> None:
    items = [course_item("p-2", status="draft"), course_item("p-1", content="中文 ✓\nline")]
    source = tmp_path / "in.ndjson"
    source.write_bytes(ndjson(*items))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")} | env

    def oms(*args: str) -> subprocess.CompletedProcess[bytes]:
        command = [sys.executable, "-m", "oms.cli.main", *args]
        return subprocess.run(command, env=environment, capture_output=True, timeout=60)  # noqa: S603

    imported = oms("import-courses", str(source))
    assert imported.returncode == 0, imported.stderr
    assert b"created" in imported.stdout and b"items/s" in imported.stderr
    exported = oms("export-courses")
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == b"".join(
        orjson.dumps(i) + b"\n" for i in sorted(items, key=lambda i: i["slug"])
    )
    assert b"exported 2 courses" in exported.stderr


def test_reimport_reports_unchanged_into_the_report_file(
    run: RunOms, db: Database[dict[str, Any]], tmp_path: Path
) -> None:
    source = tmp_path / "catalogue.ndjson"
    source.write_bytes(ndjson(course_item("cli-a"), course_item("cli-b"), course_item("cli-c")))
    assert run("import-courses", str(source)).exit_code == 0
    assert db.courses.count_documents({}) == 3
    report_file = tmp_path / "report.json"
    again = run("import-courses", str(source), "--report", str(report_file))
    assert again.exit_code == 0, again.output
    report = json.loads(report_file.read_text())
    assert (report["created"], report["unchanged"]) == (0, 3)
    assert [i["status"] for i in report["items"]] == ["unchanged"] * 3
    assert {c["version"] for c in db.courses.find()} == {1}


def test_failures_exit_1_and_atomic_or_dry_runs_write_nothing(
    run: RunOms, db: Database[dict[str, Any]], tmp_path: Path
) -> None:
    source = tmp_path / "mixed.json"
    items = [course_item("fine"), course_item("bad") | {"sections": [{"title": "x" * 300}]}]
    source.write_text(json.dumps(items, indent=2))
    for flag in ("--atomic", "--dry-run"):
        refused = run("import-courses", str(source), flag)
        assert refused.exit_code == 1, refused.output
        assert "nothing written" in refused.stdout
        assert "sections.0.title" in refused.stdout
        assert db.courses.count_documents({}) == 0
    partial = run("import-courses", str(source), "--mode", "create")
    assert partial.exit_code == 1
    assert [c["slug"] for c in db.courses.find()] == ["fine"]


def test_unreadable_files_exit_2(run: RunOms, db: Database[dict[str, Any]], tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('[{"slug": "a", "name": "A"},\n oops]')
    unreadable = run("import-courses", str(broken))
    assert unreadable.exit_code == 2
    assert "line 2 column 2" in unreadable.stderr
    assert run("import-courses", str(tmp_path / "missing.ndjson")).exit_code == 2
    assert db.courses.count_documents({}) == 0


def test_export_to_a_file_with_filters_round_trips(
    run: RunOms, db: Database[dict[str, Any]], tmp_path: Path
) -> None:
    source = tmp_path / "in.ndjson"
    source.write_bytes(ndjson(course_item("r-1", tags=["ml"]), course_item("r-2", status="archived")))
    assert run("import-courses", str(source)).exit_code == 0
    exported = tmp_path / "out.ndjson"
    result = run("export-courses", str(exported), "--section-ids")
    assert result.exit_code == 0 and "exported 2 courses" in result.stderr
    ids = {str(s["section_id"]) for c in db.courses.find() for s in c["sections"]}
    db.courses.delete_many({})
    assert run("import-courses", str(exported)).exit_code == 0
    assert {str(s["section_id"]) for c in db.courses.find() for s in c["sections"]} == ids
    again = tmp_path / "again.ndjson"
    assert run("export-courses", str(again), "--section-ids").exit_code == 0
    assert again.read_bytes() == exported.read_bytes()
    only = tmp_path / "only.ndjson"
    assert run("export-courses", str(only), "--status", "archived", "--tag", "python").exit_code == 0
    assert [json.loads(line)["slug"] for line in only.read_text().splitlines()] == ["r-2"]

"""The `oms` command, run as a user would: a separate process against the test database."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo.database import Database

from tests.support.settings import process_env, scratch_database

DB = "oms_cli_test"


@pytest.fixture
def cli_env(stack: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return process_env(stack, DB, tmp_path, OMS_ARGON2_TIME_COST="1", OMS_ARGON2_MEMORY_KIB="1024")


@pytest.fixture
def cli_db(stack: dict[str, str]) -> Iterator[Database[dict[str, Any]]]:
    yield from scratch_database(stack, DB)


def oms(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "oms.cli.main", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_migrate_installs_validators_and_indexes(
    cli_env: dict[str, str], cli_db: Database[dict[str, Any]]
) -> None:
    result = oms(cli_env, "migrate")
    assert result.returncode == 0, result.stderr
    assert oms(cli_env, "migrate").returncode == 0  # idempotent
    collections = {c["name"]: c for c in cli_db.list_collections()}
    for name in ("users", "courses", "enrollments", "refresh_tokens", "revoked_tokens"):
        assert "$jsonSchema" in collections[name]["options"]["validator"], name
    assert "user_course_unique" in cli_db.enrollments.index_information()
    assert cli_db.courses.index_information()["slug_unique"]["unique"]


def test_create_admin_from_stdin_then_login_shape(
    cli_env: dict[str, str], cli_db: Database[dict[str, Any]]
) -> None:
    result = oms(cli_env, "create-admin", "--username", "Root", "--password-stdin", stdin="a-long-password\n")
    assert result.returncode == 0, result.stderr
    stored = cli_db.users.find_one({"username": "root"})
    assert stored is not None
    assert stored["role"] == "admin"
    assert stored["password_hash"].startswith("$argon2")
    again = oms(cli_env, "create-admin", "--username", "root", "--password-stdin", stdin="a-long-password\n")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    weak = oms(cli_env, "create-admin", "--username", "other", "--password-stdin", stdin="short\n")
    assert weak.returncode == 2
    assert cli_db.users.count_documents({}) == 1


def test_seed_demo_is_repeatable(cli_env: dict[str, str], cli_db: Database[dict[str, Any]]) -> None:
    first = oms(cli_env, "seed-demo", "--students", "5")
    assert first.returncode == 0, first.stderr
    counts = {name: cli_db[name].count_documents({}) for name in ("courses", "users", "enrollments")}
    assert counts["courses"] >= 10 and counts["users"] == 5 and counts["enrollments"] >= 5
    assert oms(cli_env, "seed-demo", "--students", "5").returncode == 0
    assert {name: cli_db[name].count_documents({}) for name in counts} == counts
    enrollment = cli_db.enrollments.find_one({"history.1": {"$exists": True}})
    assert enrollment is not None
    assert enrollment["history"][0]["event"] == "enrolled"


def test_production_without_secret_stops_with_a_clear_message(cli_env: dict[str, str]) -> None:
    cli_env.update(OMS_ENV="production")
    result = oms(cli_env, "migrate")
    assert result.returncode == 2
    assert "OMS_JWT_SECRET" in result.stderr

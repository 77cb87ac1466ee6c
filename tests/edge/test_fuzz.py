"""Schemathesis over the whole OpenAPI document, as an admin and as a student, against a real server.

Every operation must answer without server errors, with a status its documentation lists, the documented
content type, and a body matching the documented schema; data the schema forbids must be refused, and
undocumented methods must get 405. (Not checked: that every schema-valid body is accepted — OMS refuses some
for reasons a schema cannot say: a wrong current password, a link to a private address, a section order
that is not a permutation of the course's sections.) FUZZ_EXAMPLES sets the budget per operation
(CI: the default below; `make fuzz` raises it).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from oms.cli.devstack import free_port
from tests.support.settings import process_env

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
ADMIN, STUDENT, PASSWORD = "fuzzadmin", "fuzzstudent", "fuzz-password-1"
STARTUP_S = 60.0


@pytest.fixture(scope="module")
def server(stack: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A real uvicorn server on its own database, with an admin, a student, a course and an enrollment."""
    port, data = free_port(), tmp_path_factory.mktemp("fuzz")
    env = process_env(
        stack,
        "oms_fuzz",
        data,
        stack["redis"].rsplit("/", 1)[0] + "/3",
        OMS_JWT_SECRET="f" * 48,
        OMS_ADMIN_USERNAME=ADMIN,
        OMS_ADMIN_PASSWORD=PASSWORD,
        OMS_ARGON2_TIME_COST="1",
        OMS_ARGON2_MEMORY_KIB="1024",
        OMS_LOGIN_FAILURES_PER_USER="1000000",
        OMS_LOGIN_FAILURES_PER_ADDRESS="1000000",
        OMS_REGISTRATIONS_PER_ADDRESS="1000000",
        OMS_LOG_LEVEL="ERROR",
        OMS_RECOMMENDER_REFRESH_S="0",
    )
    log = (data / "server.log").open("wb")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "uvicorn", "--factory", "oms.main:create_app", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as c:
            started = time.monotonic()  # importing and building the app takes over 15 s on a loaded machine
            while time.monotonic() - started < STARTUP_S:
                try:
                    if c.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    assert process.poll() is None, (data / "server.log").read_text()[-2000:]
                    time.sleep(0.05)
            yield {"base": base, **_populate(c)}
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def _token(c: httpx.Client, username: str) -> dict[str, str]:
    reply = c.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def _populate(c: httpx.Client) -> dict[str, Any]:
    c.post("/api/v1/auth/register", json={"username": STUDENT, "password": PASSWORD})
    admin, student = _token(c, ADMIN), _token(c, STUDENT)
    course = {"name": "Fuzzed", "status": "published", "sections": [{"title": "One"}, {"title": "Two"}]}
    created = c.post("/api/v1/courses", json=course, headers=admin).json()
    c.post(f"/api/v1/courses/{created['id']}/enrollments", headers=student)
    c.post(f"/api/v1/courses/{created['id']}/assignments", json={"title": "A", "max_score": 5}, headers=admin)
    return {"admin": admin, "student": student}


async def fuzz(server: dict[str, Any], role: str, reports: Path) -> tuple[int, str]:
    """schemathesis run over every operation (but logout, which would end its own session) as `role`.

    Run as a child process while this test's event loop keeps running (the suite's app stays healthy).
    """
    header = f"Authorization:{server[role]['Authorization']}"
    args = [
        "run", f"{server['base']}/api/v1/openapi.json",
        "--checks", "all", "--exclude-checks", "positive_data_acceptance",
        "--max-examples", str(EXAMPLES), "--seed", "7", "--workers", "1",
        "--exclude-path-regex", "/auth/logout$", "-H", header, "--no-color",
        "--report", "junit", "--report-dir", str(reports),
    ]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "schemathesis"),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 900)
    return process.returncode or 0, stdout.decode(errors="replace")


@pytest.mark.parametrize("role", ["admin", "student"])
async def test_fuzz_every_operation(server: dict[str, Any], role: str, tmp_path: Path) -> None:
    code, output = await fuzz(server, role, tmp_path)
    (tmp_path / "schemathesis.txt").write_text(output)
    assert code == 0, "\n".join(output.splitlines()[-80:])


def test_openapi_describes_errors_as_problems(server: dict[str, Any]) -> None:
    document = httpx.get(f"{server['base']}/api/v1/openapi.json").json()
    assert "Problem" in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            default = operation["responses"]["default"]
            assert "application/problem+json" in default["content"], (method, path)


def test_server_log_has_no_tracebacks(server: dict[str, Any], tmp_path: Path) -> None:
    """Run last in this module: nothing the fuzzers sent made the server log an unhandled error."""
    del tmp_path
    with httpx.Client(base_url=server["base"]) as c:
        metrics = c.get("/metrics").text
    errors = [
        line
        for line in metrics.splitlines()
        if line.startswith("oms_http_requests_total") and 'status="500"' in line
    ]
    assert errors == []

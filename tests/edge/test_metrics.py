"""Metrics at /metrics, database time in the request log, slow-request warnings."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from oms.cli.devstack import free_port
from tests.support.factories import MakeApp, MakeCourse
from tests.support.settings import process_env


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.rsplit("} ", 1)[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def scrape(app: FastAPI) -> str:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        reply = await c.get("/metrics")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/plain")
    return reply.text


@pytest.mark.redis
async def test_requests_database_and_cache_are_counted(
    app: FastAPI, client: httpx.AsyncClient, make_course: MakeCourse
) -> None:
    course = await make_course()
    route = "/api/v1/courses/{course_ref}"
    before = await scrape(app)
    for _ in range(3):
        assert (await client.get(f"/courses/{course['id']}")).status_code == 200
    assert (await client.get("/courses/no-such-course")).status_code == 404
    after = await scrape(app)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("oms_http_requests_total", method="GET", route=route, status="200") == 3
    assert delta("oms_http_requests_total", method="GET", route=route, status="404") == 1
    assert delta("oms_http_request_duration_seconds_count", method="GET", route=route) == 4
    assert delta("oms_mongodb_command_duration_seconds_count", command="find") >= 2
    assert delta("oms_cache_events_total", event="hits") == 2
    assert delta("oms_cache_events_total", event="misses") >= 1
    assert "oms_http_requests_in_flight" in after
    assert "oms_ai_fallbacks_total" in after


async def test_unknown_paths_share_one_label(app: FastAPI, client: httpx.AsyncClient) -> None:
    for i in range(3):
        await client.get(f"/no/such/path/{i}")
    text = await scrape(app)
    assert "/no/such/path" not in text
    assert sample(text, "oms_http_requests_total", route="unmatched", status="404") >= 3


async def test_request_log_carries_database_time(
    client: httpx.AsyncClient, make_course: MakeCourse, caplog: pytest.LogCaptureFixture
) -> None:
    course = await make_course()
    with caplog.at_level(logging.INFO, logger="oms.access"):
        await client.get(f"/courses/{course['id']}")
    (record,) = [r for r in caplog.records if r.name == "oms.access" and r.__dict__["method"] == "GET"]
    assert record.__dict__["db_commands"] >= 1
    assert record.__dict__["db_ms"] > 0


async def test_slow_requests_are_warnings_with_route_and_db_time(
    make_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    slow_app = await make_app(slow_request_ms=0.001)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=slow_app), base_url="http://t") as c:
        with caplog.at_level(logging.WARNING, logger="oms.slow"):
            await c.get("/api/v1/courses")
    (record,) = [r for r in caplog.records if r.name == "oms.slow"]
    assert record.getMessage() == "slow request"
    assert record.__dict__["route"] == "/api/v1/courses"
    assert record.__dict__["db_commands"] >= 1
    assert "db_ms" in record.__dict__


async def test_metrics_sum_over_several_workers(stack: dict[str, str], tmp_path: Path) -> None:
    """Two uvicorn worker processes with PROMETHEUS_MULTIPROC_DIR: /metrics counts every worker's requests."""
    port = free_port()
    multiproc = tmp_path / "prom"
    multiproc.mkdir()
    env = process_env(
        stack, "oms_metrics_test", tmp_path, PROMETHEUS_MULTIPROC_DIR=str(multiproc), OMS_JWT_SECRET="m" * 40
    )
    args = ["-m", "uvicorn", "--factory", "oms.main:create_app", "--port", str(port), "--workers", "2"]
    server = await asyncio.create_subprocess_exec(
        sys.executable, *args, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as c:
            deadline = time.monotonic() + 60  # two interpreters importing the app: slow on a busy machine
            while time.monotonic() < deadline:
                try:
                    if (await c.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            requests = 40
            for _ in range(requests):  # new connections, so both workers take some
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as one:
                    assert (await one.get("/api/v1/healthz")).status_code == 200
            text = (await c.get("/metrics")).text
        served = sample(text, "oms_http_requests_total", route="/api/v1/healthz", status="200")
        assert served == requests
        workers = {p.name.split("_")[-1] for p in multiproc.glob("counter_*.db")}
        assert len(workers) == 2
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), 15)


def test_a_dead_workers_requests_in_flight_are_retired(tmp_path: Path) -> None:
    """A worker killed mid-request leaves its in-flight gauge behind; the next worker to start drops it."""
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    from oms.edge.metrics import retire_dead_workers

    dying = "from oms.edge.metrics import HTTP_IN_FLIGHT; HTTP_IN_FLIGHT.inc(); HTTP_IN_FLIGHT.inc()"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    command = [sys.executable, "-c", dying]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)  # noqa: S603  # our own
    assert done.returncode == 0, done.stderr

    def in_flight() -> float:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(tmp_path))  # type: ignore[no-untyped-call]  # untyped in the library
        lines = generate_latest(registry).decode().splitlines()
        return sum(
            float(line.split()[-1]) for line in lines if line.startswith("oms_http_requests_in_flight ")
        )

    assert in_flight() == 2.0
    assert retire_dead_workers(str(tmp_path)) != []
    assert in_flight() == 0.0
    assert retire_dead_workers(str(tmp_path)) == []

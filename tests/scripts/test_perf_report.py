"""scripts/perf-report: a known Nginx + app log in, known per-route figures out."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import perf_report  # scripts/ is on pytest's pythonpath
import pytest

from tests.support.paths import SCRIPTS

OID = "5f1d7c6e9b1e8a3d4c2b1a0f"


def nginx(uri: str, status: int, total_s: float, upstream: str, rid: str, method: str = "GET") -> str:
    return json.dumps(
        {
            "time": "2026-01-01T00:00:00+00:00",
            "method": method,
            "uri": uri,
            "status": status,
            "request_time": total_s,
            "upstream_response_time": upstream,
            "upstream_connect_time": "0.000",
            "request_id": rid,
            "bytes": 10,
        }
    )


def app(route: str, status: int, ms: float, rid: str, method: str = "GET") -> str:
    return json.dumps(
        {
            "time": "2026-01-01T00:00:00.000Z",
            "level": "INFO",
            "logger": "oms.access",
            "message": "request",
            "method": method,
            "path": route,
            "route": route,
            "status": status,
            "duration_ms": ms,
            "request_id": rid,
        }
    )


@pytest.fixture
def logs(tmp_path: Path) -> list[Path]:
    """100 catalogue reads of 1..100 ms (2 with 502, 3 with 404), 10 course reads, a retried one, app lines."""
    edge, service = [], []
    for i in range(1, 101):
        status = 502 if i in (10, 20) else 404 if i in (30, 40, 50) else 200
        edge.append(
            nginx(
                f"/api/v1/courses?limit=20&offset={i}", status, i / 1000, f"{i / 1000 - 0.0005:.4f}", f"c{i}"
            )
        )
        service.append(app("/api/v1/courses", status, i - 1, f"c{i}"))
    for i in range(10):
        ref = OID if i % 2 else f"intro-to-python-{i}"
        edge.append(nginx(f"/api/v1/courses/{ref}", 200, 0.004, "0.003", f"d{i}"))
    edge.append(nginx("/api/v1/courses/popular", 200, 0.040, "0.010, 0.020", "p1"))  # retried: 30 ms upstream
    edge.append(nginx("/static/docs/swagger-ui.css", 200, 0.0, "-", "s1"))
    edge.append("not json at all")
    service.append(json.dumps({"logger": "oms.slow", "message": "slow request", "duration_ms": 900}))
    service.append(app("/api/v1/enrollments/{enrollment_id}/progress", 200, 12.5, "direct-1", "POST"))
    (tmp_path / "access.json.log").write_text("\n".join(edge) + "\n")
    (tmp_path / "app.log").write_text("\n".join(service) + "\n")
    return [tmp_path / "access.json.log", tmp_path / "app.log"]


@pytest.mark.parametrize(
    ("uri", "route"),
    [
        (f"/api/v1/courses/{OID}?x=1", "/api/v1/courses/{id}"),
        ("/api/v1/courses/intro-to-python", "/api/v1/courses/{id}"),
        ("/api/v1/courses/popular?window=7d", "/api/v1/courses/popular"),
        ("/api/v1/courses/py-101/sections/order", "/api/v1/courses/{id}/sections/order"),
        (f"/api/v1/courses/py-101/sections/{OID}", "/api/v1/courses/{id}/sections/{id}"),
        (f"/api/v1/enrollments/{OID}/progress", "/api/v1/enrollments/{id}/progress"),
        ("/api/v1/users/me", "/api/v1/users/me"),
        ("/api/v1/me/enrollments", "/api/v1/me/enrollments"),
        ("/api/v1/admin/courses/import?dry_run=true", "/api/v1/admin/courses/import"),
        ("/static/docs/swagger-ui.css", "/static/docs/swagger-ui.css"),
    ],
)
def test_uris_become_route_templates(uri: str, route: str) -> None:
    assert perf_report.route_of(uri) == route


def test_app_templates_are_written_alike() -> None:
    assert perf_report.template_of("/api/v1/courses/{course_ref}/sections/{section_id}") == (
        "/api/v1/courses/{id}/sections/{id}"
    )


def _rows(logs: list[Path]) -> dict[str, dict[str, Any]]:
    lines = [line for path in logs for line in path.read_text().splitlines()]
    return {row["route"]: row for row in perf_report.report(perf_report.read_requests(lines))}


def test_per_route_figures(logs: list[Path]) -> None:
    rows = _rows(logs)
    catalogue = rows["GET /api/v1/courses"]
    assert catalogue["count"] == 100
    assert (catalogue["p50_ms"], catalogue["p95_ms"], catalogue["p99_ms"]) == pytest.approx((50, 95, 99))
    assert catalogue["error_rate"] == pytest.approx(0.02)
    assert catalogue["client_error_rate"] == pytest.approx(0.03)
    assert catalogue["mean_ms"] == pytest.approx(50.5)
    assert catalogue["mean_upstream_ms"] == pytest.approx(50.0)
    assert catalogue["mean_app_ms"] == pytest.approx(49.5)  # joined on the request id
    detail = rows["GET /api/v1/courses/{id}"]
    assert detail["count"] == 10 and detail["p99_ms"] == pytest.approx(4)
    assert detail["mean_upstream_ms"] == pytest.approx(3) and detail["mean_app_ms"] is None
    assert rows["GET /api/v1/courses/popular"]["mean_upstream_ms"] == pytest.approx(30)  # both attempts
    assert rows["GET /static/docs/swagger-ui.css"]["mean_upstream_ms"] is None
    direct = rows["POST /api/v1/enrollments/{id}/progress"]  # an app line Nginx never saw
    assert direct["count"] == 1 and direct["p50_ms"] == pytest.approx(12.5)
    assert len(rows) == 5  # the bad line and the non-access app line are skipped
    assert next(iter(rows)) == "GET /api/v1/courses"  # the most total time first


def test_command_line_text_and_json(logs: list[Path]) -> None:
    script = SCRIPTS / "perf-report"
    text = subprocess.run([script, *map(str, logs)], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert text.startswith("113 requests, 2 with 5xx")
    assert "slowest routes by p99:" in text
    assert text.split("slowest routes by p99:")[1].split()[:2] == ["99.0", "ms"]
    figures = json.loads(
        subprocess.run([script, "--json", *map(str, logs)], capture_output=True, text=True, check=True).stdout  # noqa: S603
    )
    assert {row["route"]: row["count"] for row in figures}["GET /api/v1/courses/{id}"] == 10

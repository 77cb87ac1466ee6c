"""Prometheus metrics: HTTP requests, MongoDB commands, Redis cache, AI provider.

With several worker processes, set PROMETHEUS_MULTIPROC_DIR to an empty directory shared by the workers
(`make stack` does); `/metrics` then sums every worker's samples. Without it, each worker reports its own.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from pymongo import monitoring
from starlette.requests import Request
from starlette.responses import Response

from oms.edge.context import db_time

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

HTTP_REQUESTS = Counter("oms_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "oms_http_request_duration_seconds", "HTTP request latency", ["method", "route"], buckets=_LATENCY_BUCKETS
)
HTTP_IN_FLIGHT = Gauge(
    "oms_http_requests_in_flight", "HTTP requests being served", multiprocess_mode="livesum"
)
MONGO_LATENCY = Histogram(
    "oms_mongodb_command_duration_seconds", "MongoDB command latency", ["command"], buckets=_LATENCY_BUCKETS
)
MONGO_FAILURES = Counter("oms_mongodb_command_failures_total", "MongoDB commands that failed", ["command"])
CACHE_EVENTS = Counter("oms_cache_events_total", "Redis cache and ranking events", ["event"])
AI_LATENCY = Histogram(
    "oms_ai_provider_duration_seconds", "AI provider call latency", ["outcome"], buckets=_LATENCY_BUCKETS
)
AI_FALLBACKS = Counter(
    "oms_ai_fallbacks_total", "AI replies served by the offline engine instead", ["reason"]
)
AI_MODEL_REPLIES = Counter(
    "oms_ai_model_replies_total",
    "model-written replies served, each counted against the caller's hourly quota",
    ["kind"],
)
RECOMMENDATION_IMPRESSIONS = Counter(
    "oms_recommendation_impressions_total",
    "recommendation lists served, by what became of their record: queued, written, dropped (queue full or "
    "write failed)",
    ["outcome"],
)
AI_QUOTA_REJECTIONS = Counter(
    "oms_ai_quota_rejections_total",
    "advice requests refused (429): hourly quota of model-written replies spent",
)
AI_PROVIDER_CAP_SKIPS = Counter(
    "oms_ai_provider_cap_skips_total",
    "provider requests not sent (offline reply instead): the caller's hourly cap on provider requests reached",
)

_MONITORED = {
    "find", "insert", "update", "delete", "aggregate", "count", "findAndModify", "getMore",
    "createIndexes", "distinct", "ping", "bulkWrite",
}  # fmt: skip


class MongoCommandMetrics(monitoring.CommandListener):
    """PyMongo command monitoring: latency per command name, failures, and the current request's DB time."""

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        """Nothing to do: durations come with the reply."""

    def _record(self, name: str, seconds: float) -> None:
        label = name if name in _MONITORED else "other"
        MONGO_LATENCY.labels(label).observe(seconds)
        timer = db_time.get()
        if timer is not None:
            timer.seconds += seconds
            timer.commands += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Observe a finished command."""
        self._record(event.command_name, event.duration_micros / 1e6)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Observe a failed command."""
        MONGO_FAILURES.labels(event.command_name if event.command_name in _MONITORED else "other").inc()
        self._record(event.command_name, event.duration_micros / 1e6)


_request_series: dict[tuple[str, str | None, int], tuple[Counter, Histogram]] = {}


def observe_request(method: str, route: str | None, status: int, started: float) -> None:
    """Count one finished HTTP request under its route template (`unmatched` for unknown paths)."""
    series = _request_series.get((method, route, status))
    if series is None:  # looked up once per (method, route, status): `labels()` costs on every request
        label = route or "unmatched"
        series = HTTP_REQUESTS.labels(method, label, str(status)), HTTP_LATENCY.labels(method, label)
        _request_series[(method, route, status)] = series
    series[0].inc()
    series[1].observe(time.perf_counter() - started)


def retire_dead_workers(directory: str | None = None) -> list[int]:
    """In multiprocess mode, drop the live gauges (requests in flight) of worker processes that are gone,
    e.g. a worker killed mid-request and started again; their counters stay, as counters must. Returns
    the pids retired. Each worker calls this as it starts (several may retire the same pid at once)."""
    path = directory or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return []
    pids = {file.stem.rsplit("_", 1)[1] for file in Path(path).glob("gauge_live*_*.db")}
    dead = sorted(int(pid) for pid in pids if pid.isdigit() and not _alive(int(pid)))
    for pid in dead:
        _mark_dead(pid, path)
    return dead


def _mark_dead(pid: int, path: str) -> None:
    """prometheus_client's own bookkeeping for a dead process, tolerant of another worker doing the same."""
    while True:
        try:
            multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]  # untyped in the library
            return
        except FileNotFoundError:  # another worker removed one of its files first: look again (fewer left)
            continue


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


async def metrics_endpoint(_: Request) -> Response:
    """Prometheus text exposition of every metric (summed over workers in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped in the library
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

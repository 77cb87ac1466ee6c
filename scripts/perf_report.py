"""Per-route latency report from Nginx's JSON access log and/or the app's JSON log (`oms.access` lines).

    scripts/perf-report var/stack/nginx/logs/access.json.log var/stack/logs/app-w*.log [--top 10] [--json]

Nginx URIs are reduced to route templates (ObjectIds, numbers, uuids and slugs become `{id}`); the app's own
templates (`/courses/{course_ref}`) are written the same way, so both logs group alike. When both logs are
given, requests are joined on their request id and the app's time is shown beside Nginx's.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_ID = re.compile(
    r"^(?:[0-9a-fA-F]{24}|\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)
_TEMPLATE_PARAM = re.compile(r"\{[^}/]+\}")
COLLECTIONS = {"courses", "users", "enrollments", "assignments", "submissions", "sections"}
LITERALS = {"popular", "me", "order", "import", "export"}


def route_of(uri: str) -> str:
    """The route template of a request URI: query dropped, ids and slugs after a collection -> `{id}`."""
    path = uri.split("?", 1)[0].split("#", 1)[0] or "/"
    parts = path.split("/")
    out: list[str] = []
    for i, part in enumerate(parts):
        after_collection = i > 0 and parts[i - 1] in COLLECTIONS and part not in LITERALS and part != ""
        out.append("{id}" if _ID.match(part) or after_collection else part)
    return "/".join(out)


def template_of(route: str) -> str:
    """An app route template with every parameter written `{id}`."""
    return _TEMPLATE_PARAM.sub("{id}", route)


def _seconds_sum(value: Any) -> float | None:
    """Nginx's upstream times: "0.004", "0.004, 0.002" (a retry) or "-" / "" (no upstream) -> seconds."""
    if isinstance(value, int | float):
        return float(value)
    total, seen = 0.0, False
    for piece in re.split(r"[,:]", str(value or "")):
        piece = piece.strip()
        if piece and piece != "-":
            total, seen = total + float(piece), True
    return total if seen else None


@dataclass
class Request:
    """One request as seen by Nginx and/or the app (times in ms)."""

    method: str
    route: str
    status: int
    total_ms: float | None = None  # Nginx request_time
    upstream_ms: float | None = None  # Nginx upstream_response_time (all attempts)
    connect_ms: float | None = None
    app_ms: float | None = None  # the app's duration_ms
    request_id: str | None = None


def parse_line(line: str) -> tuple[str, Request] | None:
    """("nginx" | "app", request) for a log line this report understands, else None."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if not isinstance(entry, dict):
        return None
    if "request_time" in entry and "uri" in entry:
        upstream, connect = (
            _seconds_sum(entry.get(k)) for k in ("upstream_response_time", "upstream_connect_time")
        )
        return "nginx", Request(
            method=str(entry.get("method", "")),
            route=route_of(str(entry["uri"])),
            status=int(entry.get("status", 0)),
            total_ms=float(entry["request_time"]) * 1000,
            upstream_ms=None if upstream is None else upstream * 1000,
            connect_ms=None if connect is None else connect * 1000,
            request_id=entry.get("request_id") or None,
        )
    if entry.get("logger") == "oms.access" and "duration_ms" in entry:
        route = entry.get("route")
        return "app", Request(
            method=str(entry.get("method", "")),
            route=template_of(route) if route else route_of(str(entry.get("path", ""))),
            status=int(entry.get("status", 0)),
            app_ms=float(entry["duration_ms"]),
            request_id=entry.get("request_id") or None,
        )
    return None


def read_requests(lines: Iterable[str]) -> list[Request]:
    """Requests from any mix of Nginx and app lines; an app line with a known request id joins its Nginx one."""
    by_id: dict[str, Request] = {}
    apps: list[Request] = []
    found: list[Request] = []
    for line in lines:
        parsed = parse_line(line)
        if parsed is None:
            continue
        kind, req = parsed
        if kind == "nginx":
            found.append(req)
            if req.request_id:
                by_id[req.request_id] = req
        else:
            apps.append(req)
    for app in apps:
        joined = by_id.get(app.request_id or "")
        if joined is not None and joined.app_ms is None:
            joined.app_ms = app.app_ms
        else:
            found.append(app)
    return found


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (the smallest value with at least pct% of values at or below it)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil(n * pct / 100)
    return ordered[int(rank) - 1]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass
class RouteStats:
    """Figures for one `METHOD /route`."""

    key: str
    requests: list[Request] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        """count, error rates, percentiles of the total (Nginx's, else the app's) time, and the breakdown."""
        reqs = self.requests
        totals = [r.total_ms if r.total_ms is not None else r.app_ms for r in reqs]
        times = [t for t in totals if t is not None]
        upstream = [r.upstream_ms for r in reqs if r.upstream_ms is not None]
        app = [r.app_ms for r in reqs if r.app_ms is not None]
        count = len(reqs)
        return {
            "route": self.key,
            "count": count,
            "error_rate": sum(1 for r in reqs if r.status >= 500) / count,
            "client_error_rate": sum(1 for r in reqs if 400 <= r.status < 500) / count,
            "p50_ms": percentile(times, 50),
            "p95_ms": percentile(times, 95),
            "p99_ms": percentile(times, 99),
            "max_ms": max(times, default=float("nan")),
            "mean_ms": _mean(times),
            "mean_upstream_ms": _mean(upstream),
            "mean_app_ms": _mean(app),
            "total_s": sum(times) / 1000,
        }


def report(requests: list[Request]) -> list[dict[str, Any]]:
    """Figures per route, the routes that took the most time in all first."""
    routes: dict[str, RouteStats] = {}
    for req in requests:
        key = f"{req.method} {req.route}"
        routes.setdefault(key, RouteStats(key)).requests.append(req)
    rows = [stats.figures() for stats in routes.values()]
    return sorted(rows, key=lambda row: -row["total_s"])


def _ms(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:.1f}"


def render(rows: list[dict[str, Any]], top: int) -> str:
    """The report as text: a per-route table, then the slowest routes by p99."""
    if not rows:
        return "no request lines found (Nginx access.json.log lines or app lines with logger oms.access)\n"
    total = sum(r["count"] for r in rows)
    errors = sum(r["error_rate"] * r["count"] for r in rows)
    head = f"{'route':<52} {'count':>7} {'5xx%':>6} {'4xx%':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'total':>8} {'upstr':>8} {'app':>8}"
    lines = [f"{total} requests, {errors:.0f} with 5xx; times in ms (mean total / upstream / app)", head]
    for r in rows[:top] if top else rows:
        lines.append(
            f"{r['route'][:52]:<52} {r['count']:>7} {r['error_rate'] * 100:>6.1f} {r['client_error_rate'] * 100:>6.1f} "
            f"{_ms(r['p50_ms']):>8} {_ms(r['p95_ms']):>8} {_ms(r['p99_ms']):>8} "
            f"{_ms(r['mean_ms']):>8} {_ms(r['mean_upstream_ms']):>8} {_ms(r['mean_app_ms']):>8}"
        )
    if top and len(rows) > top:
        lines.append(f"... {len(rows) - top} more routes (--top 0 shows all)")
    lines.append("\nslowest routes by p99:")
    for r in sorted(rows, key=lambda row: -row["p99_ms"])[:5]:
        lines.append(f"  {_ms(r['p99_ms']):>8} ms  {r['route']}  ({r['count']} requests)")
    return "\n".join(lines) + "\n"


def _lines(paths: list[str]) -> Iterator[str]:
    for name in paths:
        if name == "-":
            yield from sys.stdin
            continue
        path = Path(name)
        if path.suffix == ".gz":
            with gzip.open(path, "rt") as packed:
                yield from packed
        else:
            with path.open() as handle:
                yield from handle


def main(argv: list[str] | None = None) -> int:
    """Command line: log files (or - for stdin), --top N, --json."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "logs", nargs="+", help="Nginx access.json.log and/or app log files (.gz ok, - = stdin)"
    )
    parser.add_argument("--top", type=int, default=20, help="routes to list (0: all)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    rows = report(read_requests(_lines(args.logs)))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        sys.stdout.write(render(rows, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())

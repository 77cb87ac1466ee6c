"""`scripts/bench`: cached vs uncached reads on a generated catalogue, and Redis killed under load.

Starts SecantusDB, a fresh redis-server and two uvicorn apps (cache on, cache off) in a temp dir, loads
1,000 courses x 8 sections, 300 students and 5,000 enrollments, drives load with wrk (or the bundled
generator) and prints one table with req/s, p50/p99 and the ratios against the targets (docs/performance.md).
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

from oms_tools import cpu, wrk

from oms.cli.devstack import StackError
from oms_bench import catalogue, load, outage, report
from oms_bench.load import Result, median
from oms_bench.servers import DATABASE, App, Servers

API = "/api/v1/courses"
CATALOGUE_PAGES = [f"{API}?limit=20&offset={k}" for k in range(0, 100, 20)]
POPULAR = [f"{API}/popular?window=7d&limit=10"]
# The MongoDB-only catalogue and popular runs take ~0.3-1 s of SecantusDB time per request: at 32 connections
# each waits behind the 31 others (SecantusDB shares its CPU between them), none finishes within a short run,
# and past 10 s the app's MongoDB socket timeout turns them into 500s. 4 connections already saturate it.
SLOW_CONNECTIONS = 4


def from_wrk(label: str, server: str, connections: int, run: wrk.WrkResult) -> Result:
    """A wrk run as one of the report's results."""
    figures = (run.requests, run.seconds, run.p50_ms, run.p99_ms, run.non_2xx, run.socket_errors)
    return Result(label, server, "wrk", connections, *figures)


def say(message: str) -> None:
    """Progress, on stderr (the report goes to stdout)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs (3 s each), a smoke test")
    parser.add_argument("--duration", type=float, help="seconds per measured run (default 10; --quick 3)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load tool (auto: wrk if installed)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help="runs of bare / course detail, interleaved; medians reported (default 3; --quick 1)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 3 when a target figure is missed")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server logs) and print it")
    args = parser.parse_args()
    args.duration = args.duration or (3.0 if args.quick else 10.0)
    args.warmup = 1.0 if args.quick else 3.0
    args.repeat = args.repeat or (1 if args.quick else 3)
    if not 1 <= args.connections <= 256 or args.duration <= 0 or not 1 <= args.repeat <= 9:
        parser.error("--connections must be 1..256, --duration positive and --repeat 1..9")
    if args.generator == "auto":
        args.generator = "wrk" if wrk.available() else "python"
    elif args.generator == "wrk" and not wrk.available():
        parser.error("wrk is not installed (apt-get install -y wrk)")
    return args


class Bench:
    """One benchmark run over the servers it started."""

    def __init__(self, args: argparse.Namespace, servers: Servers) -> None:
        self.args = args
        self.servers = servers
        self.results: dict[str, Result] = {}
        self.repeats: dict[str, list[Result]] = {}
        self.problems: list[str] = []

    def measure(
        self, key: str, label: str, app: App, paths: list[str], connections: int | None = None
    ) -> None:
        """A warm-up (discarded), then the measured run, charged with its processes' CPU time. Repeated runs
        of the same key keep every result; the report shows the median."""
        conns = min(connections or self.args.connections, self.args.connections)
        say(
            f"{label} on {app.name}: {conns} connections, {self.args.warmup:g} s warm-up, {self.args.duration:g} s"
        )
        for seconds, keep in ((self.args.warmup, False), (self.args.duration, True)):
            if not self.servers.settle():
                say("warning: the servers were still busy after 120 s; measuring anyway")
            meter = self.servers.meter(app)
            if self.args.generator == "wrk":
                result = from_wrk(
                    label,
                    app.name,
                    conns,
                    wrk.run(app.port, paths, conns, seconds, self.servers.root, pick="random", timeout="30s"),
                )
            else:
                result = load.drive(app.port, paths, conns, seconds).result(label, app.name)
            if keep:
                used = meter.read()
                result.cpu_us = {
                    name: used.groups[name] * 1e6 / max(result.requests, 1)
                    for name in ("app", "SecantusDB", "Redis")
                    if name in used.groups
                }
                result.other_load_pct = used.others_pct()
                self.repeats.setdefault(key, []).append(result)
                self.results[key] = median(self.repeats[key])

    def warm(self, app: App, paths: list[str], expected: dict[str, tuple[int, bytes]]) -> None:
        """Fill the cache (first pass misses, second hits) and check cached replies equal MongoDB's."""
        load.fetch_all(app.port, paths)
        check = outage.body_check({p: expected[p] for p in paths})
        wrong = [
            p for p, (status, body) in load.fetch_all(app.port, paths).items() if not check(p, status, body)
        ]
        if wrong:
            self.problems.append(f"{len(wrong)} cached replies differ from MongoDB's, e.g. {wrong[0]}")


def setup(servers: Servers) -> tuple[catalogue.Catalogue, App, App]:
    """Databases, validators, the generated catalogue, rankings, and the two apps."""
    say(f"servers and data under {servers.root}")
    servers.start_databases()
    servers.oms("migrate")
    data = catalogue.generate(f"{servers.mongo_url}/{DATABASE}", DATABASE)
    servers.oms("rebuild-rankings")
    say(f"catalogue: {len(data.courses)} courses, {data.students} students, {data.enrollments} enrollments")
    cached = servers.start_app("cache on", cache=True)
    uncached = servers.start_app("cache off", cache=False)
    for app in (cached, uncached):
        servers.wait_ready(app)
    return data, cached, uncached


def run(args: argparse.Namespace, servers: Servers) -> int:
    busy_before = cpu.machine_busy_pct()
    started = time.monotonic()
    data, cached, uncached = setup(servers)
    setup_s = time.monotonic() - started
    details = [f"{API}/{course_id}" for course_id in data.courses]
    expected = load.fetch_all(uncached.port, details + CATALOGUE_PAGES)

    bench = Bench(args, servers)
    bench.warm(cached, details, expected)
    for _ in range(args.repeat):  # the runs the first two figures rest on, interleaved: medians are reported
        bench.measure("bare", "bare: GET /healthz", cached, ["/healthz"])
        bench.measure("detail-uncached", "course detail (MongoDB)", uncached, details)
        bench.measure("detail-cached", "course detail (Redis)", cached, details)
    bench.measure(
        "catalogue-uncached", "catalogue page (MongoDB)", uncached, CATALOGUE_PAGES, SLOW_CONNECTIONS
    )
    bench.warm(cached, CATALOGUE_PAGES, expected)
    bench.measure("catalogue-cached", "catalogue page (Redis)", cached, CATALOGUE_PAGES)
    bench.measure(
        "popular-uncached", "popular top-10 (MongoDB aggregation)", uncached, POPULAR, SLOW_CONNECTIONS
    )
    load.fetch_all(cached.port, POPULAR * 2)
    bench.measure("popular-cached", "popular top-10 (Redis)", cached, POPULAR)

    seconds, kill_at, down_for = (12.0, 2.0, 2.0) if args.quick else (20.0, 3.0, 3.0)
    say(f"Redis killed during load: {seconds:g} s, SIGKILL at {kill_at:g} s, restart {down_for:g} s later")
    servers.settle()
    bench.warm(cached, details + CATALOGUE_PAGES, expected)
    killed = outage.run(servers, cached, expected, args.connections, seconds, kill_at, down_for)
    servers.wait_ready(cached, timeout=15)

    header = [
        f"machine: {report.machine()}; {busy_before:.0f}% of its CPU busy with other work just before",
        f"code: {report.code_version(Path(__file__).resolve().parents[2])}",
        f"data: {len(data.courses)} published courses x 8 sections, {data.students} students, "
        f"{data.enrollments} enrollments over 30 days; setup {setup_s:.0f} s",
        f"load: {args.generator}, {args.connections} connections, {args.duration:g} s per run after a "
        f"{args.warmup:g} s warm-up, servers idle before each; one uvicorn worker per app",
        f"course detail: {len(details)} ids at random; catalogue: {len(CATALOGUE_PAGES)} pages of 20",
        f"bare and course detail: {args.repeat} runs each, interleaved, the median shown"
        + "".join(
            f"; {key} req/s {', '.join(f'{r.rps:,.0f}' for r in runs)}"
            for key, runs in bench.repeats.items()
            if len(runs) > 1
        ),
    ]
    text, failures, missed = report.render(header, bench.results, killed, cached.name)
    failures = bench.problems + failures
    print(text)
    for line in failures:
        print(f"- FAILED: {line}")
    print("\nFAIL" if failures else "\nPASS: no 5xx, every reply correct, caching resumed after the outage")
    if failures:
        return 1
    return 3 if missed and args.strict else 0


def _terminate(*_: object) -> NoReturn:
    raise SystemExit(143)


def main() -> int:
    args = parse_args()
    root = Path(tempfile.mkdtemp(prefix="oms-bench-"))
    servers = Servers(root)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return run(args, servers)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except StackError as exc:
        say(str(exc))
        return 1
    finally:
        say("stopping the servers")
        servers.stop()
        if args.keep:
            say(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

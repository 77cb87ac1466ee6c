"""The servers one benchmark run needs: SecantusDB, a fresh redis-server, and two uvicorn apps."""

from __future__ import annotations

import json
import os
import resource
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from oms_stack.workers import uvicorn_command

from oms.cli.devstack import Stack, StackError, free_port

DATABASE = "oms_bench"


def _die_with_parent() -> None:
    """In the child: SIGTERM when the benchmark dies, so no app outlives it (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU time the whole machine has been busy (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    """CPU time of this process and its waited-for children (wrk)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class CpuMeter:
    """CPU time of the servers over one run, and how busy the rest of the machine was meanwhile."""

    pids: dict[str, int]
    start: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.start = self._now()

    def _now(self) -> dict[str, float]:
        now = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        now["*busy"], now["*own"], now["*wall"] = busy_seconds(), _own_seconds(), time.monotonic()
        return now

    def read(self, requests: int, charged: list[str]) -> tuple[dict[str, float], float]:
        """Microseconds of CPU per request for each of `charged`, and the % of the machine's CPU used by
        processes outside the benchmark during the run."""
        end = self._now()
        used = {name: end[name] - self.start[name] for name in end}
        ours = sum(used[name] for name in self.pids) + used["*own"]
        other = max(0.0, used["*busy"] - ours) / (used["*wall"] * (os.cpu_count() or 1)) * 100
        return {name: used[name] * 1e6 / max(requests, 1) for name in charged}, other


@dataclass
class App:
    """One uvicorn process of the API."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        """The app's base URL."""
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Servers:
    """Everything started under `root`; `stop()` ends it all (also after errors and Ctrl-C)."""

    root: Path
    stack: Stack = field(default_factory=Stack)
    mongo_url: str = ""
    redis_port: int = 0
    mongo: subprocess.Popen[bytes] | None = None
    redis: subprocess.Popen[bytes] | None = None
    apps: list[App] = field(default_factory=list)
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def redis_url(self) -> str:
        """The URL of the benchmark's own Redis."""
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def start_databases(self) -> None:
        """SecantusDB on disk under the temp dir, and a redis-server without persistence."""
        self.mongo_url = self.stack.start_mongo(free_port(), self.root / "mongo", self.root / "mongo.log")
        self.mongo = self.stack.processes[-1]
        self.redis_port = free_port()
        self.start_redis()

    def start_redis(self) -> None:
        """Start (or restart, on the same port) the benchmark's redis-server."""
        self.stack.start_redis(self.redis_port, self.root / "redis", self.root / "redis.log")
        self.redis = self.stack.processes[-1]

    def kill_redis(self) -> None:
        """Kill redis-server at once (SIGKILL), as a crash would."""
        if self.redis is not None:
            self.redis.kill()
            self.redis.wait(timeout=10)

    def meter(self, app: App) -> CpuMeter:
        """Start metering CPU time: `app` as "app", every other app, SecantusDB and Redis."""
        procs = {"app": app.proc, "SecantusDB": self.mongo, "Redis": self.redis}
        procs |= {a.name: a.proc for a in self.apps if a is not app}
        return CpuMeter({name: proc.pid for name, proc in procs.items() if proc is not None})

    def settle(self, timeout: float = 120) -> bool:
        """Wait until the apps and SecantusDB are idle: requests a run left queued must not slow the next."""
        pids = [a.proc.pid for a in self.apps] + ([self.mongo.pid] if self.mongo else [])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = [cpu_seconds(p) for p in pids]
            time.sleep(0.5)
            if all(cpu_seconds(p) - b < 0.05 for p, b in zip(pids, before, strict=True)):
                return True
        return False

    def env(self, cache: bool = True) -> dict[str, str]:
        """The environment of the apps and `oms` commands: only our servers, quiet logs."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
        env.update(
            OMS_MONGODB_URL=f"{self.mongo_url}/{DATABASE}",
            OMS_REDIS_URL=self.redis_url,
            OMS_DATA_DIR=str(self.root / "data"),
            OMS_JWT_SECRET=self.secret,
            OMS_LOG_LEVEL="WARNING",
            OMS_CACHE_ENABLED="true" if cache else "false",
            # no periodic recommender rebuild landing in one measured run and not in another
            OMS_RECOMMENDER_REFRESH_S="0",
        )
        return env

    def oms(self, *args: str) -> None:
        """Run an `oms` command against the benchmark's servers."""
        cmd = [sys.executable, "-m", "oms.cli.main", *args]
        done = subprocess.run(cmd, env=self.env(), cwd=self.root, capture_output=True, text=True)  # noqa: S603
        if done.returncode != 0:
            raise StackError(f"oms {' '.join(args)} failed:\n{done.stdout}{done.stderr}")

    def start_app(self, name: str, *, cache: bool) -> App:
        """One uvicorn worker of the API, with the cache on or off."""
        port = free_port()
        log = self.root / f"app-{name}.log"
        cmd = uvicorn_command(port, "--log-level", "warning", "--no-access-log")  # as `make stack` runs them
        with log.open("ab") as out:
            proc = subprocess.Popen(  # noqa: S603  # our own argv, no shell
                cmd,
                env=self.env(cache),
                cwd=self.root,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # only sets a signal flag
            )
        app = App(name, port, proc, log)
        self.apps.append(app)
        return app

    def wait_ready(self, app: App, timeout: float = 60) -> None:
        """Wait until the app's /readyz says `ok`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if app.proc.poll() is not None:
                raise StackError(f"app {app.name} exited; its log {app.log}:\n{app.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{app.base}/readyz", timeout=2) as reply:  # noqa: S310
                    if json.load(reply).get("status") == "ok":
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise StackError(f"app {app.name} not ready within {timeout:.0f} s; see {app.log}")

    def stop(self) -> None:
        """Stop the apps, then the databases."""
        for app in self.apps:
            if app.proc.poll() is None:
                app.proc.terminate()
        for app in self.apps:
            try:
                app.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                app.proc.kill()
        self.apps.clear()
        self.stack.stop()

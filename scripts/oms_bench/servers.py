"""The servers one benchmark run needs: SecantusDB, a fresh redis-server, and two uvicorn apps."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from oms_stack.workers import uvicorn_command
from oms_tools.cpu import CpuMeter, of_pids, process_seconds
from oms_tools.procs import spawn

from oms.cli.devstack import Stack, StackError, free_port

DATABASE = "oms_bench"


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
        return CpuMeter(of_pids({name: proc.pid for name, proc in procs.items() if proc is not None}))

    def settle(self, timeout: float = 120) -> bool:
        """Wait until the apps and SecantusDB are idle: requests a run left queued must not slow the next."""
        pids = [a.proc.pid for a in self.apps] + ([self.mongo.pid] if self.mongo else [])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = [process_seconds(p) for p in pids]
            time.sleep(0.5)
            if all(process_seconds(p) - b < 0.05 for p, b in zip(pids, before, strict=True)):
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
        proc = spawn(cmd, log, self.env(cache), cwd=self.root)
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

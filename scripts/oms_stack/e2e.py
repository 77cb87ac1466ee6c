"""`scripts/web-e2e`: the browser tests against the real stack, started for them and stopped after.

A fresh SecantusDB and Redis, two uvicorn workers and Nginx serving the built web app (web/dist, or
OMS_WEB_DIST), all on free loopback ports, from the same code as `make stack`. Once /readyz answers through
Nginx, the tests run with BASE_URL (Nginx's URL) and the admin's credentials (OMS_ADMIN_USERNAME,
OMS_ADMIN_PASSWORD: taken from the environment when both are set, else made up) in their environment.

    scripts/web-e2e [ARGS...]       scripts/with-node npx playwright test ARGS... in web/
    scripts/web-e2e -- CMD [ARGS...] any other command, in the current directory

Everything stops afterwards, on failure and on Ctrl-C too; the exit code is the command's (130 after
Ctrl-C). The run's directory (logs of every server) is removed after a passing run, kept otherwise.

The loopback client is exempt from Nginx's per-address rate limits and the API's per-address registration
and login-failure limits are raised (one address plays every user); the per-username login limit stays, so
a test can still see 429. Any OMS_* setting in the environment wins over these.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from oms_tools.procs import wait_http

from oms.cli.devstack import Stack, StackError, env_flag, free_port
from oms_stack.__main__ import app_env
from oms_stack.nginx import REPO, WEB_DIST, Nginx
from oms_stack.workers import Worker, start_workers

DEFAULT_COMMAND = [str(REPO / "scripts" / "with-node"), "npx", "playwright", "test"]
E2E_DEFAULTS = {
    "OMS_REGISTRATIONS_PER_ADDRESS": "100000",
    "OMS_LOGIN_FAILURES_PER_ADDRESS": "100000",
    "OMS_ENV": "production",
    "OMS_LOG_LEVEL": "WARNING",
}


def command_for(argv: Sequence[str]) -> tuple[list[str], Path]:
    """The command to run and its directory: Playwright in web/ with `argv` appended, or what follows `--`."""
    if argv and argv[0] == "--":
        if len(argv) == 1:
            raise SystemExit("web-e2e: nothing after --")
        return list(argv[1:]), Path.cwd()
    return [*DEFAULT_COMMAND, *argv], REPO / "web"


def _admin() -> dict[str, str]:
    """The admin the tests log in as: from the environment when both names are set."""
    if os.environ.get("OMS_ADMIN_USERNAME") and os.environ.get("OMS_ADMIN_PASSWORD"):
        return {k: os.environ[k] for k in ("OMS_ADMIN_USERNAME", "OMS_ADMIN_PASSWORD")}
    return {"OMS_ADMIN_USERNAME": "e2e-admin", "OMS_ADMIN_PASSWORD": "e2e-" + secrets.token_urlsafe(12)}


def _raise_interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run(argv: Sequence[str]) -> int:
    """Start the stack, run the command against it, stop the stack; the command's exit code."""
    command, cwd = command_for(argv)
    dist = Path(os.environ.get("OMS_WEB_DIST") or WEB_DIST).resolve()
    if not (dist / "index.html").is_file():
        print(f"web-e2e: no built web app in {dist}: run `make web` first", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="oms-e2e-"))
    for name, value in {**E2E_DEFAULTS, **_admin()}.items():
        os.environ.setdefault(name, value)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    dbs, workers, nginx = Stack(), list[Worker](), None
    test: subprocess.Popen[bytes] | None = None
    code = 1
    try:
        env = app_env(root, dbs, own_servers=True)
        env["OMS_WEB_DIST"] = str(dist)
        if env_flag("DEMO"):
            subprocess.run([sys.executable, "-m", "oms.cli.main", "seed-demo"], env=env, check=True)
        workers = start_workers(2, env, root / "logs")
        nginx = Nginx(
            root / "nginx",
            free_port(),
            free_port(),
            [w.address for w in workers],
            ["127.0.0.1"],
            web_root=dist,
        )
        nginx.start()
        base = f"http://127.0.0.1:{nginx.port}"
        assert nginx.proc is not None
        wait_http(nginx.proc, f"{base}/readyz", "the stack", nginx.logs / "error.log")
        print(f"web-e2e: stack ready at {base} (logs in {root}); running: {' '.join(command)}", flush=True)
        test_env = {
            **os.environ,
            "BASE_URL": base,
            "OMS_ADMIN_USERNAME": env["OMS_ADMIN_USERNAME"],
            "OMS_ADMIN_PASSWORD": env["OMS_ADMIN_PASSWORD"],
        }
        test = subprocess.Popen(command, cwd=cwd, env=test_env)  # noqa: S603  # the caller's own command
        code = test.wait()
    except KeyboardInterrupt:
        code = 130
        if test is not None and test.poll() is None:
            test.terminate()
            try:
                test.wait(timeout=10)
            except subprocess.TimeoutExpired:
                test.kill()
    except (StackError, subprocess.CalledProcessError, OSError) as exc:
        print(f"web-e2e: {exc}", file=sys.stderr)
        code = 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second TERM must not cut the cleanup short
        if nginx is not None:
            nginx.stop()
        for worker in workers:
            worker.stop()
        dbs.stop()
        if code == 0:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"web-e2e: exit code {code}; the servers' logs are in {root}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))

"""`make stack`: SecantusDB (or OMS_MONGODB_URL), Redis, N uvicorn workers and Nginx, all on loopback.

Environment: WORKERS (2), STACK_PORT (8080), STACK_METRICS_PORT (STACK_PORT + 1), STACK_DIR (var/stack),
DEMO=1 to load the demo data, and the app's own OMS_* settings (OMS_WEB_DIST: the built web app Nginx
serves at /, default web/dist). Ctrl-C or SIGTERM stops everything.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from oms.cli.devstack import Stack, StackError, env_flag, free_port, port_open, redis_reachable
from oms_stack.nginx import WEB_DIST, Nginx
from oms_stack.workers import Worker, start_workers

INTERRUPTED = 130  # what a shell reports for a command ended by Ctrl-C (128 + SIGINT)


def _secret_file(path: Path, nbytes: int) -> str:
    """A random secret kept in `path` (created once, mode 600)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


def app_env(root: Path, dbs: Stack, *, own_servers: bool = False) -> dict[str, str]:
    """The workers' environment: databases (started when needed; always with `own_servers`, for a run that
    must start empty), secrets, admin, metrics dir."""
    env = dict(os.environ)
    if own_servers:
        env.pop("OMS_MONGODB_URL", None)
        env["OMS_REDIS_URL"] = dbs.start_redis(free_port(), root / "redis", root / "logs" / "redis.log")
    if "OMS_MONGODB_URL" not in env:
        env["OMS_MONGODB_URL"] = (
            dbs.start_mongo(free_port(), root / "mongo", root / "logs" / "mongo.log") + "/oms"
        )
    if not redis_reachable(env.setdefault("OMS_REDIS_URL", "redis://127.0.0.1:6379/0")):
        env["OMS_REDIS_URL"] = dbs.start_redis(
            free_port(), root / "redis", root / "logs" / "redis.log", persist=True
        )
    env.setdefault("OMS_ENV", "production")
    env.setdefault("OMS_JWT_SECRET", _secret_file(root / "jwt-secret", 48))
    if not (env.get("OMS_ADMIN_USERNAME") and env.get("OMS_ADMIN_PASSWORD")):
        env.setdefault("OMS_ADMIN_USERNAME", "admin")
        env["OMS_ADMIN_PASSWORD"] = _secret_file(root / "admin-password", 12)
    env.setdefault("OMS_DATA_DIR", str(root / "data"))
    env.setdefault(
        "OMS_MAX_BODY_BYTES", str(50 * 1024 * 1024)
    )  # Nginx caps every route but the import at 1 MiB
    metrics_dir = root / "prometheus"  # workers share it, so /metrics sums them (emptied at each start)
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    return env


def _web_source(nginx: Nginx) -> str:
    built = nginx.web_root is not None and (nginx.web_root / "index.html").is_file()
    return f"Nginx serves {nginx.web_root}" if built else "not built: run make web"


def _banner(nginx: Nginx, workers: list[Worker], env: dict[str, str]) -> str:
    base = f"http://127.0.0.1:{nginx.port}"
    return (
        f"\nOMS production-like stack at {base} (Nginx -> {len(workers)} uvicorn workers)\n"
        f"  web app:  {base}/   ({_web_source(nginx)})\n"
        f"  docs:     {base}/docs   API: {base}/api/v1   health: {base}/readyz\n"
        f"  metrics:  http://127.0.0.1:{nginx.metrics_port}/metrics  (loopback only; Nginx: /nginx_status)\n"
        f"  admin:    {env['OMS_ADMIN_USERNAME']} / {env['OMS_ADMIN_PASSWORD']}\n"
        f"  workers:  {', '.join(w.address for w in workers)}  (logs {workers[0].log.parent}/app-w*.log)\n"
        f"  MongoDB:  {env['OMS_MONGODB_URL']}   Redis: {env['OMS_REDIS_URL']}\n"
        f"  access:   {nginx.access_log}\n"
        f"  analyse:  scripts/perf-report {nginx.access_log}\n"
        f"  load:     scripts/loadtest --url {base}\n"
        "Ctrl-C stops everything.\n"
    )


def _supervise(nginx: Nginx, workers: list[Worker]) -> None:
    """Restart a worker that died (as a process manager would, at most every 5 s); return if Nginx dies."""
    restarted: dict[str, float] = {}
    while nginx.proc is not None and nginx.proc.poll() is None:
        for worker in workers:
            if not worker.alive() and time.monotonic() - restarted.get(worker.name, -10.0) >= 5:
                code = worker.proc.returncode if worker.proc else None
                print(f"worker {worker.name} exited ({code}); restarting it", flush=True)
                restarted[worker.name] = time.monotonic()
                worker.start()
        time.sleep(0.5)
    print(f"nginx exited; see {nginx.logs / 'error.log'}", file=sys.stderr)


def _running(pid_file: Path) -> int | None:
    """The pid in `pid_file` when that process is still alive."""
    try:
        pid = int(pid_file.read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def _rotate(root: Path) -> None:
    """Keep the previous run's logs as *.1, so each run's access log holds that run only."""
    for log in [*root.glob("logs/*.log"), *root.glob("nginx/logs/*.log")]:
        log.replace(log.with_name(log.name + ".1"))


def main() -> int:
    """Start the stack, print its URLs, and run until interrupted."""
    root = Path(os.environ.get("STACK_DIR", "var/stack")).resolve()
    count = int(os.environ.get("WORKERS") or 2)
    port = int(os.environ.get("STACK_PORT") or 8080)
    metrics_port = int(os.environ.get("STACK_METRICS_PORT") or port + 1)
    for p in (port, metrics_port):
        if port_open("127.0.0.1", p):
            print(f"port {p} is already in use (set STACK_PORT= / STACK_METRICS_PORT=)", file=sys.stderr)
            return 1
    other = _running(root / "stack.pid")
    if other:
        print(f"a stack already runs from {root} (pid {other}); stop it or set STACK_DIR=", file=sys.stderr)
        return 1
    root.mkdir(parents=True, exist_ok=True)
    (root / "stack.pid").write_text(str(os.getpid()))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    dbs: Stack = Stack()
    nginx: Nginx | None = None
    workers: list[Worker] = []
    try:
        _rotate(root)
        env = app_env(root, dbs)
        if env_flag("DEMO"):
            subprocess.run([sys.executable, "-m", "oms.cli.main", "seed-demo"], env=env, check=True)
        workers = start_workers(count, env, root / "logs")
        web = Path(env["OMS_WEB_DIST"]) if env.get("OMS_WEB_DIST") else WEB_DIST
        nginx = Nginx(root / "nginx", port, metrics_port, [w.address for w in workers], web_root=web)
        nginx.start()
        print(_banner(nginx, workers, env), flush=True)
        _supervise(nginx, workers)
        return 1
    except (StackError, subprocess.CalledProcessError) as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping the stack", file=sys.stderr, flush=True)
        return INTERRUPTED
    finally:
        # a second Ctrl-C (or the one the terminal sent to the whole process group) must not cut the
        # shutdown short with a traceback: stop everything first
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        (root / "stack.pid").unlink(missing_ok=True)
        if nginx is not None:
            nginx.stop()
        for worker in workers:
            worker.stop()
        dbs.stop()


def run() -> int:
    """`main()`, with a Ctrl-C before the stack started (or while it stops) ending it quietly as well."""
    try:
        return main()
    except KeyboardInterrupt:
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(run())

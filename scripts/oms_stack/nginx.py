"""Nginx for the stack and the tests: render deploy/nginx/nginx.conf.template, check it, run it."""

from __future__ import annotations

import getpass
import gzip
import re
import shutil
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from oms_tools.procs import spawn, stop, wait_port

from oms.cli.devstack import StackError

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deploy" / "nginx" / "nginx.conf.template"
WEB_DIST = REPO / "web" / "dist"
_PLACEHOLDER = re.compile(r"\$\{(OMS_[A-Z0-9_]+)\}")


def render(values: Mapping[str, str], template: str | None = None) -> str:
    """The template with every `${OMS_*}` placeholder replaced (what envsubst does in the container)."""
    text = TEMPLATE.read_text() if template is None else template
    missing = sorted({name for name in _PLACEHOLDER.findall(text) if name not in values})
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def nginx_bin() -> str:
    """The nginx program; StackError with the install command when it is missing."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if not found:
        raise StackError("nginx is not installed: apt-get update && apt-get install -y nginx")
    return found


def docs_assets() -> Path:
    """The offline docs assets the app serves under /static/docs (the same files Nginx serves)."""
    from oms.routers.docs import ASSETS

    return Path(ASSETS)


def publish_static(www: Path) -> Path:
    """Copy the docs assets to `www`/static/docs with a .gz beside each (for gzip_static); `www`."""
    target = www / "static" / "docs"
    target.mkdir(parents=True, exist_ok=True)
    for src in docs_assets().iterdir():
        if not src.is_file():
            continue
        dst = target / src.name
        if not dst.exists() or dst.stat().st_mtime < src.stat().st_mtime:
            shutil.copy2(src, dst)
            if src.suffix in {".css", ".js"}:
                (target / f"{src.name}.gz").write_bytes(gzip.compress(src.read_bytes(), 9, mtime=0))
    return www


def publish_web(dist: Path | None, www: Path) -> Path:
    """The directory Nginx serves the web app from: `dist` when it holds a build, else a one-page stand-in
    under `www` that says how to build it (the page the API process shows in that case)."""
    if dist is not None and (dist / "index.html").is_file():
        return dist.resolve()
    from oms.edge.webapp import NOT_BUILT

    stand_in = www / "web-not-built"
    stand_in.mkdir(parents=True, exist_ok=True)
    (stand_in / "index.html").write_text(NOT_BUILT)
    return stand_in


@dataclass
class Nginx:
    """One Nginx under `root` (conf, logs, run dir, static files) in front of `upstreams`."""

    root: Path
    port: int
    metrics_port: int
    upstreams: list[str]
    exempt: list[str] = field(default_factory=list)  # client addresses without rate limits
    web_root: Path | None = WEB_DIST  # the built web app (None: the "not built" page)
    host: str = "127.0.0.1"
    proc: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.root = self.root.resolve()  # nginx resolves relative paths against its prefix

    @property
    def pid(self) -> int:
        """The master process's id."""
        if self.proc is None:
            raise StackError("nginx is not running")
        return self.proc.pid

    @property
    def conf(self) -> Path:
        """The rendered configuration file."""
        return self.root / "nginx.conf"

    @property
    def logs(self) -> Path:
        """Where access.json.log and error.log go."""
        return self.root / "logs"

    @property
    def access_log(self) -> Path:
        """The JSON access log."""
        return self.logs / "access.json.log"

    def values(self) -> dict[str, str]:
        """The template's placeholders for this instance."""
        return {
            "OMS_NGINX_USER": getpass.getuser(),
            "OMS_RUN_DIR": str(self.root / "run"),
            "OMS_LOG_DIR": str(self.logs),
            "OMS_LISTEN": f"{self.host}:{self.port}",
            "OMS_METRICS_LISTEN": f"127.0.0.1:{self.metrics_port}",
            "OMS_UPSTREAM_SERVERS": " ".join(
                f"server {u} max_fails=3 fail_timeout=5s;" for u in self.upstreams
            ),
            "OMS_STATIC_ROOT": str(publish_static(self.root / "www")),
            "OMS_RATE_LIMIT_EXEMPT": " ".join(f"{a} 1;" for a in self.exempt),
            "OMS_WEB_ROOT": str(publish_web(self.web_root, self.root / "www")),
        }

    def _args(self) -> list[str]:
        return [nginx_bin(), "-p", str(self.root), "-c", str(self.conf), "-e", str(self.logs / "error.log")]

    def write(self) -> Path:
        """Render the configuration and check it with `nginx -t`; the config file."""
        for sub in ("logs", "run"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.conf.write_text(render(self.values()))
        done = subprocess.run([*self._args(), "-t", "-q"], capture_output=True, text=True)  # noqa: S603
        if done.returncode != 0:
            raise StackError(f"nginx -t refused {self.conf}:\n{done.stderr}")
        return self.conf

    def start(self) -> None:
        """Render, check and start Nginx in the foreground (daemon off); return once it listens."""
        self.write()
        self.proc = spawn([*self._args(), "-g", "daemon off;"], self.logs / "nginx.out")
        wait_port(self.proc, self.port, "nginx", self.logs / "error.log")
        wait_port(self.proc, self.metrics_port, "nginx", self.logs / "error.log")

    def stop(self) -> None:
        """Graceful shutdown (SIGQUIT): requests in flight finish."""
        if self.proc is not None:
            stop([self.proc], signal.SIGQUIT)
            self.proc = None

"""scripts/web-e2e: starts the real stack, runs the command with BASE_URL and the admin, stops it all after."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.paths import SCRIPTS
from tests.support.web import INDEX, nginx_or_skip, write_dist

if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

from oms_stack.e2e import DEFAULT_COMMAND, command_for  # scripts/ is not a package on the path
from oms_stack.nginx import publish_web

HARNESS = SCRIPTS / "web-e2e"
ADMIN, ADMIN_PASSWORD = "e2e-boss", "e2e-boss-password-1"

PROBE = """
import json, os, sys, urllib.request
base = os.environ["BASE_URL"]
def get(path, accept="text/html"):
    request = urllib.request.Request(base + path, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return reply.status, reply.read().decode(), dict(reply.headers)
body = json.dumps({"username": os.environ["OMS_ADMIN_USERNAME"], "password": os.environ["OMS_ADMIN_PASSWORD"]})
login = urllib.request.Request(base + "/api/v1/auth/login", data=body.encode(),
                               headers={"Content-Type": "application/json"})
with urllib.request.urlopen(login, timeout=10) as reply:
    role = json.loads(urllib.request.urlopen(urllib.request.Request(
        base + "/api/v1/users/me",
        headers={"Authorization": "Bearer " + json.loads(reply.read())["access_token"]})).read())["role"]
report = {"base": base, "args": sys.argv[2:], "cwd": os.getcwd(), "page": get("/courses/x"),
          "ready": get("/readyz", "*/*")[0], "role": role}
open(sys.argv[1], "w").write(json.dumps(report))
sys.exit(7)
"""


def harness_env(dist: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
    env.update(
        OMS_WEB_DIST=str(dist),
        OMS_ADMIN_USERNAME=ADMIN,
        OMS_ADMIN_PASSWORD=ADMIN_PASSWORD,
        OMS_ARGON2_TIME_COST="1",
        OMS_ARGON2_MEMORY_KIB="1024",
    )
    return env


def kept_root(stderr: str) -> Path:
    found = re.search(r"logs are in (\S+)", stderr)
    assert found, stderr
    return Path(found.group(1))


def port_closed(base: str) -> bool:
    host, port = base.removeprefix("http://").split(":")
    with socket.socket() as sock:
        return sock.connect_ex((host, int(port))) != 0


def test_the_default_command_is_playwright_in_web_with_args_passed_through() -> None:
    command, cwd = command_for(["--project", "en", "-g", "login"])
    assert command == [*DEFAULT_COMMAND, "--project", "en", "-g", "login"]
    assert DEFAULT_COMMAND[0].endswith("scripts/with-node") and DEFAULT_COMMAND[1:] == [
        "npx",
        "playwright",
        "test",
    ]
    assert cwd.name == "web"
    assert command_for(["--", "echo", "hi"]) == (["echo", "hi"], Path.cwd())


def test_nginx_serves_the_build_or_a_page_saying_how_to_make_it(tmp_path: Path) -> None:
    dist = write_dist(tmp_path / "built")
    assert publish_web(dist, tmp_path / "www") == dist.resolve()
    for missing in (tmp_path / "not-built", None):
        stand_in = publish_web(missing, tmp_path / "www")
        assert "make web" in (stand_in / "index.html").read_text()
        assert stand_in.is_relative_to(tmp_path / "www")


def test_without_a_build_it_says_so(tmp_path: Path) -> None:
    done = subprocess.run(  # noqa: S603
        [str(HARNESS), "--", "true"], env=harness_env(tmp_path / "none"), capture_output=True, text=True
    )
    assert done.returncode == 2 and "make web" in done.stderr


def test_runs_the_command_against_the_stack_and_stops_it(tmp_path: Path) -> None:
    nginx_or_skip()
    dist, report = write_dist(tmp_path), tmp_path / "report.json"
    done = subprocess.run(  # noqa: S603
        [str(HARNESS), "--", sys.executable, "-c", PROBE, str(report), "extra", "--flag"],
        env=harness_env(dist),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=240,
    )
    assert done.returncode == 7, done.stderr  # the command's exit code
    seen = json.loads(report.read_text())
    assert seen["args"] == ["extra", "--flag"] and seen["cwd"] == str(tmp_path)
    status, page, headers = seen["page"]
    assert status == 200 and page == INDEX  # Nginx serves the dist, SPA fallback included
    assert (
        headers["Cache-Control"] == "no-cache" and "script-src 'self'" in headers["Content-Security-Policy"]
    )
    assert seen["ready"] == 200 and seen["role"] == "admin"  # the admin of the environment exists
    assert port_closed(seen["base"])  # everything stopped
    root = kept_root(done.stderr)  # a failed run keeps its logs
    assert (root / "logs").is_dir()
    shutil.rmtree(root)


def test_ctrl_c_stops_everything(tmp_path: Path) -> None:
    nginx_or_skip()
    dist, marker = write_dist(tmp_path), tmp_path / "started"
    wait = (
        f"import os, time; open({str(marker)!r}, 'w').write(os.environ['BASE_URL'] + ' ' + str(os.getpid())); "
        "time.sleep(120)"
    )
    harness = subprocess.Popen(  # noqa: S603
        [str(HARNESS), "--", sys.executable, "-c", wait],
        env=harness_env(dist),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while not marker.exists() or not marker.read_text():
            assert harness.poll() is None and time.monotonic() < deadline, "the stack did not start"
            time.sleep(0.2)
        base, pid = marker.read_text().split()
        assert not port_closed(base)
        harness.send_signal(signal.SIGINT)
        _, stderr = harness.communicate(timeout=60)
    finally:
        if harness.poll() is None:
            harness.kill()
    assert harness.returncode == 130, stderr
    assert port_closed(base)
    with pytest.raises(ProcessLookupError):  # the command was stopped too
        os.kill(int(pid), 0)
    shutil.rmtree(kept_root(stderr))

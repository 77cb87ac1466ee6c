"""A built web app for tests (a small dist directory) and Nginx for the tests that put it in front."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from oms_stack.nginx import nginx_bin  # scripts/ is on pytest's pythonpath

from oms.cli.devstack import StackError

INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-3f2a.js"></script></head></html>'


def write_dist(root: Path) -> Path:
    """A small build: index.html, a hashed script and stylesheet, a favicon, and Vite's hidden manifest."""
    dist = root / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / ".vite").mkdir()
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "app-3f2a.js").write_text("console.log('app');\n" * 200)
    (dist / "assets" / "app-9c1d.css").write_text("body{margin:0}\n")
    (dist / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (dist / ".vite" / "manifest.json").write_text("{}")
    (root / "secret.txt").write_text("outside the dist directory")
    return dist


def nginx_or_skip() -> None:
    """Install nginx from Debian's packages when missing (as CI does); skip only if that is impossible."""
    try:
        nginx_bin()
        return
    except StackError:
        pass
    apt = shutil.which("apt-get")
    if os.geteuid() != 0 or not apt:
        pytest.skip("nginx is not installed and cannot be installed here (needs root and apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run([apt, "update", "-qq"], capture_output=True, text=True, env=env)  # noqa: S603
    if done.returncode == 0:
        done = subprocess.run([apt, "install", "-y", "-qq", "nginx"], capture_output=True, text=True, env=env)  # noqa: S603
    if done.returncode != 0:
        pytest.skip(f"nginx could not be installed: {done.stderr[-500:]}")

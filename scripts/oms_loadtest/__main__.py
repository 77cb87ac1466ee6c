"""`scripts/loadtest`: the mixed workload through Nginx (default), or `figures` for docs/performance.md.

scripts/loadtest [--url http://127.0.0.1:8080] [--users 64] [--duration 30] [--csv var/loadtest/mixed.csv]
scripts/loadtest figures [--duration 15]    # starts its own stacks; needs wrk
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path
from urllib.parse import urlparse

from oms_loadtest import mixed
from oms_loadtest.http import HttpError

MAX_SECONDS = 600


def loopback_port(url: str) -> tuple[str, int]:
    """(host, port) of a loopback URL; SystemExit for anything else (this tool never leaves the machine)."""
    parsed = urlparse(url)
    host = parsed.hostname or ""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local or parsed.scheme != "http":
        raise SystemExit(f"refusing {url}: the load test only targets http://127.0.0.1 (loopback)")
    return "127.0.0.1" if host == "localhost" else host, parsed.port or 80


def admin_credentials(user: str | None, password: str | None) -> tuple[str, str]:
    """The admin who creates the courses: options, else OMS_ADMIN_*, else the stack's generated password."""
    user = user or os.environ.get("OMS_ADMIN_USERNAME") or "admin"
    password = password or os.environ.get("OMS_ADMIN_PASSWORD")
    if not password:
        stored = Path(os.environ.get("STACK_DIR", "var/stack")) / "admin-password"
        if not stored.exists():
            raise SystemExit(f"no admin password: pass --admin-password or run `make stack` first ({stored})")
        password = stored.read_text().strip()
    return user, password


def print_rows(rows: list[dict[str, object]]) -> None:
    """The summary table."""
    print(
        f"{'kind':<16} {'requests':>9} {'req/s':>8} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses"
    )
    for r in rows:
        print(
            f"{r['kind']!s:<16} {r['requests']:>9} {r['rps']:>8} {r['errors']:>7} "
            f"{r['p50_ms']:>8} {r['p95_ms']:>8} {r['p99_ms']:>8}  {r['error_statuses']}"
        )


async def mixed_load(
    url: str, users: int, seconds: float, courses: int, admin: tuple[str, str], keep: bool = False
) -> tuple[list[dict[str, object]], list[mixed.Sample]]:
    """Set up and run the mixed workload against `url`; the summary rows (and the samples' CSV)."""
    host, port = loopback_port(url)
    made, people = await mixed.setup(host, port, admin, users, courses)
    print(f"set up {len(made)} courses and {len(people)} users; running {seconds:.0f} s ...", flush=True)
    samples = await mixed.run(people, made, seconds)
    if not keep:
        await mixed.archive(host, port, admin, made)
    return mixed.summarise(samples, seconds), samples


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["figures"]:
        from oms_loadtest.figures import main as figures

        return figures(argv[1:])
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    port = os.environ.get("STACK_PORT", "8080")
    parser.add_argument("--url", default=f"http://127.0.0.1:{port}", help="the stack's Nginx (loopback only)")
    parser.add_argument("--users", type=int, default=64, help="concurrent virtual users")
    parser.add_argument("--duration", type=float, default=30, help=f"seconds of load (at most {MAX_SECONDS})")
    parser.add_argument("--courses", type=int, default=20, help="courses to create first")
    parser.add_argument("--csv", type=Path, default=Path("var/loadtest/mixed.csv"), help="summary CSV")
    parser.add_argument("--keep", action="store_true", help="leave the courses published afterwards")
    parser.add_argument("--admin-user")
    parser.add_argument("--admin-password")
    args = parser.parse_args(argv)
    if not 0 < args.duration <= MAX_SECONDS or not 0 < args.users <= 1000:
        parser.error(f"--duration must be in (0, {MAX_SECONDS}] and --users in (0, 1000]")
    admin = admin_credentials(args.admin_user, args.admin_password)
    try:
        rows, samples = mixed.run_async(
            mixed_load(args.url, args.users, args.duration, args.courses, admin, args.keep)
        )
    except (OSError, HttpError, mixed.SetupError) as exc:
        print(f"setup failed against {args.url}: {exc} (is `make stack` running?)", file=sys.stderr)
        return 1
    print_rows(rows)
    for error in mixed.transport_errors(samples):
        print(f"no reply: {error}")
    print(f"CSV: {mixed.write_csv(rows, samples, args.csv)} (+ per-second history beside it)")
    return 1 if rows[-1]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

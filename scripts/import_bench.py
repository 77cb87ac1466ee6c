"""The bulk import benchmark: the figures of docs/performance.md, "Bulk import".

Starts its own servers (SecantusDB on disk, as under `make run`; a private redis-server; `oms serve`),
then measures through HTTP:
1. importing N courses × K sections (NDJSON) into an empty database, then re-importing the same file: times,
   the report, and what the server wrote (serverStatus opcounters); `--rounds` times, medians reported;
2. creating the same courses one by one (`POST /courses`, one request each, one after the other);
3. importing a ~100 MB NDJSON file into a freshly started API process: its peak RSS growth (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from oms_tools.catalogue import catalogue, write
from oms_tools.procs import serve_api
from pymongo import MongoClient

from oms.cli.devstack import Stack, free_port

ADMIN, PASSWORD = "bench-admin", "bench-password-1"
API = "/api/v1"


@dataclass
class Api:
    """One `oms serve` process."""

    proc: subprocess.Popen[bytes]
    base: str

    def rss_kib(self, field: str = "VmRSS") -> int:
        """A memory figure of the process from /proc (VmRSS now, VmHWM the peak so far), in KiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise RuntimeError(f"{field} not in /proc/{self.proc.pid}/status")

    def stop(self) -> None:
        """Stop the server politely."""
        self.proc.terminate()
        self.proc.wait(timeout=30)


def start_api(env: dict[str, str], log: Path) -> Api:
    """`oms serve` on a free port, once it answers /readyz."""
    return Api(*serve_api(env, log))


def token(client: httpx.Client) -> dict[str, str]:
    reply = client.post(f"{API}/auth/login", json={"username": ADMIN, "password": PASSWORD})
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def post_file(client: httpx.Client, headers: dict[str, str], path: Path) -> tuple[float, dict[str, Any]]:
    """POST the file as streamed NDJSON; (seconds, report)."""

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as file:
            while chunk := file.read(1 << 20):
                yield chunk

    started = time.perf_counter()
    reply = client.post(
        f"{API}/admin/courses/import",
        content=chunks(),
        headers={
            **headers,
            "Content-Type": "application/x-ndjson",
            "Content-Length": str(path.stat().st_size),
        },
        timeout=3600,
    )
    elapsed = time.perf_counter() - started
    reply.raise_for_status()
    report: dict[str, Any] = reply.json()
    return elapsed, report


def writes(mongo: MongoClient[dict[str, Any]]) -> int:
    """Inserts + updates + deletes the database server has executed so far."""
    counters = mongo.admin.command("serverStatus")["opcounters"]
    return int(counters["insert"] + counters["update"] + counters["delete"])


def one_by_one(client: httpx.Client, headers: dict[str, str], path: Path, limit: int) -> tuple[float, int]:
    """POST /courses for the first `limit` courses of the file, one request each; (seconds, count)."""
    started, count = time.perf_counter(), 0
    with path.open("rb") as file:
        for line in file:
            if count >= limit:
                break
            reply = client.post(
                f"{API}/courses", content=line, headers={**headers, "Content-Type": "application/json"}
            )
            reply.raise_for_status()
            count += 1
    return time.perf_counter() - started, count


def import_round(
    client: httpx.Client, headers: dict[str, str], source: Path, mongo: MongoClient[dict[str, Any]], n: int
) -> dict[str, Any]:
    """Into an empty collection: import the file, then import it again; times and what the second wrote."""
    courses = mongo.oms_bench.courses
    courses.delete_many({})
    imported, first = post_file(client, headers, source)
    assert first["created"] == n and first["failed"] == 0, first["failed"]
    before = writes(mongo)
    stamp = list(courses.find({}, {"updated_at": 1, "version": 1}).sort("_id"))
    reimported, second = post_file(client, headers, source)
    after = list(courses.find({}, {"updated_at": 1, "version": 1}).sort("_id"))
    return {
        "import_s": round(imported, 2),
        "reimport_s": round(reimported, 2),
        "reimport_ratio": round(reimported / imported, 3),
        "reimport_writes": writes(mongo) - before,
        "reimport_unchanged": second["unchanged"],
        "reimport_changed_docs": sum(a != b for a, b in zip(stamp, after, strict=True)),
        "load_average": round(os.getloadavg()[0], 1),
    }


def peak_sampler(api: Api, stop: threading.Event, peak: list[int]) -> None:
    """Keep the highest RSS seen (VmHWM also records it; sampling shows it was not a blip at start-up)."""
    while not stop.is_set():
        peak[0] = max(peak[0], api.rss_kib())
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--sections", type=int, default=5)
    parser.add_argument(
        "--one-by-one", type=int, default=None, help="courses created one by one (default all)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="import + re-import rounds (medians reported)")
    parser.add_argument("--big-mb", type=int, default=100, help="size of the memory test file (0: skip)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the files and server logs (printed path)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="oms-import-bench-"))
    stack = Stack()
    results: dict[str, Any] = {
        "courses": args.courses,
        "sections": args.sections,
        "load_average_start": round(os.getloadavg()[0], 1),
    }
    api: Api | None = None
    try:
        mongo_url = stack.start_mongo(free_port(), root / "mongo", root / "mongo.log")
        redis_url = stack.start_redis(free_port(), root / "redis", root / "redis.log")
        env = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")} | {
            "OMS_MONGODB_URL": f"{mongo_url}/oms_bench",
            "OMS_REDIS_URL": redis_url,
            "OMS_DATA_DIR": str(root),
            "OMS_JWT_SECRET": "bench-" + "x" * 40,
            "OMS_ADMIN_USERNAME": ADMIN,
            "OMS_ADMIN_PASSWORD": PASSWORD,
            "OMS_ARGON2_TIME_COST": "1",
            "OMS_ARGON2_MEMORY_KIB": "1024",
            "OMS_LOG_LEVEL": "WARNING",
            "OMS_SLOW_REQUEST_MS": "60000",
            "OMS_RECOMMENDER_REFRESH_S": "0",  # no recommender rebuilds competing for the CPU
            "OMS_IMPORT_MAX_BYTES": str((args.big_mb + 50) * 1024 * 1024),
        }
        mongo: MongoClient[dict[str, Any]] = MongoClient(mongo_url)
        courses = mongo.oms_bench.courses
        source = root / "catalogue.ndjson"
        with source.open("wb") as out:
            results["file_mb"] = round(
                write(out, catalogue(args.courses, args.sections, 600, 1), "ndjson") / 1e6, 1
            )
        api = start_api(env, root / "api.log")
        with httpx.Client(base_url=api.base, timeout=120) as client:
            headers = token(client)
            rounds = [import_round(client, headers, source, mongo, args.courses) for _ in range(args.rounds)]
            results["rounds"] = rounds
            for key in (
                "import_s",
                "reimport_s",
                "reimport_ratio",
                "reimport_writes",
                "reimport_changed_docs",
            ):
                results[key] = statistics.median(r[key] for r in rounds)
            courses.delete_many({})
            limit = args.one_by_one or args.courses
            elapsed, count = one_by_one(client, headers, source, limit)
            results["one_by_one_s"] = round(elapsed * args.courses / count, 2)
            results["one_by_one_measured"] = count
        api.stop()
        if args.big_mb:
            courses.delete_many({})
            big = root / "big.ndjson"
            body = int(args.big_mb * 1e6 / args.courses / (args.sections + 0.5))
            with big.open("wb") as out:
                results["big_file_mb"] = round(
                    write(out, catalogue(args.courses, args.sections, body, 2), "ndjson") / 1e6, 1
                )
            api = start_api(env, root / "api-big.log")
            with httpx.Client(base_url=api.base, timeout=120) as client:
                headers = token(client)
                baseline = api.rss_kib()
                stop, peak = threading.Event(), [baseline]
                sampler = threading.Thread(target=peak_sampler, args=(api, stop, peak))
                sampler.start()
                results["big_import_s"], report = post_file(client, headers, big)
                stop.set()
                sampler.join()
                assert report["created"] == args.courses, report["failed"]
                results["big_rss_before_mb"] = round(baseline / 1024, 1)
                results["big_peak_growth_mb"] = round(
                    (max(api.rss_kib("VmHWM"), peak[0]) - baseline) / 1024, 1
                )
            api.stop()
    finally:
        if api is not None and api.proc.poll() is None:
            api.stop()
        stack.stop()
        if args.keep:
            print(f"files and logs kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    if "big_import_s" in results:
        results["big_import_s"] = round(results["big_import_s"], 2)
    results["speedup"] = round(results["one_by_one_s"] / results["import_s"], 1)
    results["load_average_end"] = round(os.getloadavg()[0], 1)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

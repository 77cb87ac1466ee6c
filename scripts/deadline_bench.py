"""The database-deadline benchmark: the figures of docs/performance.md, "Database deadlines".

Starts its own servers (SecantusDB on disk, a private redis-server, one uvicorn worker of the API run as
production runs it, default settings), loads a catalogue and enrolls one student per client, then drives
32 keep-alive clients that each mix cached course reads (course pages, the popular list) with
database-bound requests (their enrollments, one enrollment) as fast as they can:

1. baseline: the database answering;
2. frozen: SecantusDB stopped with SIGSTOP (a hang: sockets open, nothing answers). A progress write is
   sent just before the freeze. Every database-bound reply must be 503 problem+json within the request
   deadline + 0.5 s; cached reads must keep answering 200;
3. thawed (SIGCONT): how long until /readyz says ok and a database-bound request succeeds, whether the
   write landed at most once (the enrollment's history), and a run where everything must answer 200
   (no worker left blocked).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from deadline_load import API, Phase, Sample, phase, run_load
from oms_bench.servers import Servers

from oms.config import Settings

PASSWORD = "bench-password-1"
DEFAULTS = Settings()
DEADLINE_S = DEFAULTS.request_deadline_ms / 1000


@dataclass
class Report:
    """Everything one run measured, and what it missed."""

    clients: int
    deadline_s: float
    frozen_s: float
    think_ms: float
    baseline: dict[str, Phase] = field(default_factory=dict)
    frozen: dict[str, Phase] = field(default_factory=dict)
    thawed: dict[str, Phase] = field(default_factory=dict)
    ready_after_thaw_s: float = 0.0
    database_after_thaw_s: float = 0.0
    write_before_freeze: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


class BenchServers(Servers):
    """The benchmark's servers; every client registers from loopback, so registration is not throttled."""

    def env(self, cache: bool = True) -> dict[str, str]:
        """The apps' environment: the defaults but for the registration limit."""
        return {**super().env(cache), "OMS_REGISTRATIONS_PER_ADDRESS": "100000"}


def setup(servers: Servers, base: str, clients: int, courses: int) -> tuple[list[dict[str, str]], list[str]]:
    """A published catalogue (imported with `oms import-courses`), one enrolled student per client."""
    catalogue = servers.root / "catalogue.ndjson"
    with catalogue.open("w") as out:
        for i in range(courses):
            sections = [{"title": f"Part {j}", "body": "text", "duration_minutes": 5} for j in range(3)]
            item = {"slug": f"bench-{i}", "name": f"Course {i}", "status": "published", "sections": sections}
            out.write(json.dumps(item) + "\n")
    servers.oms("import-courses", str(catalogue))
    students = []
    with httpx.Client(base_url=base + API, timeout=30) as http:
        ids = [c["id"] for c in http.get("/courses", params={"limit": 100}).json()["items"]]
        for i in range(clients):
            name = f"bench-student-{i}"
            assert (
                http.post("/auth/register", json={"username": name, "password": PASSWORD}).status_code == 201
            )
            token = http.post("/auth/login", json={"username": name, "password": PASSWORD}).json()[
                "access_token"
            ]
            headers = {"Authorization": f"Bearer {token}"}
            course = ids[i % len(ids)]
            enrollment = http.post(f"/courses/{course}/enrollments", headers=headers).json()
            students.append({"token": token, "enrollment": enrollment["id"], "course": course})
        for _ in range(3):  # warm: a miss, a Redis hit, then pages held in the process
            for course in ids:
                http.get(f"/courses/{course}")
            http.get("/courses/popular")
    return students, ids


def sections_of(base: str, student: dict[str, str]) -> list[str]:
    """The section ids of the student's course."""
    with httpx.Client(base_url=base + API, timeout=30) as http:
        course = http.get(f"/courses/{student['course']}").json()
    return [str(s["section_id"]) for s in course["sections"]]


def write_latency(base: str, student: dict[str, str], section: str) -> float:
    """How long a progress write takes with the database answering (marked and unmarked again)."""
    headers = {"Authorization": f"Bearer {student['token']}"}
    path = f"/enrollments/{student['enrollment']}/progress"
    with httpx.Client(base_url=base + API, timeout=30) as http:
        times = []
        for completed in (True, False, True, False):
            started = time.perf_counter()
            http.post(path, json={"section_id": section, "completed": completed}, headers=headers)
            times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def wait_until(check: Any, limit: float = 30.0) -> float:
    """Seconds until `check()` is true (polled every 20 ms)."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        try:
            if check():
                return time.perf_counter() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    return float("inf")


def measure(args: argparse.Namespace) -> Report:
    """Start the servers, run the three phases, stop everything; the judged report."""
    think_s = args.think_ms / 1000
    report = Report(clients=args.clients, deadline_s=DEADLINE_S, frozen_s=args.frozen, think_ms=args.think_ms)
    root = Path(tempfile.mkdtemp(prefix="oms-deadlines-"))
    servers = BenchServers(root)
    try:
        servers.start_databases()
        app = servers.start_app("deadlines", cache=True)
        servers.wait_ready(app)
        students, courses = setup(servers, app.base, args.clients, args.courses)
        report.baseline = {
            k: phase(run_load(app.port, students, courses, args.baseline, think_s), k)
            for k in ("cached", "db")
        }

        writer = students[0]
        first, second = sections_of(app.base, writer)[:2]
        section = first
        lead = write_latency(app.base, writer, second) * 0.7  # freeze when the write is about to go out
        assert servers.mongo is not None
        pid = servers.mongo.pid
        outcome: dict[str, Any] = {}
        frozen = threading.Event()

        def freeze() -> None:
            os.kill(pid, signal.SIGSTOP)
            frozen.set()

        def write_then_freeze() -> None:  # the write is on the wire when the database stops
            with httpx.Client(base_url=app.base + API, timeout=30) as http:
                started = time.perf_counter()
                thread = threading.Timer(lead, freeze)
                thread.start()
                reply = http.post(
                    f"/enrollments/{writer['enrollment']}/progress",
                    json={"section_id": section, "completed": True},
                    headers={"Authorization": f"Bearer {writer['token']}"},
                )
                outcome.update(
                    status=reply.status_code,
                    seconds=round(time.perf_counter() - started, 3),
                    froze_after_s=round(lead, 4),
                )

        loaded: list[list[Sample]] = []
        load = threading.Thread(
            target=lambda: loaded.append(run_load(app.port, students, courses, args.frozen, think_s))
        )
        write = threading.Thread(target=write_then_freeze)
        write.start()
        frozen.wait(10)  # the load begins once the database is stopped
        load.start()
        load.join()
        write.join()
        os.kill(pid, signal.SIGCONT)
        thawed = time.perf_counter()
        with httpx.Client(base_url=app.base, timeout=10) as http:
            wait_until(lambda: http.get("/readyz").status_code == 200)
            report.ready_after_thaw_s = round(time.perf_counter() - thawed, 3)
            headers = {"Authorization": f"Bearer {writer['token']}"}
            wait_until(lambda: http.get(f"{API}/me/enrollments", headers=headers).status_code == 200)
            report.database_after_thaw_s = round(time.perf_counter() - thawed, 3)
            history = http.get(f"{API}/enrollments/{writer['enrollment']}", headers=headers).json()["history"]
            landed = sum(e["event"] == "section_completed" and e["section_id"] == section for e in history)
            outcome["times_applied"] = landed
        report.write_before_freeze = outcome
        report.frozen = {k: phase(loaded[0], k) for k in ("cached", "db")}
        report.thawed = {
            k: phase(run_load(app.port, students, courses, args.after, think_s), k) for k in ("cached", "db")
        }
    finally:
        try:
            if servers.mongo is not None:
                os.kill(servers.mongo.pid, signal.SIGCONT)
        except OSError:
            pass
        servers.stop()
    judge(report)
    return report


def judge(report: Report) -> None:
    """What makes the run fail (the figures the issue asks for)."""
    db, cached = report.frozen["db"], report.frozen["cached"]
    if db.status_503_problem != db.requests:
        report.failures.append(
            f"{db.requests - db.status_503_problem} database-bound replies not 503 problem+json"
        )
    if db.max_ms > (report.deadline_s + 0.5) * 1000:
        report.failures.append(f"a database-bound reply took {db.max_ms} ms (deadline + 0.5 s)")
    if cached.ok_200 != cached.requests or cached.p99_ms > 50:
        report.failures.append(f"cached reads: {cached.ok_200}/{cached.requests} 200, p99 {cached.p99_ms} ms")
    if report.ready_after_thaw_s > 2:
        report.failures.append(f"ready {report.ready_after_thaw_s} s after the thaw")
    if report.write_before_freeze.get("times_applied", 0) > 1:
        report.failures.append("the write sent before the freeze was applied twice")
    after = report.thawed
    if any(after[k].ok_200 != after[k].requests for k in after):
        report.failures.append("after the thaw, not every request answered 200")


def main() -> None:
    """Parse the options, measure, print (and write) the report; exit 1 when a figure is missed."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--courses", type=int, default=50)
    parser.add_argument("--baseline", type=float, default=3.0, help="seconds of load before the freeze")
    parser.add_argument("--frozen", type=float, default=6.0, help="seconds the database stays frozen")
    parser.add_argument("--after", type=float, default=3.0, help="seconds of load after the thaw")
    parser.add_argument(
        "--think-ms", type=float, default=50, help="each client's pause after a reply (0: flat out)"
    )
    parser.add_argument("--json", type=Path, help="write the report here too")
    args = parser.parse_args()
    report = measure(args)
    text = json.dumps(asdict(report), indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    sys.exit(1 if report.failures else 0)


if __name__ == "__main__":
    main()

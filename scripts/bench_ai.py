"""Latency of the AI endpoints over real HTTP (see docs/ai.md, "Figures"): run by scripts/bench-ai.

Starts SecantusDB and redis-server, seeds 1,000 courses (the first 1,000 of the COCO catalogue in the
folder `--data` names, or evaluation's generated catalogue with `--generated`) with their learners' enrollments, a student with 20 enrollments
and progress histories, builds the recommender with `oms rebuild-recommender`, then times sequential
requests against `oms serve`: advice (offline, cache miss and hit), recommendations, and advice while the
LLM provider never answers (a local server that sleeps), which must come back within timeout + 200 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import redis
from bson import ObjectId
from oms_tools.catalogue import stored_course, stored_enrollment
from oms_tools.procs import serve_api
from pymongo import MongoClient
from pymongo.database import Database

from oms.cli.devstack import Stack, free_port
from oms.services.ai import evaluation

DB = "oms_bench_ai"
COURSES, ENROLLED, SECTIONS = 1000, 20, 8


def seed(mongo_url: str, dataset: evaluation.Dataset) -> list[ObjectId]:
    """Courses and other learners' enrollments; the ids of the courses."""
    rng = random.Random(5)  # reproducible data
    now = datetime.now(UTC)
    db: Database[dict[str, Any]] = MongoClient(mongo_url)[DB]
    courses = [
        stored_course(
            {
                "slug": f"bench-{i}",
                "name": text.name[:200] or f"course {i}",
                "tags": [t[:40].lower() for t in text.tags[:8]],
                "sections": [
                    {
                        "title": f"{text.name} part {k + 1}"[:200],
                        "duration_minutes": rng.choice([10, 15, 20, 30, 45]),
                    }
                    for k in range(SECTIONS)
                ],
            },
            now,
        )
        for i, text in enumerate(dataset.courses[:COURSES])
    ]
    db.courses.insert_many(courses)
    ids = [c["_id"] for c in courses]
    users: dict[int, ObjectId] = {}
    rows = []
    for user, item, _ in dataset.interactions:
        if item < len(ids):
            uid = users.setdefault(user, ObjectId())
            rows.append(stored_enrollment(uid, ids[item], now - timedelta(days=rng.randint(0, 60))))
    unique = list({(r["user_id"], r["course_id"]): r for r in rows}.values())
    db.enrollments.insert_many(unique)
    print(
        f"seeded {len(courses)} courses, {len(unique)} enrollments of {len(users)} learners ({dataset.source})"
    )
    return ids


def give_history(mongo_url: str, user_id: str, course_ids: list[ObjectId]) -> None:
    """Enroll the bench student in 20 courses, each with a few completed sections over the last weeks."""
    db: Database[dict[str, Any]] = MongoClient(mongo_url)[DB]
    rng = random.Random(9)
    now = datetime.now(UTC)
    for cid in rng.sample(course_ids, ENROLLED):
        course = db.courses.find_one({"_id": cid})
        assert course is not None
        start = now - timedelta(days=rng.randint(10, 50))
        done = [s["section_id"] for s in course["sections"][: rng.randint(0, SECTIONS - 1)]]
        history = [{"at": start, "event": "enrolled", "section_id": None, "progress": 0.0}]
        for k, sid in enumerate(done):
            at = start + (now - start) * (k + 1) / (len(done) + 1)
            history.append({"at": at, "event": "section_completed", "section_id": sid,
                            "progress": round((k + 1) / SECTIONS * 100, 4)})  # fmt: skip
        db.enrollments.insert_one(
            {"user_id": ObjectId(user_id), "course_id": cid, "status": "active",
             "progress": round(len(done) / SECTIONS * 100, 4), "completed_sections": done, "history": history,
             "enrolled_at": start, "updated_at": history[-1]["at"]}
        )  # fmt: skip


class Silent(BaseHTTPRequestHandler):
    """An OpenAI-compatible provider that never answers in time."""

    def do_POST(self) -> None:
        time.sleep(60)

    def log_message(self, *args: Any) -> None:
        pass


def serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`oms serve` on a free port, once ready: the process and its port."""
    proc, base = serve_api(env, log)
    return proc, int(base.rsplit(":", 1)[1])


def timed(c: httpx.Client, url: str, headers: dict[str, str], before: Any = None) -> tuple[float, Any]:
    if before:
        before()
    start = time.perf_counter()
    reply = c.get(url, headers=headers)
    elapsed = (time.perf_counter() - start) * 1000
    assert reply.status_code == 200, reply.text
    return elapsed, reply.json()


def summary(name: str, samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return (
        f"{name:<44} n={len(samples):<4} p50={q[49]:7.1f} ms  p95={q[94]:7.1f} ms  max={max(samples):7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--data", type=Path, help="folder of the COCO files (coco_train.txt or train.txt, ...)"
    )
    source.add_argument("--generated", action="store_true", help="use the generated catalogue instead")
    parser.add_argument("-n", type=int, default=300, help="requests per measurement")
    args = parser.parse_args()
    dataset = evaluation.load(args.data, generated=args.generated)
    if args.data is not None and dataset.source.startswith("generated"):
        parser.error(f"no COCO files in {args.data}")
    work = Path(tempfile.mkdtemp(prefix="oms-bench-ai-"))
    stack, procs = Stack(), []
    try:
        mongo = stack.start_mongo(free_port(), ":memory:", work / "mongo.log")
        redis_url = stack.start_redis(free_port(), work / "redis", work / "redis.log")
        course_ids = seed(mongo, dataset)
        env = {**os.environ, "OMS_MONGODB_URL": f"{mongo}/{DB}", "OMS_REDIS_URL": redis_url,
               "OMS_JWT_SECRET": secrets.token_urlsafe(48), "OMS_RECOMMENDER_REFRESH_S": "0",
               "OMS_LOG_LEVEL": "WARNING", "OMS_DATA_DIR": str(work)}  # fmt: skip
        for key in ("OMS_AI_BASE_URL", "OMS_AI_API_KEY", "OMS_AI_MODEL"):
            env.pop(key, None)
        proc, port = serve(env, work / "api.log")
        procs.append(proc)
        base = f"http://127.0.0.1:{port}/api/v1"
        c = httpx.Client(base_url=base, timeout=30)
        user = {"username": "benchstudent", "password": "bench-password-1"}
        user_id = c.post("/auth/register", json=user).json()["id"]
        headers = {"Authorization": f"Bearer {c.post('/auth/login', json=user).json()['access_token']}"}
        give_history(mongo, user_id, course_ids)
        build = subprocess.run(  # noqa: S603
            [str(Path(sys.executable).parent / "oms"), "rebuild-recommender"], env=env, check=True,
            capture_output=True, text=True,
        )  # fmt: skip
        print(build.stdout.strip())
        enrollments = c.get("/me/enrollments", params={"limit": 100}, headers=headers).json()["items"]
        assert len(enrollments) == ENROLLED
        r = redis.Redis.from_url(redis_url)

        def forget() -> None:
            keys = list(r.scan_iter("oms:ai:advice:*"))
            if keys:
                r.delete(*keys)

        urls = [
            f"/enrollments/{e['id']}/advice?lang={('en', 'zh')[i % 2]}" for i, e in enumerate(enrollments)
        ]
        cold = [timed(c, urls[i % len(urls)], headers, forget)[0] for i in range(args.n)]
        warm = [timed(c, urls[i % len(urls)], headers)[0] for i in range(args.n)]
        recs = [timed(c, "/me/recommendations?limit=10", headers) for _ in range(args.n)]
        print(summary("advice, offline, cache miss", cold))
        print(summary("advice, offline, cache hit", warm))
        print(summary(f"recommendations, {ENROLLED} enrollments, {COURSES} courses", [t for t, _ in recs]))
        print(
            "strategy:",
            recs[0][1]["strategy"],
            "| first:",
            [i["course"]["name"] for i in recs[0][1]["items"][:3]],
        )

        stub = ThreadingHTTPServer(("127.0.0.1", 0), Silent)
        stub.daemon_threads = True
        threading.Thread(target=stub.serve_forever, daemon=True).start()
        for timeout, n in ((1.0, 10), (8.0, 2)):
            llm_env = {**env, "OMS_AI_BASE_URL": f"http://127.0.0.1:{stub.server_address[1]}/v1",
                       "OMS_AI_API_KEY": "unused", "OMS_AI_MODEL": "silent", "OMS_AI_TIMEOUT_S": str(timeout),
                       "OMS_AI_QUOTA_PER_HOUR": "1000"}  # fmt: skip
            proc, port = serve(llm_env, work / f"api-llm-{timeout}.log")
            procs.append(proc)
            slow = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=60)
            samples = [timed(slow, urls[i], headers, forget) for i in range(n)]
            assert all(body["generated_by"] == "offline" for _, body in samples)
            worst = max(t for t, _ in samples)
            verdict = "within" if worst <= timeout * 1000 + 200 else "OVER"
            print(
                f"provider silent, timeout {timeout:.0f} s: n={n} max={worst:.0f} ms ({verdict} timeout + 200 ms)"
            )
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
        stack.stop()


if __name__ == "__main__":
    main()

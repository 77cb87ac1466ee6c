"""Latency of the AI endpoints over real HTTP (see docs/ai.md, "Figures"): run by scripts/bench-ai.

Starts SecantusDB and redis-server, seeds 1,000 courses (the COCO catalogue's first 1,000 when
--data DIR is given, else generated) with their learners' enrollments, a student with 20 enrollments
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
from pymongo import MongoClient

from oms.cli.devstack import Stack, free_port
from oms.services.ai import evaluation

DB = "oms_bench_ai"
COURSES, ENROLLED, SECTIONS = 1000, 20, 8


def seed(mongo_url: str, data: Path | None) -> list[ObjectId]:
    """Courses and other learners' enrollments; the ids of the courses."""
    dataset = evaluation.load(data, generated=data is None)
    rng = random.Random(5)  # reproducible data
    now = datetime.now(UTC)
    db = MongoClient(mongo_url)[DB]
    ids = [ObjectId() for _ in range(COURSES)]
    courses = []
    for i, (cid, text) in enumerate(zip(ids, dataset.courses[:COURSES], strict=False)):
        sections = [
            {"section_id": ObjectId(), "title": f"{text.name} part {k + 1}"[:200], "body": "", "order": k,
             "duration_minutes": rng.choice([10, 15, 20, 30, 45])}
            for k in range(SECTIONS)
        ]  # fmt: skip
        courses.append(
            {"_id": cid, "slug": f"bench-{i}", "name": text.name[:200] or f"course {i}", "description": "",
             "content": "", "tags": [t[:40].lower() for t in text.tags[:8]], "status": "published",
             "sections": sections, "created_at": now, "updated_at": now, "version": 1}
        )  # fmt: skip
    db.courses.insert_many(courses)
    users: dict[int, ObjectId] = {}
    rows = []
    for user, item, _ in dataset.interactions:
        if item < len(ids):
            uid = users.setdefault(user, ObjectId())
            at = now - timedelta(days=rng.randint(0, 60))
            rows.append(
                {"user_id": uid, "course_id": ids[item], "status": "active", "progress": 0.0,
                 "completed_sections": [], "history": [{"at": at, "event": "enrolled", "section_id": None,
                 "progress": 0.0}], "enrolled_at": at, "updated_at": at}
            )  # fmt: skip
    unique = list({(r["user_id"], r["course_id"]): r for r in rows}.values())
    db.enrollments.insert_many(unique)
    print(
        f"seeded {len(courses)} courses, {len(unique)} enrollments of {len(users)} learners ({dataset.source})"
    )
    return ids


def give_history(mongo_url: str, user_id: str, course_ids: list[ObjectId]) -> None:
    """Enroll the bench student in 20 courses, each with a few completed sections over the last weeks."""
    db = MongoClient(mongo_url)[DB]
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


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "oms"), "serve", "--port", str(port)],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"the API did not start; see {log}")


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
    parser.add_argument("--data", type=Path, default=None, help="COCO folder (default: generated data)")
    parser.add_argument("-n", type=int, default=300, help="requests per measurement")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="oms-bench-ai-"))
    stack, procs = Stack(), []
    try:
        mongo = stack.start_mongo(free_port(), ":memory:", work / "mongo.log")
        redis_url = stack.start_redis(free_port(), work / "redis", work / "redis.log")
        course_ids = seed(mongo, args.data)
        port = free_port()
        env = {**os.environ, "OMS_MONGODB_URL": f"{mongo}/{DB}", "OMS_REDIS_URL": redis_url,
               "OMS_JWT_SECRET": secrets.token_urlsafe(48), "OMS_RECOMMENDER_REFRESH_S": "0",
               "OMS_LOG_LEVEL": "WARNING", "OMS_DATA_DIR": str(work)}  # fmt: skip
        for key in ("OMS_AI_BASE_URL", "OMS_AI_API_KEY", "OMS_AI_MODEL"):
            env.pop(key, None)
        procs.append(serve(env, port, work / "api.log"))
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
            port = free_port()
            llm_env = {**env, "OMS_AI_BASE_URL": f"http://127.0.0.1:{stub.server_address[1]}/v1",
                       "OMS_AI_API_KEY": "unused", "OMS_AI_MODEL": "silent", "OMS_AI_TIMEOUT_S": str(timeout),
                       "OMS_AI_QUOTA_PER_HOUR": "1000"}  # fmt: skip
            procs.append(serve(llm_env, port, work / f"api-llm-{timeout}.log"))
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

"""The recommender on the whole COCO data (see docs/ai.md, "Figures"): run by scripts/bench-recommender.

Starts SecantusDB and redis-server, loads every COCO course (8,196) and interaction (92,403, each learner's
enrollment dated as in the data), then: `oms rebuild-recommender` --builds times in a row while --hogs
processes keep the CPU busy, checking after each that it succeeded, that no lease is left behind and that
no version other than the live one (and the one before) has rows; then, without the hogs, times
`GET /me/recommendations` for a student with 20 enrollments against `oms serve`, impression logging on,
and checks that the impressions reached MongoDB.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bson
import httpx
from bson import ObjectId
from pymongo import MongoClient
from pymongo.database import Database

from oms.cli.devstack import Stack, free_port
from oms.services.ai import evaluation, rows

DB = "oms_bench_recommender"
OMS = str(Path(sys.executable).parent / "oms")


def seed(mongo_url: str, data: Path) -> list[ObjectId]:
    """Every COCO course (published, tags from the knowledge graph) and every interaction."""
    dataset = evaluation.load(data)
    db: Database[dict[str, Any]] = MongoClient(mongo_url)[DB]
    now = datetime.now(UTC)
    ids = [ObjectId() for _ in dataset.courses]
    db.courses.insert_many(
        [
            {"_id": cid, "slug": f"coco-{i}", "name": text.name[:200] or f"course {i}", "description": "",
             "content": "", "tags": [t[:40].lower() for t in text.tags[:8]], "status": "published",
             "sections": [{"section_id": ObjectId(), "title": "Part 1", "body": "", "order": 0,
                           "duration_minutes": 10}],
             "created_at": now, "updated_at": now, "version": 1}
            for i, (cid, text) in enumerate(zip(ids, dataset.courses, strict=True))
        ]
    )  # fmt: skip
    users: dict[int, ObjectId] = {}
    rows = {}
    for user, item, ts in dataset.interactions:
        at = datetime.fromtimestamp(ts, UTC)
        uid = users.setdefault(user, ObjectId())
        rows[(uid, ids[item])] = {
            "user_id": uid, "course_id": ids[item], "status": "active", "progress": 0.0,
            "completed_sections": [], "history": [{"at": at, "event": "enrolled", "section_id": None,
            "progress": 0.0}], "enrolled_at": at, "updated_at": at,
        }  # fmt: skip
    db.enrollments.insert_many(list(rows.values()))
    print(f"loaded {len(ids)} courses, {len(rows)} enrollments of {len(users)} learners")
    return ids


def compute_only(data: Path) -> None:
    """Time the build's computation alone (no database): every COCO course and interaction in memory."""
    dataset = evaluation.load(data)
    ids = [ObjectId() for _ in dataset.courses]
    courses = [
        {"_id": cid, "name": t.name, "tags": list(t.tags), "status": "published", "sections": []}
        for cid, t in zip(ids, dataset.courses, strict=True)
    ]
    users: dict[int, ObjectId] = {}
    enrollments = [
        {"_id": ObjectId(), "user_id": users.setdefault(u, ObjectId()), "course_id": ids[i],
         "enrolled_at": datetime.fromtimestamp(ts, UTC)}
        for u, i, ts in dataset.interactions
    ]  # fmt: skip
    start = time.monotonic()
    built = rows.compute(courses, enrollments, datetime.now(UTC))
    size = sum(len(bson.encode(r)) for r in built["rows"])
    print(
        f"compute only: {len(courses)} courses, {len(enrollments)} interactions in "
        f"{time.monotonic() - start:.1f} s; {len(built['rows'])} rows, {size / 1e6:.1f} MB of BSON"
    )


def hog() -> None:
    """Keep one core busy."""
    x = 0
    while True:
        x = (x * 7 + 1) % 1_000_003


def builds(env: dict[str, str], mongo: str, count: int, hogs: int, work: Path) -> None:
    db: Database[dict[str, Any]] = MongoClient(mongo)[DB]
    burners = [multiprocessing.Process(target=hog, daemon=True) for _ in range(hogs)]
    for p in burners:
        p.start()
    times, failures = [], 0
    try:
        for n in range(count):
            start = time.monotonic()
            done = subprocess.run([OMS, "rebuild-recommender"], env=env, capture_output=True, text=True)  # noqa: S603
            elapsed = time.monotonic() - start
            state = db.recommender_state.find_one({"key": "current"}) or {}
            live = state.get("version", 0)
            stray = db.recommender_items.count_documents({"version": {"$nin": [live, live - 1]}})
            ok = done.returncode == 0 and state.get("lease_until") is None and stray == 0
            (work / f"build-{n + 1}.log").write_text(done.stdout + done.stderr)
            failures += not ok
            times.append(elapsed)
            print(
                f"build {n + 1}/{count}: {'ok' if ok else 'FAILED'} in {elapsed:.1f} s (command), "
                f"{done.stdout.strip() or done.stderr.strip()[-300:]}; lease "
                f"{'free' if state.get('lease_until') is None else 'HELD'}; rows outside live/previous: {stray}",
                flush=True,
            )
    finally:
        for p in burners:
            p.terminate()
    print(
        f"{count} builds with {hogs} CPU hogs: {count - failures} succeeded; command time median "
        f"{statistics.median(times):.1f} s, max {max(times):.1f} s"
    )


def latency(env: dict[str, str], mongo: str, course_ids: list[ObjectId], n: int, work: Path) -> None:
    port = free_port()
    log = (work / "api.log").open("wb")
    proc = subprocess.Popen(  # noqa: S603
        [OMS, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        c = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=30)
        user = {"username": "benchstudent", "password": "bench-password-1"}
        user_id = c.post("/auth/register", json=user).json()["id"]
        headers = {"Authorization": f"Bearer {c.post('/auth/login', json=user).json()['access_token']}"}
        db: Database[dict[str, Any]] = MongoClient(mongo)[DB]
        now = datetime.now(UTC)
        db.enrollments.insert_many(
            [
                {"user_id": ObjectId(user_id), "course_id": cid, "status": "active", "progress": 0.0,
                 "completed_sections": [], "history": [], "enrolled_at": now, "updated_at": now}
                for cid in course_ids[100:2000:95][:20]
            ]
        )  # fmt: skip
        for _ in range(120):  # warm up: the database may still be busy with the builds
            if c.get("/me/recommendations", params={"limit": 10}, headers=headers).status_code == 200:
                break
            time.sleep(1)
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            reply = c.get("/me/recommendations", params={"limit": 10}, headers=headers)
            samples.append((time.perf_counter() - start) * 1000)
            assert reply.status_code == 200 and reply.json()["impression_id"], reply.text
        time.sleep(2.5)  # the write-behind queue flushes every second
        stored = db.recommendation_impressions.count_documents({"user_id": ObjectId(user_id)})
        q = statistics.quantiles(samples, n=100)
        print(
            f"recommendations (20 enrollments, {len(course_ids)} courses, impression logging on): n={n} "
            f"p50={q[49]:.1f} ms p95={q[94]:.1f} ms max={max(samples):.1f} ms; impressions stored {stored}/{n}"
        )
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="folder of the COCO files")
    parser.add_argument("--builds", type=int, default=20, help="builds in a row")
    parser.add_argument("--hogs", type=int, default=2, help="CPU-burning processes during the builds")
    parser.add_argument("-n", type=int, default=300, help="recommendation requests to time")
    parser.add_argument("--compute-only", action="store_true", help="time the computation alone, no database")
    args = parser.parse_args()
    if args.compute_only:
        compute_only(args.data)
        return
    work = Path(tempfile.mkdtemp(prefix="oms-bench-rec-"))
    stack = Stack()
    try:
        mongo = stack.start_mongo(free_port(), ":memory:", work / "mongo.log")
        redis_url = stack.start_redis(free_port(), work / "redis", work / "redis.log")
        env = {**os.environ, "OMS_MONGODB_URL": f"{mongo}/{DB}", "OMS_REDIS_URL": redis_url,
               "OMS_JWT_SECRET": secrets.token_urlsafe(48), "OMS_RECOMMENDER_REFRESH_S": "0",
               "OMS_LOG_LEVEL": "WARNING", "OMS_DATA_DIR": str(work)}  # fmt: skip
        subprocess.run([OMS, "migrate"], env=env, check=True, capture_output=True)  # noqa: S603  # indexes first
        course_ids = seed(mongo, args.data)
        builds(env, mongo, args.builds, args.hogs, work)
        if args.n:
            latency(env, mongo, course_ids, args.n, work)
        print(f"logs in {work}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()

"""The benchmark's data: the generated catalogue (oms_tools.catalogue), all published, with students and
Zipf-skewed enrollments, written straight into MongoDB with bulk inserts (validators must be installed)."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from oms_tools.catalogue import course, stored_course, stored_enrollment
from pymongo import MongoClient

SECTIONS, BODY_BYTES = 8, 440  # about the size of a real course page


@dataclass
class Catalogue:
    """What was inserted, for building request paths and checking replies."""

    courses: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> (name, sections)
    students: int = 0
    enrollments: int = 0


def generate(
    mongo_url: str, database: str, courses: int = 1000, students: int = 300, enrollments: int = 5000
) -> Catalogue:
    """Insert published courses of 8 sections, students, and enrollments over the last 30 days.

    Course popularity is skewed (Zipf-like), so rankings have a clear top; each (student, course) once.
    """
    rng = random.Random(20240611)
    now = datetime.now(UTC).replace(microsecond=0)
    course_docs = [
        # distinct creation times, so `newest` pages are stable
        stored_course(
            {**course(n, SECTIONS, BODY_BYTES, rng), "status": "published"},
            now - timedelta(days=90, minutes=n),
        )
        for n in range(1, courses + 1)
    ]
    user_ids = [ObjectId() for _ in range(students)]
    user_docs = [
        {
            "_id": user_ids[n - 1],
            "username": f"bench{n:04d}",
            "display_name": f"Bench student {n}",
            "password_hash": "!bench-no-login",
            "role": "student",
            "disabled": False,
            "created_at": now - timedelta(days=60),
            "updated_at": now - timedelta(days=60),
        }
        for n in range(1, students + 1)
    ]
    cumulative = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(courses)))
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < min(enrollments, courses * students):
        pairs.add((rng.randrange(students), rng.choices(range(courses), cum_weights=cumulative)[0]))
    enrollment_docs = [
        stored_enrollment(
            user_ids[u], course_docs[c]["_id"], now - timedelta(seconds=rng.uniform(60, 30 * 86400))
        )
        for u, c in sorted(pairs)
    ]
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_url, tz_aware=True)
    try:
        db = client[database]
        db.courses.insert_many(course_docs, ordered=False)
        db.users.insert_many(user_docs, ordered=False)
        db.enrollments.insert_many(enrollment_docs, ordered=False)
    finally:
        client.close()
    return Catalogue(
        courses={str(c["_id"]): (c["name"], len(c["sections"])) for c in course_docs},
        students=len(user_docs),
        enrollments=len(enrollment_docs),
    )

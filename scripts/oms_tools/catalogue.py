"""The one generated course catalogue of the scripts: courses in the import format
(docs/course-import.schema.json), deterministic for a given seed and streamed as they are generated, and the
same courses (and enrollments) as stored documents for the benchmarks that write MongoDB directly.

    scripts/generate-catalogue 10000 --sections 5 > catalogue.ndjson
    scripts/generate-catalogue 1000 --body-bytes 2000 --format json > catalogue.json
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

import orjson
from bson import ObjectId

TOPICS = {
    "python": ["Python", "programming"],
    "data": ["Data Analysis", "data"],
    "ml": ["Machine Learning", "data"],
    "web": ["Web Development", "programming"],
    "databases": ["Databases", "data"],
    "cloud": ["Cloud Infrastructure", "devops"],
    "security": ["Security", "devops"],
    "design": ["Product Design", "design"],
    "writing": ["Technical Writing", "communication"],
    "finance": ["Personal Finance", "business"],
    "marketing": ["Digital Marketing", "business"],
    "music": ["Music Theory", "arts"],
}
LEVELS = ["Foundations of", "Introduction to", "Practical", "Intermediate", "Advanced", "Mastering"]
ANGLES = ["", " for Beginners", " in Practice", " for Teams", ": Projects", " Bootcamp", " Essentials"]
SECTION_KINDS = [
    "Getting started",
    "Core ideas",
    "Worked example",
    "Exercises",
    "Case study",
    "Pitfalls",
    "Tools of the trade",
    "Review",
    "Project",
    "Going further",
]
WORDS = [
    "data",
    "model",
    "query",
    "index",
    "schema",
    "test",
    "deploy",
    "review",
    "pattern",
    "function",
    "module",
    "practice",
    "example",
    "project",
    "team",
    "design",
    "measure",
    "improve",
    "learn",
    "build",
    "ship",
    "debug",
    "explain",
    "compare",
    "choose",
]
STATUSES = ["published"] * 8 + ["draft", "archived"]


def sentence(rng: random.Random) -> str:
    """Six to fourteen words of course prose."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 14))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, size: int) -> str:
    """Markdown text of about `size` characters."""
    parts: list[str] = []
    length = 0
    while length < size:
        text = sentence(rng)
        if rng.random() < 0.08:
            text = f"\n\n## {rng.choice(SECTION_KINDS)}\n\n" + text
        elif rng.random() < 0.1:
            text = f"\n\n- {text}\n- {sentence(rng)}\n\n"
        parts.append(text)
        length += len(text) + 1
    return " ".join(parts)[:size].strip()


def course(n: int, sections: int, body_bytes: int, rng: random.Random) -> dict[str, Any]:
    """The `n`th course: its slug is unique in the catalogue, the rest looks like a real course."""
    topic = list(TOPICS)[n % len(TOPICS)]
    subject, family = TOPICS[topic]
    name = f"{rng.choice(LEVELS)} {subject}{rng.choice(ANGLES)}"
    slug = f"{name.lower().replace(':', '').replace(' ', '-')}-{n:06d}"
    tags = sorted({topic, family, rng.choice(list(TOPICS))})
    return {
        "slug": slug,
        "name": name,
        "description": f"{sentence(rng)} {sentence(rng)}",
        "content": paragraph(rng, max(200, body_bytes // 2)),
        "tags": tags,
        "status": rng.choice(STATUSES),
        "sections": [
            {
                "title": f"{i + 1}. {rng.choice(SECTION_KINDS)}",
                "body": paragraph(rng, body_bytes),
                "duration_minutes": rng.choice([5, 10, 15, 20, 30, 45, 60, 90]),
            }
            for i in range(sections)
        ],
    }


def catalogue(count: int, sections: int, body_bytes: int, seed: int) -> Iterator[dict[str, Any]]:
    """`count` courses, the same ones for the same arguments."""
    rng = random.Random(seed)
    for n in range(count):
        yield course(n, sections, body_bytes, rng)


def write(out: IO[bytes], courses: Iterator[dict[str, Any]], fmt: str) -> int:
    """Write NDJSON or a JSON array; the number of bytes written."""
    written = 0
    if fmt == "json":
        written += out.write(b"[\n")
    for i, item in enumerate(courses):
        line = orjson.dumps(item)
        if fmt == "json":
            line = (b",\n" if i else b"") + line
        else:
            line += b"\n"
        written += out.write(line)
    if fmt == "json":
        written += out.write(b"\n]\n")
    return written


def stored_course(item: dict[str, Any], at: datetime, name: str | None = None) -> dict[str, Any]:
    """A course in the import format as the `courses` collection stores it (published unless it says
    otherwise), created and updated `at`; `name` replaces the generated one (real catalogues' titles)."""
    sections = [
        {"section_id": ObjectId(), "order": i, "body": "", **section}
        for i, section in enumerate(item.get("sections", []))
    ]
    return {
        "_id": ObjectId(),
        "description": "",
        "content": "",
        "tags": [],
        "status": "published",
        **item,
        **({"name": name} if name else {}),
        "sections": sections,
        "created_by": None,
        "created_at": at,
        "updated_at": at,
        "version": 1,
    }


def stored_enrollment(user_id: ObjectId, course_id: ObjectId, at: datetime) -> dict[str, Any]:
    """An active enrollment begun `at`, with no progress yet, as the `enrollments` collection stores it."""
    return {
        "user_id": user_id,
        "course_id": course_id,
        "status": "active",
        "progress": 0.0,
        "completed_sections": [],
        "history": [{"at": at, "event": "enrolled", "section_id": None, "progress": 0.0}],
        "enrolled_at": at,
        "updated_at": at,
        "completed_at": None,
    }


def main() -> None:
    """`scripts/generate-catalogue`: the catalogue on stdout."""
    parser = argparse.ArgumentParser(description="Generate a course catalogue in the OMS import format.")
    parser.add_argument("count", type=int, help="number of courses")
    parser.add_argument("--sections", type=int, default=5, help="sections per course (default 5)")
    parser.add_argument(
        "--body-bytes", type=int, default=600, help="characters per section body (default 600)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=["ndjson", "json"], default="ndjson")
    args = parser.parse_args()
    write(sys.stdout.buffer, catalogue(args.count, args.sections, args.body_bytes, args.seed), args.format)


if __name__ == "__main__":
    main()

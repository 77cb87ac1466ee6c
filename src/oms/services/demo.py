"""A demo catalogue with students, enrollments and progress history, for `oms seed-demo` and `make run DEMO=1`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from oms.clock import utcnow
from oms.documents import Course, Enrollment, Section, User
from oms.documents.course import CourseStatus
from oms.documents.enrollment import EnrollmentStatus, HistoryEvent
from oms.exceptions import UsernameTaken
from oms.services.accounts.auth import create_user
from oms.services.accounts.passwords import PasswordHasher

DEMO_PASSWORD = "demo-student-1"  # documented demo credential, development only

CATALOGUE: list[tuple[str, list[str], str, list[str]]] = [
    (
        "Python for Beginners",
        ["python", "programming"],
        "Variables, loops and functions from zero.",
        [
            "Installing Python",
            "Values and variables",
            "Control flow",
            "Functions",
            "Lists and dicts",
            "Files",
        ],
    ),
    (
        "Data Analysis with pandas",
        ["python", "data"],
        "Load, clean and summarise tabular data.",
        ["DataFrames", "Selecting data", "Cleaning", "Group by", "Joins", "Plotting", "A full analysis"],
    ),
    (
        "Machine Learning Foundations",
        ["ml", "data", "python"],
        "Supervised learning from first principles.",
        ["What learning means", "Linear regression", "Classification", "Evaluation", "Overfitting", "Trees"],
    ),
    (
        "Deep Learning in Practice",
        ["ml", "deep-learning"],
        "Neural networks, training loops and tuning.",
        ["Neurons and layers", "Backpropagation", "Optimisers", "CNNs", "Sequence models", "Deployment"],
    ),
    (
        "SQL Essentials",
        ["databases", "sql"],
        "Query relational data with confidence.",
        ["SELECT", "Filtering", "Joins", "Aggregation", "Subqueries", "Indexes"],
    ),
    (
        "MongoDB for Developers",
        ["databases", "mongodb"],
        "Documents, indexes and aggregation pipelines.",
        ["Documents", "CRUD", "Indexes", "Aggregation", "Schema design", "Transactions"],
    ),
    (
        "Web APIs with FastAPI",
        ["python", "web"],
        "Design, build and test HTTP APIs.",
        ["HTTP basics", "Routing", "Validation", "Auth", "Testing", "Deployment"],
    ),
    (
        "Frontend Fundamentals",
        ["web", "javascript"],
        "HTML, CSS and JavaScript that works.",
        ["HTML", "CSS layout", "JavaScript basics", "The DOM", "Fetch", "Accessibility"],
    ),
    (
        "Algorithms and Data Structures",
        ["programming", "algorithms"],
        "The classics, with analysis.",
        ["Complexity", "Arrays and lists", "Hashing", "Trees", "Graphs", "Dynamic programming", "Greedy"],
    ),
    (
        "Linux Command Line",
        ["linux", "devops"],
        "Work fast in a terminal.",
        ["Files", "Pipes", "Processes", "Permissions", "Shell scripts"],
    ),
    (
        "Docker and Containers",
        ["devops", "containers"],
        "Package and run services anywhere.",
        ["Images", "Containers", "Volumes", "Networking", "Compose"],
    ),
    (
        "Statistics for Data Science",
        ["data", "statistics"],
        "Inference you can explain.",
        ["Distributions", "Sampling", "Hypothesis tests", "Confidence intervals", "Regression"],
    ),
    (
        "Technical Writing",
        ["writing"],
        "Docs that people read.",
        ["Audience", "Structure", "Clarity", "Examples", "Review"],
    ),
    ("Cloud Architecture (draft)", ["cloud", "devops"], "Coming soon.", ["Regions", "Networking"]),
]


@dataclass
class SeedReport:
    courses: int = 0
    students: int = 0
    enrollments: int = 0


def _course(name: str, tags: list[str], description: str, titles: list[str], rng: random.Random) -> Course:
    slug = name.lower().replace(" (draft)", "").replace(" ", "-")
    sections = [
        Section(
            title=title,
            body=f"# {title}\n\nThis part of *{name}* covers {title.lower()}.",
            order=i,
            duration_minutes=rng.choice([10, 15, 20, 30, 45]),
        )
        for i, title in enumerate(titles)
    ]
    return Course(
        slug=slug,
        name=name,
        description=description,
        content=f"## {name}\n\n{description}",
        tags=tags,
        status=CourseStatus.draft if "(draft)" in name else CourseStatus.published,
        sections=sections,
        created_at=utcnow() - timedelta(days=rng.randint(60, 120)),
    )


def _enrollment(user: User, course: Course, rng: random.Random) -> Enrollment:
    """An enrollment begun some weeks ago, with a plausible run of completed sections."""
    start = utcnow() - timedelta(days=rng.randint(3, 50), hours=rng.randint(0, 23))
    history = [HistoryEvent(at=start, event="enrolled", progress=0.0)]
    done: list[PydanticObjectId] = []
    at = start
    for section in course.sections[: rng.randint(0, len(course.sections))]:
        at = at + timedelta(hours=rng.randint(2, 60))
        if at > utcnow():
            break
        done.append(section.section_id)
        progress = round(len(done) / len(course.sections) * 100, 4)
        history.append(
            HistoryEvent(at=at, event="section_completed", section_id=section.section_id, progress=progress)
        )
    progress = history[-1].progress
    return Enrollment(
        user_id=user.id,
        course_id=course.id,
        status=EnrollmentStatus.completed if progress >= 100 else EnrollmentStatus.active,
        progress=progress,
        completed_sections=done,
        history=history,
        enrolled_at=start,
        updated_at=history[-1].at,
        completed_at=history[-1].at if progress >= 100 else None,
    )


async def seed_demo(hasher: PasswordHasher, students: int = 24, seed: int = 7) -> SeedReport:
    """Insert the demo catalogue, students `student01`.. and their enrollments; what exists already is kept."""
    rng = random.Random(seed)  # noqa: S311  # demo data, not security
    report = SeedReport()
    courses: list[Course] = []
    for name, tags, description, titles in CATALOGUE:
        course = _course(name, tags, description, titles, rng)
        existing = await Course.find_one(Course.slug == course.slug)
        if existing is None:
            await course.insert()
            report.courses += 1
        courses.append(existing or course)
    published = [c for c in courses if c.status == CourseStatus.published]
    for n in range(1, students + 1):
        username = f"student{n:02d}"
        try:
            user = await create_user(
                hasher, username=username, password=DEMO_PASSWORD, display_name=f"Student {n}"
            )
            report.students += 1
        except UsernameTaken:
            found = await User.find_one(User.username == username)
            assert found is not None
            user = found
        for course in rng.sample(published, k=rng.randint(1, 5)):
            try:
                await _enrollment(user, course, rng).insert()
                report.enrollments += 1
            except DuplicateKeyError:
                continue
    return report

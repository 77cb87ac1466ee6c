"""The security probes' cast: a course with two enrolled students and their objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.api import Actor


@dataclass
class Scene:
    """Two students in one course, each with an enrollment and a submission; an admin who made it all."""

    admin: Actor
    alice: Actor
    bob: Actor
    course: dict[str, Any]
    assignment: dict[str, Any]
    enrollments: dict[str, str]
    submissions: dict[str, str]

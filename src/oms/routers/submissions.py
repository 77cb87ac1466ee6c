"""One submission: read it (its student or an admin), grade it (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from oms.deps import AdminUser, Auditor, Now, VisibleSubmission
from oms.routers import API_PREFIX
from oms.schemas.assignments import GradeCreate, SubmissionPublic
from oms.services import submissions as submission_service
from oms.services.audit import audited, snapshot

router = APIRouter(prefix=f"{API_PREFIX}/submissions", tags=["assignments"])


@router.get("/{submission_id}", response_model=SubmissionPublic)
async def read_submission(submission: VisibleSubmission) -> Any:
    """A submission with all its attempts and grades (its student or an admin)."""
    return submission


@router.post("/{submission_id}/grade", response_model=SubmissionPublic)
async def grade(
    body: GradeCreate, admin: AdminUser, actor: Auditor, submission: VisibleSubmission, now: Now
) -> Any:
    """Grade the latest attempt (admin): 0 ≤ score ≤ max_score. Earlier grades stay in `grades`."""
    fields = {"status", "score", "feedback"}
    async with audited(
        actor, "submission.grade", "submissions", str(submission.id), snapshot(submission, fields)
    ) as out:
        graded = await submission_service.grade(submission, admin, body, now)
        out.after, out.note = snapshot(graded, fields), {"attempt": len(graded.attempts)}
    return graded

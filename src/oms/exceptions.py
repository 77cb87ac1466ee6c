"""Domain errors raised by services; `edge/problems.py` maps each to an HTTP problem reply."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a client can cause; `status` and `title` shape the reply.

    `code` is a stable machine-readable name of the problem (the reply's `code` member, listed in
    docs/api.md): clients key their own wording on it, while `detail` stays free English for people."""

    status = 400
    title = "Bad request"
    code: str | None = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        if code is not None:
            self.code = code
        self.headers: dict[str, str] = {}


class NotAuthenticated(DomainError):
    status = 401
    title = "Not authenticated"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": "Bearer"}


class InvalidCredentials(NotAuthenticated):
    title = "Incorrect username or password"
    code = "invalid_credentials"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class CourseNotFound(NotFound):
    title = "Course not found"


class SectionNotFound(NotFound):
    title = "Section not found"


class EnrollmentNotFound(NotFound):
    title = "Enrollment not found"


class UserNotFound(NotFound):
    title = "User not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class UsernameTaken(Conflict):
    title = "Username already taken"
    code = "username_taken"


class EmailTaken(Conflict):
    title = "Email already in use"
    code = "email_taken"


class SlugTaken(Conflict):
    title = "Slug already in use"
    code = "slug_taken"


class AlreadyEnrolled(Conflict):
    title = "Already enrolled"
    code = "already_enrolled"


class EnrollmentClosed(Conflict):
    title = "Enrollment is not active"
    code = "enrollment_closed"


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Unsupported media type"


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition failed"
    code = "precondition_failed"


class Unprocessable(DomainError):
    status = 422
    title = "Validation failed"


class AssignmentNotFound(NotFound):
    title = "Assignment not found"


class SubmissionNotFound(NotFound):
    title = "Submission not found"


class SubmissionRefused(Conflict):
    title = "Submission not accepted"
    code = "submission_refused"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


class ServiceUnavailable(DomainError):
    status = 503
    title = "Service unavailable"

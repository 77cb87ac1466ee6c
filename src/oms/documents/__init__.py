"""Beanie documents: what is stored, with its indexes and `$jsonSchema` validators."""

from oms.documents.assignment import Assignment
from oms.documents.course import Course, Section
from oms.documents.enrollment import Enrollment, HistoryEvent
from oms.documents.submission import Submission
from oms.documents.token import RefreshToken, RevokedToken
from oms.documents.user import User

DOCUMENT_MODELS: list[type] = [User, Course, Enrollment, RefreshToken, RevokedToken, Assignment, Submission]

__all__ = [
    "DOCUMENT_MODELS",
    "Assignment",
    "Course",
    "Enrollment",
    "HistoryEvent",
    "RefreshToken",
    "RevokedToken",
    "Section",
    "Submission",
    "User",
]

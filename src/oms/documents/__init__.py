"""Beanie documents: what is stored, with its indexes and `$jsonSchema` validators."""

from beanie import Document

from oms.documents.assignment import Assignment
from oms.documents.audit import AuditEntry
from oms.documents.course import Course, Section
from oms.documents.enrollment import Enrollment, HistoryEvent
from oms.documents.impressions import RecommendationClick, RecommendationImpression
from oms.documents.recommender import RecommenderItem, RecommenderState
from oms.documents.submission import Submission
from oms.documents.token import RefreshToken, RevokedToken
from oms.documents.user import User

DOCUMENT_MODELS: list[type[Document]] = [User, Course, Enrollment, RefreshToken, RevokedToken]
DOCUMENT_MODELS += [Assignment, Submission, RecommenderItem, RecommenderState, AuditEntry]
DOCUMENT_MODELS += [RecommendationImpression, RecommendationClick]

__all__ = [
    "DOCUMENT_MODELS",
    "Assignment",
    "AuditEntry",
    "Course",
    "Enrollment",
    "HistoryEvent",
    "RecommendationClick",
    "RecommendationImpression",
    "RecommenderItem",
    "RecommenderState",
    "RefreshToken",
    "RevokedToken",
    "Section",
    "Submission",
    "User",
]

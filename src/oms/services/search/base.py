"""The search interface: what the catalogue asks of an index, whichever backend answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

MAX_FACETS = 30
MAX_SUGGESTIONS = 8


class SearchSort(StrEnum):
    relevance = "relevance"
    newest = "newest"
    name = "name"
    popular = "popular"


@dataclass(frozen=True)
class SearchRequest:
    """A catalogue search: free text (may be empty: browse), filters, order and page."""

    q: str = ""
    statuses: tuple[str, ...] = ("published",)
    tag: str | None = None
    sort: SearchSort = SearchSort.relevance
    limit: int = 20
    offset: int = 0
    facets: bool = True
    highlights: bool = True


@dataclass(frozen=True)
class Hit:
    """One matching course: its id, score (0 when not ordered by relevance), stored summary (JSON bytes) and
    highlighted name/description (HTML-escaped text with `<mark>`), when asked for."""

    course_id: str
    score: float
    summary: bytes
    highlights: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchResult:
    """A page of hits, the total number of matches and tag counts over all matches."""

    hits: list[Hit]
    total: int
    facets: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class IndexStatus:
    """What readiness reports: building | ready | stale | unavailable, documents, lag behind the database."""

    backend: str
    state: str
    documents: int = 0
    lag_s: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """Whether searches can be answered from the index."""
        return self.state in ("ready", "stale")


class SearchIndex(Protocol):
    """A full-text index of courses. `apply` takes changed course documents (raw MongoDB dicts) and ids
    of deleted ones; `rebuild` replaces everything."""

    async def apply(self, changed: list[dict[str, Any]], deleted: list[str]) -> int: ...

    async def rebuild(self, courses: Any, total: int | None = None, progress: Any = None) -> int: ...

    async def search(self, request: SearchRequest) -> SearchResult: ...

    async def suggest(self, prefix: str, statuses: tuple[str, ...] = ("published",)) -> list[str]: ...

    def status(self) -> IndexStatus: ...

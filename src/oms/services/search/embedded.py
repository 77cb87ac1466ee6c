"""The embedded index: tantivy (Rust, BM25) inside each worker process, in memory or in a directory.

Searches run on the event loop (they take a few milliseconds and hold no Python objects per document);
writes and rebuilds run in a thread under one lock, and each commit is followed by a reload so the next
search sees it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import shutil
import threading
from collections.abc import AsyncIterable, Awaitable, Callable
from pathlib import Path
from typing import Any

from tantivy import Filter, Index, Order, Query, TextAnalyzerBuilder, Tokenizer

from oms.services.search import query as queries
from oms.services.search.base import (
    MAX_FACETS,
    MAX_SUGGESTIONS,
    Hit,
    IndexStatus,
    SearchRequest,
    SearchResult,
    SearchSort,
)
from oms.services.search.documents import LITERAL_ANALYZER, schema, to_document
from oms.services.search.text import (
    ANALYZER_NAME,
    SURFACE_ANALYZER_NAME,
    ParsedQuery,
    build_analyzer,
    highlight,
    parse,
)

log = logging.getLogger(__name__)
PRIOR_WINDOW = 50  # relevance pages within the first 50 hits are re-ranked with the popularity prior
PRIOR_WEIGHT = 0.05
BATCH = 2000
_ORDER = {SearchSort.newest: ("created", Order.Desc), SearchSort.name: ("name_key", Order.Asc)}
_ORDER[SearchSort.popular] = ("pop", Order.Desc)


def _open(path: Path | None) -> Index:
    fields = schema()
    if path is None:
        index = Index(fields)
    else:
        path.mkdir(parents=True, exist_ok=True)
        try:
            index = Index(fields, path=str(path), reuse=True)
        except ValueError:  # written by another version of the schema: start again
            shutil.rmtree(path)
            path.mkdir(parents=True)
            index = Index(fields, path=str(path), reuse=True)
    index.register_tokenizer(ANALYZER_NAME, build_analyzer())
    index.register_tokenizer(SURFACE_ANALYZER_NAME, build_analyzer(stem=False))
    literal = (
        TextAnalyzerBuilder(Tokenizer.whitespace()).filter(Filter.remove_long(40)).filter(Filter.lowercase())
    )
    index.register_tokenizer(LITERAL_ANALYZER, literal.build())
    return index


def attempts(parsed: ParsedQuery) -> list[tuple[ParsedQuery, bool]]:
    """The queries tried in turn until one finds something: as typed; relaxed (`ParsedQuery.relax`);
    and then with every clause but one required (`loose`)."""
    tries = [(parsed, False)]
    relaxed = parsed.relax()
    if relaxed is not None:
        tries.append((relaxed, False))
    if len(parsed.clauses) > 1:
        tries.append((relaxed or parsed, True))
    return tries


class EmbeddedIndex:
    """tantivy behind the `SearchIndex` interface; `popularity` gives a course's score for the prior."""

    backend = "embedded"

    def __init__(self, path: Path | None = None, heap_mb: int = 64) -> None:
        self.path = path
        self.index = _open(path)
        self.schema = self.index.schema
        self.writer: Any = self.index.writer(heap_mb * 1_000_000, 1)
        self.lock = asyncio.Lock()
        self.writing = threading.Lock()  # the writer is used from one thread at a time, even after a cancel
        self.popularity: dict[str, float] = {}
        self.state = "building"
        self.lag: Callable[[], float | None] = lambda: None
        self.source_check: Callable[[], Awaitable[None]] | None = None  # raises while MongoDB is down

    def close(self) -> None:
        """Finish merges and release the writer (and the directory's lock)."""
        with self.writing:
            if self.writer is not None:
                self.writer.wait_merging_threads()
                self.writer = None

    @property
    def documents(self) -> int:
        """How many courses are indexed."""
        return int(self.index.searcher().num_docs)

    def _add(self, raw: dict[str, Any]) -> None:
        try:
            doc = to_document(raw, self.popularity.get(str(raw["_id"]), 0.0))
        except (ValueError, TypeError, KeyError):  # a document the API would not accept either: left out
            log.warning("course not indexed", extra={"course_id": str(raw.get("_id"))}, exc_info=True)
            return
        self.writer.add_document(doc)

    def _commit(self) -> None:
        self.writer.commit()
        self.index.reload()

    def _locked_commit(self) -> None:
        with self.writing:
            self._commit()

    async def apply(self, changed: list[dict[str, Any]], deleted: list[str]) -> int:
        """Replace the changed courses (raw documents) and drop the deleted ids; one commit."""

        def work() -> int:
            with self.writing:
                return unlocked()

        def unlocked() -> int:
            for raw in changed:
                self.writer.delete_documents_by_term("id", str(raw["_id"]))
                self._add(raw)
            for course_id in deleted:
                self.writer.delete_documents_by_term("id", course_id)
            self._commit()
            return len(changed) + len(deleted)

        async with self.lock:
            return await asyncio.to_thread(work)

    async def rebuild(
        self,
        courses: AsyncIterable[dict[str, Any]],
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Replace everything with `courses`; searches see the old contents until the final commit."""
        count = 0
        async with self.lock:
            await asyncio.to_thread(self._clear)
            batch: list[dict[str, Any]] = []

            def add(items: list[dict[str, Any]]) -> None:
                with self.writing:
                    for raw in items:
                        self._add(raw)

            async for raw in courses:
                batch.append(raw)
                if len(batch) >= BATCH:
                    await asyncio.to_thread(add, batch)
                    count += len(batch)
                    batch = []
                    if progress:
                        progress(count)
            await asyncio.to_thread(add, batch)
            count += len(batch)
            await asyncio.to_thread(self._locked_commit)
        if progress:
            progress(count)
        self.state = "ready"
        return count

    def _clear(self) -> None:
        with self.writing:
            self.writer.delete_all_documents()

    def versions(self, ids: list[str]) -> dict[str, int]:
        """The indexed version of each of `ids` that is in the index."""
        searcher = self.index.searcher()
        found: dict[str, int] = {}
        for course_id in ids:
            hits = searcher.search(Query.term_query(self.schema, "id", course_id), 1, count=False).hits
            if hits:
                found[course_id] = int(searcher.doc(hits[0][1]).get_first("version") or 0)
        return found

    async def search(self, request: SearchRequest) -> SearchResult:
        """One page of matches in the requested order, with the total, tag facets and highlights."""
        parsed = parse(request.q) if request.q else ParsedQuery([], "")
        if request.q and parsed.empty:
            return SearchResult([], 0)
        searcher = self.index.searcher()
        for clause in parsed.clauses:
            clause.exact = clause.punctuated and searcher.doc_freq("literal", clause.literal) > 0
        constraints = queries.filters(self.schema, request.statuses, request.tag)
        sort = request.sort
        if sort == SearchSort.relevance and parsed.empty:
            sort = SearchSort.newest
        for attempt, loose in attempts(parsed):
            parsed = attempt  # the one that matched is the one to highlight
            built = queries.build(self.schema, parsed, constraints, loose=loose)
            scored, total = self._run(searcher, built, sort, request)
            if total:
                break
        hits = []
        for score, address in scored:
            doc = searcher.doc(address)
            marks: dict[str, str] = {}
            if request.highlights and not parsed.empty:
                for name, window in (("name", None), ("description", 180)):
                    text = doc.get_first(name) or ""
                    if (marked := highlight(text, parsed, window=window)) is not None:
                        marks[name] = marked
            summary: Any = doc.get_first("summary")
            hits.append(Hit(str(doc.get_first("id")), round(score, 4), bytes(summary), marks))
        facets: list[tuple[str, int]] = []
        if request.facets and total:
            agg = searcher.aggregate(built, {"t": {"terms": {"field": "tag", "size": MAX_FACETS}}})
            facets = [(b["key"], int(b["doc_count"])) for b in agg["t"]["buckets"]]
        return SearchResult(hits, total, facets)

    def _run(
        self, searcher: Any, built: Query, sort: SearchSort, request: SearchRequest
    ) -> tuple[list[tuple[float, Any]], int]:
        if sort != SearchSort.relevance:
            field, order = _ORDER[sort]
            result = searcher.search(
                built, request.limit, count=True, order_by_field=field, offset=request.offset, order=order
            )
            return [(0.0, address) for _, address in result.hits], result.count
        end = request.offset + request.limit
        if end > PRIOR_WINDOW:
            result = searcher.search(built, request.limit, count=True, offset=request.offset)
            return list(result.hits), result.count
        result = searcher.search(built, PRIOR_WINDOW, count=True)
        hits = list(result.hits)
        if hits:
            pops = searcher.fast_field_values("pop", [a for _, a in hits])
            prior = [1 + PRIOR_WEIGHT * math.log1p(max(0.0, float(p or 0))) for p in pops]
            hits = [(s * w, a) for (s, a), w in zip(hits, prior, strict=True)]
            hits.sort(key=lambda h: -h[0])
        return hits[request.offset : end], result.count

    async def suggest(self, prefix: str, statuses: tuple[str, ...] = ("published",)) -> list[str]:
        """Up to eight course names for what has been typed so far."""
        parsed = parse(prefix)
        if parsed.empty:
            return []
        searcher = self.index.searcher()
        built = queries.build(
            self.schema, parsed, queries.filters(self.schema, statuses, None), names_only=True
        )
        names: list[str] = []
        for _, address in searcher.search(built, MAX_SUGGESTIONS * 2, count=False).hits:
            name = str(searcher.doc(address).get_first("name"))
            if name not in names:
                names.append(name)
        return names[:MAX_SUGGESTIONS]

    def status(self) -> IndexStatus:
        """building | ready, with the document count and how far behind the database it may be."""
        return IndexStatus(self.backend, self.state, self.documents, self.lag())

"""The same interface over Atlas Search (`$search`), for MongoDB deployments that have it (Atlas, or
MongoDB Community with mongot). The index definition is `deploy/atlas-search-index.json`; mongot keeps it
fresh, so `apply` and `rebuild` have nothing to do here.

Each query word is its own `text` operator with the same typo budget as the embedded index, the last
word also matches as an autocomplete prefix of the name, and Chinese goes through the `lucene.cjk`
multi-analyzer of each text field. Highlights come back as hit/text pieces and are turned into escaped
HTML with `<mark>` here, exactly as the embedded index does.
"""

from __future__ import annotations

import html
from typing import Any

from oms.services.search.base import (
    MAX_FACETS,
    MAX_SUGGESTIONS,
    Hit,
    IndexStatus,
    SearchRequest,
    SearchResult,
    SearchSort,
)
from oms.services.search.documents import summary_json
from oms.services.search.text import clean, typo_budget

BOOSTS = {"name": 6.0, "tags": 3.0, "sections.title": 2.0, "description": 1.5, "content": 0.6}
_SORTS = {SearchSort.newest: {"created_at": -1, "_id": -1}, SearchSort.name: {"name": 1, "_id": 1}}


def _paths(fields: dict[str, float]) -> list[Any]:
    return [*fields, *({"value": f, "multi": "cjk"} for f in fields if f != "tags")]


def _filters(request: SearchRequest) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [{"in": {"path": "status", "value": list(request.statuses)}}]
    if request.tag:
        found.append({"equals": {"path": "tags", "value": request.tag}})
    return found


def operator(q: str, request: SearchRequest, fields: dict[str, float] = BOOSTS) -> dict[str, Any]:
    """The compound operator for a query: every word must match (fuzzy by its length), the last word
    also as a name prefix; visibility and tag are filters."""
    words = clean(q).split()[:12]
    must = []
    for word in words:
        text: dict[str, Any] = {"query": word, "path": _paths(fields)}
        if edits := typo_budget(len(word)):
            text["fuzzy"] = {"maxEdits": edits, "prefixLength": 1}
        must.append({"text": text})
    compound: dict[str, Any] = {"filter": _filters(request)}
    if must:
        compound["must"] = must
        compound["should"] = [
            {"autocomplete": {"query": words[-1], "path": "name", "score": {"boost": {"value": 2}}}},
            {"phrase": {"query": " ".join(words), "path": "name", "score": {"boost": {"value": 6}}}},
        ]
    return {"compound": compound}


def search_pipeline(index_name: str, request: SearchRequest) -> list[dict[str, Any]]:
    """The `$search` pipeline for one catalogue page (hits with score and highlights)."""
    stage: dict[str, Any] = {"index": index_name, **operator(request.q, request)}
    if request.q and request.highlights:
        stage["highlight"] = {"path": ["name", "description"], "maxNumPassages": 1}
    sort = request.sort if request.q or request.sort != SearchSort.relevance else SearchSort.newest
    if sort in _SORTS:
        stage["sort"] = _SORTS[sort]
    return [
        {"$search": stage},
        {"$skip": request.offset},
        {"$limit": request.limit},
        {"$project": {"content": 0, "sections.body": 0}},
        {"$addFields": {"_score": {"$meta": "searchScore"}, "_highlights": {"$meta": "searchHighlights"}}},
    ]


def meta_pipeline(index_name: str, request: SearchRequest) -> list[dict[str, Any]]:
    """The `$searchMeta` pipeline for the total and the tag facets of the same query."""
    facet = {
        "operator": operator(request.q, request),
        "facets": {"tags": {"type": "string", "path": "tags", "numBuckets": MAX_FACETS}},
    }
    return [{"$searchMeta": {"index": index_name, "facet": facet, "count": {"type": "total"}}}]


def marked(pieces: list[dict[str, Any]]) -> str:
    """Atlas highlight texts as escaped HTML with `<mark>` around hits."""
    return "".join(
        f"<mark>{html.escape(p['value'])}</mark>" if p.get("type") == "hit" else html.escape(p["value"])
        for p in pieces
    )


class AtlasSearchIndex:
    """`SearchIndex` over `$search` on the courses collection."""

    backend = "atlas"

    def __init__(self, collection: Any, index_name: str = "courses") -> None:
        self.collection = collection
        self.index_name = index_name

    async def apply(self, changed: list[dict[str, Any]], deleted: list[str]) -> int:
        """Nothing to do: mongot follows the collection itself."""
        return 0

    async def rebuild(self, courses: Any, total: int | None = None, progress: Any = None) -> int:
        """Nothing to do: rebuild the Atlas index from the Atlas UI or API if ever needed."""
        return 0

    async def search(self, request: SearchRequest) -> SearchResult:
        """One page from `$search` plus total and facets from `$searchMeta`."""
        hits = []
        async for raw in await self.collection.aggregate(search_pipeline(self.index_name, request)):
            highlights: dict[str, str] = {}
            for h in raw.pop("_highlights", None) or []:
                highlights.setdefault(h["path"], marked(h["texts"]))
            score = float(raw.pop("_score", 0.0) or 0.0)
            hits.append(Hit(str(raw["_id"]), score, summary_json(raw), highlights))
        meta = await (await self.collection.aggregate(meta_pipeline(self.index_name, request))).to_list()
        total = int(meta[0]["count"]["total"]) if meta else 0
        buckets = meta[0]["facet"]["tags"]["buckets"] if meta else []
        return SearchResult(hits, total, [(b["_id"], int(b["count"])) for b in buckets])

    async def suggest(self, prefix: str, statuses: tuple[str, ...] = ("published",)) -> list[str]:
        """Names whose words start with what was typed (the `autocomplete` mapping of `name`)."""
        words = clean(prefix).split()
        if not words:
            return []
        stage = {
            "index": self.index_name,
            "compound": {
                "must": [{"autocomplete": {"query": " ".join(words), "path": "name", "tokenOrder": "any"}}],
                "filter": [{"in": {"path": "status", "value": list(statuses)}}],
            },
        }
        pipeline = [{"$search": stage}, {"$limit": MAX_SUGGESTIONS}, {"$project": {"name": 1}}]
        return [raw["name"] async for raw in await self.collection.aggregate(pipeline)]

    def status(self) -> IndexStatus:
        """mongot's own state is not visible from here: reported as ready."""
        return IndexStatus(self.backend, "ready")

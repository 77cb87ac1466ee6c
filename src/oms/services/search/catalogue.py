"""Catalogue pages answered by the search index: free-text search, tag browsing and the plain listing.

Paging goes through the index (its collectors keep only the page's top entries), so a deep page costs
about what the first one does and MongoDB is not read at all: each entry's summary is stored in the
index. `after` is an opaque cursor for the next page, returned as `next_after`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from oms.exceptions import Unprocessable
from oms.schemas.courses import CatalogueSort
from oms.services.search.base import SearchIndex, SearchRequest, SearchSort

MAX_DEPTH = 100_000


def encode_after(offset: int) -> str:
    """The cursor that continues at `offset`."""
    return base64.urlsafe_b64encode(orjson.dumps({"o": offset})).decode().rstrip("=")


def decode_after(after: str) -> int:
    """The offset a cursor continues at; 422 for anything that is not one of ours."""
    try:
        data = orjson.loads(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)))
        offset = data["o"]
        if not isinstance(offset, int) or not 0 <= offset <= MAX_DEPTH:
            raise ValueError(offset)
    except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise Unprocessable(
            "after is not a cursor this API returned",
            errors=[{"loc": ["query", "after"], "msg": "bad cursor"}],
        ) from exc
    return offset


async def search_page(
    index: SearchIndex,
    *,
    limit: int,
    offset: int,
    q: str | None,
    tag: str | None,
    sort: CatalogueSort | None,
    statuses: list[str],
) -> dict[str, Any]:
    """A catalogue page as a plain dict in the `CataloguePage` shape."""
    order = SearchSort(sort.value) if sort else (SearchSort.relevance if q else SearchSort.newest)
    request = SearchRequest(
        q=q or "",
        statuses=tuple(statuses),
        tag=tag,
        sort=order,
        limit=limit,
        offset=offset,
        facets=bool(q or tag),
    )
    if (check := getattr(index, "source_check", None)) is not None:
        await check()
    result = await index.search(request)
    items = []
    for hit in result.hits:
        item = orjson.loads(hit.summary)
        if q:
            item["highlights"] = hit.highlights
            if order == SearchSort.relevance:
                item["score"] = hit.score
        items.append(item)
    page: dict[str, Any] = {"items": items, "total": result.total, "limit": limit, "offset": offset}
    if request.facets:
        page["facets"] = [{"tag": t, "count": n} for t, n in result.facets]
    page["next_after"] = encode_after(offset + limit) if offset + limit < result.total else None
    return page

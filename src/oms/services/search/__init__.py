"""Catalogue search: one small interface (`SearchIndex`), an embedded tantivy index kept fresh by the
MongoDB change stream, and the same interface over Atlas Search (`OMS_SEARCH_BACKEND`)."""

from oms.services.search.base import Hit, IndexStatus, SearchIndex, SearchRequest, SearchResult, SearchSort

__all__ = ["Hit", "IndexStatus", "SearchIndex", "SearchRequest", "SearchResult", "SearchSort"]

"""Raw MongoDB documents, as analysts and the validators see them (not through Beanie's models)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from beanie import Document


async def raw_document(model: type[Document], query: Mapping[str, Any]) -> dict[str, Any]:
    """The one stored document of `model`'s collection matching `query`; it must exist."""
    found: dict[str, Any] | None = await model.get_pymongo_collection().find_one(query)
    assert found is not None, query
    return found

"""The Atlas Search backend builds the `$search` / `$searchMeta` pipelines the catalogue needs (no server
here runs mongot, so the pipelines themselves are what is checked)."""

from __future__ import annotations

import json

from oms.services.search.atlas import marked, meta_pipeline, search_pipeline
from oms.services.search.base import SearchRequest, SearchSort
from tests.support.paths import REPO

INDEX = json.loads((REPO / "deploy" / "atlas-search-index.json").read_text())


def test_search_pipeline_for_a_student_query() -> None:
    request = SearchRequest(q="machine learnnig intro", tag="ai", limit=10, offset=20)
    pipeline = search_pipeline("courses", request)
    stage = pipeline[0]["$search"]
    assert stage["index"] == "courses"
    compound = stage["compound"]
    assert compound["filter"] == [
        {"in": {"path": "status", "value": ["published"]}},
        {"equals": {"path": "tags", "value": "ai"}},
    ]
    words = [m["text"]["query"] for m in compound["must"]]
    assert words == ["machine", "learnnig", "intro"]
    assert [m["text"].get("fuzzy", {}).get("maxEdits") for m in compound["must"]] == [1, 1, 1]
    assert compound["must"][0]["text"]["path"][0] == "name"
    assert {"value": "name", "multi": "cjk"} in compound["must"][0]["text"]["path"]
    assert compound["should"][0]["autocomplete"] == {
        "query": "intro",
        "path": "name",
        "score": {"boost": {"value": 2}},
    }
    assert stage["highlight"]["path"] == ["name", "description"]
    assert "sort" not in stage  # relevance
    assert pipeline[1:3] == [{"$skip": 20}, {"$limit": 10}]
    assert pipeline[3] == {"$project": {"content": 0, "sections.body": 0}}


def test_long_words_get_two_edits_and_sorts_and_staff_statuses() -> None:
    request = SearchRequest(q="probabilistic", statuses=("draft", "archived"), sort=SearchSort.newest)
    stage = search_pipeline("idx", request)[0]["$search"]
    assert stage["compound"]["must"][0]["text"]["fuzzy"] == {"maxEdits": 2, "prefixLength": 1}
    assert stage["compound"]["filter"][0] == {"in": {"path": "status", "value": ["draft", "archived"]}}
    assert stage["sort"] == {"created_at": -1, "_id": -1}
    browse = search_pipeline("idx", SearchRequest())[0]["$search"]
    assert "must" not in browse["compound"] and browse["sort"] == {"created_at": -1, "_id": -1}


def test_meta_pipeline_counts_and_facets_tags() -> None:
    meta = meta_pipeline("courses", SearchRequest(q="python"))[0]["$searchMeta"]
    assert meta["count"] == {"type": "total"}
    assert meta["facet"]["facets"]["tags"] == {"type": "string", "path": "tags", "numBuckets": 30}
    assert meta["facet"]["operator"]["compound"]["must"][0]["text"]["query"] == "python"


def test_hostile_text_is_only_ever_a_query_string() -> None:
    q = '{"$where": "1"} \x00 .* (?i)'
    stage = search_pipeline("courses", SearchRequest(q=q))[0]["$search"]
    queries = [m["text"]["query"] for m in stage["compound"]["must"]]
    assert queries == ['{"$where":', '"1"}', ".*", "(?i)"]


def test_highlights_are_escaped_then_marked() -> None:
    pieces = [{"value": "<b>Py", "type": "text"}, {"value": "thon</b>", "type": "hit"}]
    assert marked(pieces) == "&lt;b&gt;Py<mark>thon&lt;/b&gt;</mark>"


def test_index_definition_maps_every_searched_path() -> None:
    fields = INDEX["mappings"]["fields"]
    assert {"name", "description", "content", "tags", "sections", "status", "created_at"} <= fields.keys()
    assert any(f["type"] == "autocomplete" for f in fields["name"])
    assert any(f["type"] == "stringFacet" for f in fields["tags"])

"""Parsed user queries -> tantivy queries, built programmatically (no query-parser syntax involved).

Every clause (a whitespace-separated chunk) must match; inside it every word must match in some field:
its stem exactly (BM25, boosted per field), or its surface form within its typo budget or as a prefix of a
word as written in the course (constant, lower scores). When that finds nothing, the caller tries again
with `ParsedQuery.relax()` (four-letter words may have a typo, typos are looked for among the name's
stems too, Chinese runs match by their characters) and then `loose` (every clause but one).
Chinese runs match as overlapping two-character phrases, most of which must be present, so any
segmentation and small reorderings still find the course. A chunk with punctuation (`C++`, `.NET`)
also matches its literal form.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from tantivy import Occur, Query, Schema

from oms.services.search.documents import SURFACE
from oms.services.search.text import Clause, ParsedQuery, Word

# field -> boost; the name is strongest
TEXT_FIELDS: dict[str, float] = {
    "name": 6.0,
    "tags": 3.0,
    "sections": 2.0,
    "description": 1.5,
    "content": 0.6,
}
LOOSE_FIELDS = ("name", "tags", "sections", "description")  # fuzzy and prefix matches
LITERAL_BOOST = 4.0
LOOSE_WEIGHT = 0.4


NAME_FIELDS: dict[str, float] = {"name": 6.0}


def _word(schema: Schema, word: Word, fields: dict[str, float], relaxed: bool) -> Query:
    alternatives = [Query.boost_query(Query.term_query(schema, f, word.stem), b) for f, b in fields.items()]
    for f in LOOSE_FIELDS:
        if f not in fields:
            continue
        weight = fields[f] * LOOSE_WEIGHT
        if word.fuzzy:
            fuzzy = Query.fuzzy_term_query(schema, f + SURFACE, word.surface, distance=word.fuzzy)
            alternatives.append(Query.boost_query(fuzzy, weight))
            if relaxed and f == "name":  # a misspelt base form of an inflected word: `devlop`
                fuzzy = Query.fuzzy_term_query(schema, f, word.stem, distance=word.fuzzy)
                alternatives.append(Query.boost_query(fuzzy, weight))
        if word.prefix:
            prefix = Query.fuzzy_term_query(schema, f + SURFACE, word.surface, distance=0, prefix=True)
            alternatives.append(Query.boost_query(prefix, weight))
    return Query.disjunction_max_query(alternatives, tie_breaker=0.3)


def _run(schema: Schema, run: list[str], fields: dict[str, float], relaxed: bool) -> Query:
    def anywhere(make: Any, boost: float = 1.0) -> Query:
        return Query.disjunction_max_query(
            [Query.boost_query(make(f), w * boost) for f, w in fields.items()], tie_breaker=0.3
        )

    if len(run) == 1:
        return anywhere(lambda f: Query.term_query(schema, f, run[0]))
    pairs = [
        anywhere(lambda f, a=a, b=b: Query.phrase_query(schema, f, [a, b]))
        for a, b in itertools.pairwise(run)
    ]
    whole = Query.boost_query(Query.phrase_query(schema, "name", list(run)), TEXT_FIELDS["name"])
    if relaxed:  # every character, in any order, in some field; the pairs and the whole run still count
        chars = [
            (Occur.Must, anywhere(lambda f, c=c: Query.term_query(schema, f, c), LOOSE_WEIGHT)) for c in run
        ]
        return Query.boolean_query([*chars, *((Occur.Should, p) for p in pairs), (Occur.Should, whole)])
    need = math.ceil(len(pairs) * 2 / 3)
    return Query.boolean_query(
        [(Occur.Must, Query.boolean_query([(Occur.Should, p) for p in pairs], need)), (Occur.Should, whole)]
    )


def _clause(schema: Schema, clause: Clause, fields: dict[str, float], relaxed: bool) -> Query:
    literal = Query.boost_query(Query.term_query(schema, "literal", clause.literal), LITERAL_BOOST)
    if clause.literal_only:
        return literal
    parts: list[tuple[Any, Query]] = [
        (Occur.Should if w.optional else Occur.Must, _word(schema, w, fields, relaxed)) for w in clause.words
    ]
    parts += [(Occur.Must, _run(schema, r, fields, relaxed)) for r in clause.runs]
    inner = Query.boolean_query(parts)
    plain = " ".join(w.stem for w in clause.words)
    if clause.literal.isalnum() or clause.literal == plain:
        return inner
    return Query.boolean_query([(Occur.Should, inner), (Occur.Should, literal)])


def filters(schema: Schema, statuses: tuple[str, ...], tag: str | None) -> list[Query]:
    """Visibility and tag filters (they add nothing to the score)."""
    found = [Query.term_set_query(schema, "status", list(statuses))]
    if tag:
        found.append(Query.term_query(schema, "tag", tag))
    return [Query.const_score_query(f, 0.0) for f in found]


def build(
    schema: Schema,
    parsed: ParsedQuery,
    constraints: list[Query],
    *,
    loose: bool = False,
    names_only: bool = False,
) -> Query:
    """All clauses must match (`loose`: all but one); `constraints` always must. `names_only`: the course name is the only field searched (type-ahead)."""
    fields = NAME_FIELDS if names_only else TEXT_FIELDS
    parts: list[tuple[Any, Query]] = [(Occur.Must, c) for c in constraints]
    clauses = [_clause(schema, c, fields, parsed.relaxed) for c in parsed.clauses]
    if not clauses:
        parts.append((Occur.Must, Query.all_query()))
    elif loose and len(clauses) > 1:
        parts.append(
            (Occur.Must, Query.boolean_query([(Occur.Should, c) for c in clauses], len(clauses) - 1))
        )
    else:
        parts += [(Occur.Must, c) for c in clauses]
    return Query.boolean_query(parts)

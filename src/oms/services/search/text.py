"""Text analysis shared by indexing, querying and highlighting.

One analyzer (tantivy's, in Rust) turns text into terms: runs of letters and digits become lower-cased,
ASCII-folded English stems, and every Han character is a term of its own, so Chinese is matched by
phrases of characters (any segmentation of a query finds the same course). A second one keeps the words
as written (the "surface" forms, not stemmed): typos and unfinished words are matched against those, since
a misspelt word has no reliable stem (`businses` does not stem to `busi` as `business` does) and a word
being typed is a prefix of the word, not of its stem (`learni` is no prefix of `learn`). User queries are parsed here
into plain data (words, Chinese runs, literal chunks) and queries are built from it programmatically:
nothing the user types ever reaches tantivy's query parser, so there is no syntax to escape or break.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache

from tantivy import Filter, TextAnalyzer, TextAnalyzerBuilder, Tokenizer

ANALYZER_NAME = "oms_text"
SURFACE_ANALYZER_NAME = "oms_surface"
TOKEN_PATTERN = r"\p{Han}|[\p{L}\p{N}--\p{Han}]+"
MAX_QUERY_CHARS = 100
MAX_CHUNKS = 12
MAX_TERM_CHARS = 40
RELAXED_TYPO_CHARS = 4
STOPWORDS = frozenset({"a", "an", "and", "for", "in", "of", "on", "the", "to", "with", "at", "by", "or"})
_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]$")


def build_analyzer(*, stem: bool = True) -> TextAnalyzer:
    """The analyzer registered on the index under ANALYZER_NAME (`stem=False`: SURFACE_ANALYZER_NAME,
    the same terms before stemming)."""
    builder = (
        TextAnalyzerBuilder(Tokenizer.regex(TOKEN_PATTERN))
        .filter(Filter.remove_long(MAX_TERM_CHARS))
        .filter(Filter.lowercase())
        .filter(Filter.ascii_fold())
    )
    return (builder.filter(Filter.stemmer("english")) if stem else builder).build()


@lru_cache(maxsize=1)
def analyzer() -> TextAnalyzer:
    """The process's analyzer (built once)."""
    return build_analyzer()


@lru_cache(maxsize=1)
def surface_analyzer() -> TextAnalyzer:
    """The process's analyzer of surface forms (built once)."""
    return build_analyzer(stem=False)


def terms(text: str) -> list[tuple[str, str, int, int]]:
    """(stem, surface form, start, end) of every term of `text`; both analyzers split text the same way
    (stemming never drops a token), so the two token lists line up."""
    stems = analyzer().pre_tokenize(text).tokens
    surfaces = surface_analyzer().pre_tokenize(text).tokens
    return [
        (stem.text, surface.text, stem.char_offset_from, stem.char_offset_to)
        for stem, surface in zip(stems, surfaces, strict=True)
    ]


def is_han(term: str) -> bool:
    """Whether a term is one Han character."""
    return len(term) == 1 and bool(_HAN.match(term))


@dataclass(frozen=True)
class Word:
    """A query word: its stem and surface form, typo budget, whether a prefix also counts, and whether it
    may be missing."""

    stem: str
    surface: str
    fuzzy: int
    prefix: bool
    optional: bool = False


@dataclass
class Clause:
    """One whitespace-separated piece of the query: its literal text or all of its words and runs."""

    literal: str
    words: list[Word] = field(default_factory=list)
    runs: list[list[str]] = field(default_factory=list)
    exact: bool = False  # a chunk with punctuation (`C++`) that courses contain as such: match only that

    @property
    def literal_only(self) -> bool:
        """Only punctuation, or a literal chunk known to the index: nothing but the chunk itself matches."""
        return self.exact or (not self.words and not self.runs)

    @property
    def punctuated(self) -> bool:
        """The chunk has characters other than letters and digits."""
        return not self.literal.isalnum()


@dataclass
class ParsedQuery:
    """A user query as data; empty when nothing searchable is left."""

    clauses: list[Clause]
    text: str
    relaxed: bool = False  # a second try: typos among the name's stems, Chinese runs by their characters

    @property
    def empty(self) -> bool:
        """Nothing to search for."""
        return not self.clauses

    def relax(self) -> ParsedQuery | None:
        """The query for a second try after nothing matched, or None when it would be the same one:
        words of four letters may have one typo, a typo is also looked for among the name's stems (a
        misspelt base form of an inflected word: `devlop` for "Development"), and a Chinese run matches
        when all of its characters are there in any order (`高数` finds 高等数学)."""

        def relax_word(word: Word) -> Word:
            short = not word.fuzzy and len(word.surface) >= RELAXED_TYPO_CHARS
            return replace(word, fuzzy=1) if short else word

        clauses = [replace(c, words=[relax_word(w) for w in c.words]) for c in self.clauses]
        typos = any(w.fuzzy for c in clauses for w in c.words)
        if not typos and not any(len(r) > 1 for c in self.clauses for r in c.runs):
            return None
        return ParsedQuery(clauses, self.text, relaxed=True)


def clean(text: str) -> str:
    """NFKC, control and format characters removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return " ".join(text.split())


def typo_budget(length: int) -> int:
    """Edit distance allowed for a word of `length` letters: 1 from 5 letters, 2 from 9."""
    return 2 if length >= 9 else 1 if length >= 5 else 0


def parse(text: str, *, prefix_last: bool = True) -> ParsedQuery:
    """Split a query into clauses; every word may be misspelt by its typo budget, words of three letters or
    more also match as prefixes (the last one from two letters: search as you type)."""
    cleaned = clean(text[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS]
    chunks = cleaned.split()[:MAX_CHUNKS]
    clauses: list[Clause] = []
    for n, chunk in enumerate(chunks):
        last = prefix_last and n == len(chunks) - 1
        clause = Clause(literal=chunk.lower()[:MAX_TERM_CHARS])
        run: list[str] = []
        tokens = terms(chunk)
        for n_token, (stem, surface, start, end) in enumerate(tokens):
            if is_han(stem):
                run.append(stem)
                continue
            if run:
                clause.runs.append(run)
                run = []
            length = end - start
            is_last_token = n_token == len(tokens) - 1
            clause.words.append(
                Word(
                    stem=stem,
                    surface=surface,
                    fuzzy=typo_budget(length),
                    prefix=length >= 3 or (last and is_last_token and length >= 2),
                    optional=stem in STOPWORDS and len(chunks) > 1,
                )
            )
        if run:
            clause.runs.append(run)
        clauses.append(clause)
    if all(c.words and all(w.optional for w in c.words) and not c.runs for c in clauses):
        clauses = [Clause(c.literal, [replace(w, optional=False) for w in c.words]) for c in clauses]
    return ParsedQuery(clauses, cleaned)


@lru_cache(maxsize=65_536)
def _distance_at_most(a: str, b: str, limit: int) -> bool:
    """Damerau-Levenshtein (adjacent transpositions) distance between a and b is at most `limit`."""
    if abs(len(a) - len(b)) > limit:
        return False
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= limit


def _word_matches(stem: str, surface: str, words: list[Word]) -> bool:
    for word in words:
        if stem == word.stem or (word.prefix and surface.startswith(word.surface)):
            return True
        if word.fuzzy and any(
            abs(len(a) - len(b)) <= word.fuzzy and _distance_at_most(a, b, word.fuzzy)
            for a, b in ((surface, word.surface), (stem, word.stem))
        ):
            return True
    return False


def match_ranges(text: str, query: ParsedQuery) -> list[tuple[int, int]]:
    """Character ranges of `text` that the query matched (merged, in order)."""
    words = [w for c in query.clauses for w in c.words]
    ranges: list[tuple[int, int]] = []
    if words:
        seen: dict[tuple[str, str], bool] = {}
        for stem, surface, start, end in terms(text):
            if (stem, surface) not in seen:
                seen[stem, surface] = not is_han(stem) and _word_matches(stem, surface, words)
            if seen[stem, surface]:
                ranges.append((start, end))
    lowered = text.lower()
    needles = [  # Chinese: the pairs of characters that matched (each character after a relaxed try)
        "".join(pair)
        for c in query.clauses
        for run in c.runs
        for pair in (
            zip(run, [""] * len(run), strict=True)
            if query.relaxed
            else zip(run, run[1:] or [""], strict=False)
        )
    ]
    needles += [c.literal for c in query.clauses if c.literal_only]
    for needle in filter(None, needles):
        start = lowered.find(needle)
        while start != -1 and len(ranges) < 200:
            ranges.append((start, start + len(needle)))
            start = lowered.find(needle, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, query: ParsedQuery, *, window: int | None = None) -> str | None:
    """HTML-escaped `text` with `<mark>` around matches (a window of about `window` characters around the
    first match when given); None when nothing matched. The course text is escaped before marks are added,
    so the result never carries markup from the course itself."""
    ranges = match_ranges(text, query)
    if not ranges:
        return None
    begin, end = 0, len(text)
    if window is not None and len(text) > window:
        begin = max(0, ranges[0][0] - window // 4)
        end = min(len(text), begin + window)
    out: list[str] = ["…" if begin > 0 else ""]
    at = begin
    for start, stop in ranges:
        if start >= end or stop <= at:
            continue
        start, stop = max(start, at), min(stop, end)
        out += [html.escape(text[at:start]), "<mark>", html.escape(text[start:stop]), "</mark>"]
        at = stop
    out.append(html.escape(text[at:end]))
    out.append("…" if end < len(text) else "")
    return "".join(out)

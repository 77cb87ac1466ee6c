"""Course text for content similarity: tokens, weighted TF-IDF vectors, and the terms two courses share."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

_WORD = re.compile(r"[a-z0-9][a-z0-9+#.]*[a-z0-9+#]|[a-z0-9]|[\u4e00-\u9fff]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
STOPWORDS = frozenset(
    """a an and are as at be by for from how in into is it its of on or the this to with your you
    what why will can using use learn learning course courses complete guide introduction intro
    part basics beginners beginner master masterclass step one two new all more""".split()  # noqa: SIM905
)
TAG_WEIGHT, NAME_WEIGHT, TITLE_WEIGHT, BODY_WEIGHT = 3.0, 2.0, 1.0, 0.5


@dataclass(frozen=True)
class CourseText:
    """What content similarity reads from a course."""

    name: str
    description: str = ""
    tags: tuple[str, ...] = ()
    section_titles: tuple[str, ...] = ()


@dataclass
class TextIndex:
    """A TF-IDF matrix (courses × features, rows L2-normalised) and each course's readable terms."""

    matrix: sparse.csr_matrix
    terms: list[dict[str, float]] = field(default_factory=list)


def tokens(text: str) -> list[str]:
    """Lower-case word tokens without stop words; a run of Chinese characters becomes its bigrams (a lone
    character stays: it is a word). A single Latin letter or digit is dropped: "Part B" and "Java B" share
    nothing worth a recommendation (a course about C or R says so in a tag, which is matched whole)."""
    out: list[str] = []
    for word in _WORD.findall(text.lower().replace("-", " ").replace("_", " ")):
        if _CJK.match(word):
            out.extend(word[i : i + 2] for i in range(max(1, len(word) - 1)))
        elif len(word) >= 2 and word not in STOPWORDS and not word.isdigit():
            out.append(word)
    return out


def features(course: CourseText) -> dict[str, float]:
    """Weighted raw term counts: whole tags, then words of the tags, name, section titles, description."""
    counts: defaultdict[str, float] = defaultdict(float)
    for tag in course.tags:
        counts[f"#{tag.lower()}"] += TAG_WEIGHT
        for word in tokens(tag):
            counts[word] += TAG_WEIGHT / 2
    for word in tokens(course.name):
        counts[word] += NAME_WEIGHT
    for title in course.section_titles:
        for word in tokens(title):
            counts[word] += TITLE_WEIGHT
    for word in tokens(course.description):
        counts[word] += BODY_WEIGHT
    return counts


def build_index(courses: list[CourseText]) -> TextIndex:
    """Sublinear TF × smoothed IDF, rows normalised, so a row product is a cosine similarity."""
    docs = [features(c) for c in courses]
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(doc.keys())
    vocab = {term: i for i, term in enumerate(sorted(df))}
    n = len(docs)
    idf = {t: math.log((1 + n) / (1 + df[t])) + 1.0 for t in vocab}
    rows, cols, vals = [], [], []
    weighted: list[dict[str, float]] = []
    for r, doc in enumerate(docs):
        w = {t: (1.0 + math.log(c) if c > 1 else c) * idf[t] for t, c in doc.items()}
        norm = math.sqrt(sum(v * v for v in w.values())) or 1.0
        weighted.append({t: v / norm for t, v in w.items()})
        for t, v in w.items():
            rows.append(r)
            cols.append(vocab[t])
            vals.append(v / norm)
    matrix = sparse.csr_matrix(
        (np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(n, max(1, len(vocab)))
    )
    return TextIndex(matrix, weighted)


def shared_terms(a: dict[str, float], b: dict[str, float], limit: int = 2) -> list[str]:
    """The readable terms two courses share most, tags first (`#python` → `python`)."""
    common = sorted(set(a) & set(b), key=lambda t: (not t.startswith("#"), -(a[t] * b[t]), t))
    picked: list[str] = []
    for term in common:
        word = term.removeprefix("#")
        if not any(word in p or p in word for p in picked):
            picked.append(word)
        if len(picked) == limit:
            break
    return picked

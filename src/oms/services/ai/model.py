"""The recommendation model: item-item co-enrollment, content similarity and a popularity prior.

Built in one batch from interactions and course text (`build`), kept as sparse top-K neighbour rows, and
scored by one formula that serving (`services/ai/recommendations.py`, per user, from stored rows) and the
offline evaluation (`score`, per batch of users, from the matrices) both follow:

    score(j) = w_co · co(j) / max co + w_content · content(j) / max content + w_pop · popularity(j)

where co(j) = Σ_i r_i · sim_co(i, j) over the user's courses i, weighted by recency r_i (the newest is 1,
each older one `recency` times the one after it), content(j) likewise with TF-IDF cosine similarity, and
popularity is log(1 + enrollments) scaled to [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from oms.services.ai.text import CourseText, TextIndex, build_index

NEIGHBOURS = 50
_BLOCK = 512


@dataclass(frozen=True)
class Weights:
    """How the parts are mixed; tuned by `oms eval-recommender` on the validation data (docs/ai.md)."""

    co: float = 1.0
    content: float = 0.5
    popularity: float = 0.2
    recency: float = 0.6
    damping: float = 0.1  # co-enrollment similarity C_ij / (n_i^(1-d) · n_j^d); 0.5 is the cosine


HYBRID = Weights()
ITEM_KNN = Weights(co=1.0, content=0.0, popularity=0.0, recency=1.0)
CONTENT = Weights(co=0.0, content=1.0, popularity=0.0, recency=HYBRID.recency)


@dataclass
class ItemModel:
    """Sparse neighbour rows (course × course) for both similarities, and the popularity prior."""

    co: sparse.csr_matrix
    content: sparse.csr_matrix
    popularity: np.ndarray
    counts: np.ndarray
    text: TextIndex


def top_k_rows(matrix: sparse.csr_matrix, k: int, offset: int = 0) -> sparse.csr_matrix:
    """Keep the k largest entries of each row, without the self-similarity (column = row + offset)."""
    matrix = matrix.tocsr()
    rows, cols, vals = [], [], []
    for r in range(matrix.shape[0]):
        start, end = matrix.indptr[r], matrix.indptr[r + 1]
        data, idx = matrix.data[start:end], matrix.indices[start:end]
        keep = (idx != r + offset) & (data > 0)
        data, idx = data[keep], idx[keep]
        if len(idx) > k:
            best = np.argpartition(-data, k - 1)[:k]
            data, idx = data[best], idx[best]
        rows.append(np.full(len(idx), r, dtype=np.int32))
        cols.append(idx)
        vals.append(data)
    if not rows:
        return sparse.csr_matrix(matrix.shape, dtype=np.float32)
    return sparse.csr_matrix(
        (np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
        shape=matrix.shape,
    )


def interaction_matrix(pairs: Sequence[tuple[int, int]], n_users: int, n_items: int) -> sparse.csr_matrix:
    """Binary users × courses matrix from (user, course) index pairs."""
    if not pairs:
        return sparse.csr_matrix((n_users, n_items), dtype=np.float32)
    users, items = np.asarray(pairs, dtype=np.int64).T
    matrix = sparse.csr_matrix(
        (np.ones(len(users), dtype=np.float32), (users, items)), shape=(n_users, n_items)
    )
    matrix.data[:] = 1.0  # a repeated pair counts once
    return matrix


def co_enrollment(x: sparse.csr_matrix, k: int, damping: float) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Damped co-enrollment similarity, top-k per course, and enrollments per course."""
    counts = np.asarray(x.sum(axis=0)).ravel().astype(np.float64)
    co = (x.T @ x).tocsr().astype(np.float32)
    safe = np.maximum(counts, 1.0)
    left = sparse.diags((1.0 / safe ** (1 - damping)).astype(np.float32))
    right = sparse.diags((1.0 / safe**damping).astype(np.float32))
    return top_k_rows(left @ co @ right, k), counts


def content_similarity(index: TextIndex, k: int) -> sparse.csr_matrix:
    """TF-IDF cosine similarity, top-k per course, computed a block of rows at a time."""
    tfidf = index.matrix
    blocks = [
        top_k_rows(tfidf[start : start + _BLOCK] @ tfidf.T, k, offset=start)
        for start in range(0, tfidf.shape[0], _BLOCK)
    ]
    if not blocks:
        return sparse.csr_matrix((0, 0), dtype=np.float32)
    return sparse.vstack(blocks).tocsr()


def popularity_prior(counts: np.ndarray) -> np.ndarray:
    """log(1 + enrollments) scaled to [0, 1]."""
    logs = np.log1p(counts)
    top = logs.max() if logs.size else 0.0
    return (logs / top).astype(np.float32) if top > 0 else np.zeros_like(logs, dtype=np.float32)


def build(
    pairs: Sequence[tuple[int, int]],
    n_users: int,
    courses: list[CourseText],
    weights: Weights = HYBRID,
    k: int = NEIGHBOURS,
) -> ItemModel:
    """The model from (user, course) index pairs and each course's text."""
    x = interaction_matrix(pairs, n_users, len(courses))
    co, counts = co_enrollment(x, k, weights.damping)
    index = build_index(courses)
    return ItemModel(co, content_similarity(index, k), popularity_prior(counts), counts, index)


def seed_matrix(histories: Sequence[Sequence[int]], n_items: int, recency: float) -> sparse.csr_matrix:
    """Users × courses seed weights: each history is oldest first; the newest course weighs 1."""
    rows, cols, vals = [], [], []
    for r, history in enumerate(histories):
        for age, item in enumerate(reversed(history)):
            rows.append(r)
            cols.append(item)
            vals.append(recency**age)
    return sparse.csr_matrix(
        (np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(len(histories), n_items)
    )


def _row_normalised(matrix: np.ndarray) -> np.ndarray:
    top = matrix.max(axis=1, keepdims=True)
    out: np.ndarray = np.divide(matrix, top, out=np.zeros_like(matrix), where=top > 0)
    return out


def score(model: ItemModel, histories: Sequence[Sequence[int]], weights: Weights) -> np.ndarray:
    """Scores (users × courses) for a batch of histories; courses already taken score -inf."""
    n_items = model.popularity.shape[0]
    seeds = seed_matrix(histories, n_items, weights.recency)
    total = np.zeros((len(histories), n_items), dtype=np.float32)
    if weights.co:
        total += weights.co * _row_normalised((seeds @ model.co).toarray())
    if weights.content:
        total += weights.content * _row_normalised((seeds @ model.content).toarray())
    if weights.popularity:
        total += weights.popularity * model.popularity[None, :]
    taken = seeds.nonzero()
    total[taken] = -np.inf
    return total

"""The served recommendation model: EASE, "what learners take next", co-enrollment, content, popularity.

Built in one batch (`build`) from interactions in time order and course text, kept as sparse top-K neighbour
rows per course, and scored by one formula that serving (`services/ai/recommendations.py`, per user, from
the stored rows) and the offline evaluation (`score`, per batch of users, from the same rows) both follow:

    score(j) = w_ease · ease(j) / max ease + w_next · next(j) / max next + w_co · co(j) / max co
             + w_content · content(j) / max content

- ease(j) = Σ_i B_ij over the user's courses i: EASE (Steck 2019), the closed-form linear item model
  B = I − P · diag(1/diag P), P = (XᵀX + λI)⁻¹, on courses with at least `min_count` learners (float32,
  Cholesky), only positive weights kept;
- next(j) = Σ_i r_i · N_ij: N_ij counts learners who took j within `next_window` courses after i (the k-th
  later course weighing `next_decay`^(k−1)); r_i weighs the user's newest course 1 and each older one
  `next_recency` times the one after it;
- co(j) = Σ_i W_ij with W the RP3β co-enrollment walk (item → learner → item, probabilities to the power
  α, divided by popularity(j)^β: it reaches beyond the most popular courses); content(j) likewise with
  TF-IDF cosine similarity divided by (learners_j + 1)^`content_popularity`: content is the part that
  reaches courses few or none took yet, and the penalty lets it do that instead of echoing the
  collaborative parts' popular picks (catalogue coverage). popularity = log(1 + learners) in [0, 1] ranks
  the cold-start picks.
Each part is normalised by its maximum over the candidates, so the weights are comparable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from oms.services.ai.ease import ease
from oms.services.ai.text import CourseText, TextIndex, build_index

NEIGHBOURS = 50
_BLOCK = 512


@dataclass(frozen=True)
class Weights:
    """The served blend: content's weight and popularity penalty tuned on the validation split
    (`oms eval-recommender --tune`), the rest chosen in an earlier round on leave-latest-out."""

    ease: float = 1.0
    next: float = 0.5
    co: float = 1.0
    content: float = 0.5
    recency: float = 1.0  # seed weight of each older course for ease/co/content (1: all equal)
    next_recency: float = 0.7
    next_window: int = 3
    next_decay: float = 0.5
    lam: float = 200.0
    min_count: int = 3
    rp3_alpha: float = 0.6
    rp3_beta: float = 0.2
    content_popularity: float = 0.3  # content's weight towards j divided by (learners_j + 1)^this


SERVED = Weights()


@dataclass
class ItemModel:
    """Sparse neighbour rows (course × course) of each part, and the popularity prior."""

    ease: sparse.csr_matrix
    next: sparse.csr_matrix
    co: sparse.csr_matrix
    content: sparse.csr_matrix
    popularity: np.ndarray
    counts: np.ndarray
    text: TextIndex


def top_k_rows(matrix: sparse.spmatrix | np.ndarray, k: int, offset: int = 0) -> sparse.csr_matrix:
    """Keep the k largest positive entries of each row, without the self-similarity (column = row +
    offset). Dense input is read a row at a time."""
    dense = isinstance(matrix, np.ndarray)
    csr = None if dense else sparse.csr_matrix(matrix)
    rows, cols, vals = [], [], []
    for r in range(matrix.shape[0]):
        if dense:
            row = matrix[r]
            idx = np.flatnonzero(row > 0)
            data = row[idx]
        else:
            assert csr is not None
            start, end = csr.indptr[r], csr.indptr[r + 1]
            data, idx = csr.data[start:end], csr.indices[start:end]
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


def co_counts(x: sparse.csr_matrix) -> sparse.csr_matrix:
    """Raw co-enrollment counts C_ij = learners who took both (diagonal zero)."""
    co = (x.T @ x).tocsr().astype(np.float32)
    co.setdiag(0)
    co.eliminate_zeros()
    return co


def rp3beta(x: sparse.csr_matrix, alpha: float, beta: float) -> sparse.csr_matrix:
    """RP3β: a three-step random walk item → user → item with probabilities raised to α, divided by the
    destination's popularity^β."""
    users = np.maximum(np.asarray(x.sum(axis=1)).ravel(), 1.0)
    counts = np.maximum(np.asarray(x.sum(axis=0)).ravel(), 1.0)
    p_ui = (sparse.diags((1.0 / users).astype(np.float32)) @ x).tocsr()
    p_iu = (sparse.diags((1.0 / counts).astype(np.float32)) @ x.T).tocsr()
    p_ui.data **= alpha
    p_iu.data **= alpha
    walk = (p_iu @ p_ui).tocsr()
    walk.setdiag(0)
    walk.eliminate_zeros()
    return (walk @ sparse.diags((1.0 / counts**beta).astype(np.float32))).tocsr()


def next_counts(
    sequences: Sequence[Sequence[int]], n_items: int, window: int, decay: float
) -> sparse.csr_matrix:
    """N_ij: learners who took j within `window` courses after i (the k-th later one weighing decay^(k-1))."""
    rows, cols, vals = [], [], []
    for seq in sequences:
        for a, item in enumerate(seq):
            for k in range(1, window + 1):
                if a + k < len(seq):
                    rows.append(item)
                    cols.append(seq[a + k])
                    vals.append(decay ** (k - 1))
    return sparse.csr_matrix(
        (np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(n_items, n_items)
    ).tocsr()


def _scaled(matrix: sparse.spmatrix, columns: np.ndarray) -> sparse.csr_matrix:
    """Each column j multiplied by columns[j]."""
    return sparse.csr_matrix(matrix @ sparse.diags(columns.astype(np.float32)))


def content_similarity(index: TextIndex, k: int, columns: np.ndarray | None = None) -> sparse.csr_matrix:
    """TF-IDF cosine similarity (each column j times columns[j] when given), top-k per course, computed a
    block of rows at a time."""
    tfidf = index.matrix
    blocks = [
        top_k_rows(block if columns is None else _scaled(block, columns), k, offset=start)
        for start in range(0, tfidf.shape[0], _BLOCK)
        for block in [tfidf[start : start + _BLOCK] @ tfidf.T]
    ]
    if not blocks:
        return sparse.csr_matrix((0, 0), dtype=np.float32)
    return sparse.vstack(blocks).tocsr()


def popularity_prior(counts: np.ndarray) -> np.ndarray:
    """log(1 + learners) scaled to [0, 1]."""
    logs = np.log1p(counts)
    top = logs.max() if logs.size else 0.0
    return (logs / top).astype(np.float32) if top > 0 else np.zeros_like(logs, dtype=np.float32)


def build(
    sequences: Sequence[Sequence[int]],
    courses: list[CourseText],
    weights: Weights = SERVED,
    k: int = NEIGHBOURS,
    index: TextIndex | None = None,
) -> ItemModel:
    """The model from each learner's courses in the order taken, and each course's text."""
    n = len(courses)
    pairs = [(u, i) for u, seq in enumerate(sequences) for i in seq]
    x = interaction_matrix(pairs, len(sequences), n)
    counts = np.asarray(x.sum(axis=0)).ravel().astype(np.float64)
    index = index or build_index(courses)
    return ItemModel(
        ease=top_k_rows(ease(x, weights.lam, weights.min_count), k),
        next=top_k_rows(next_counts(sequences, n, weights.next_window, weights.next_decay), k),
        co=top_k_rows(rp3beta(x, weights.rp3_alpha, weights.rp3_beta), k),
        content=content_similarity(index, k, 1.0 / (counts + 1) ** weights.content_popularity),
        popularity=popularity_prior(counts),
        counts=counts,
        text=index,
    )


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
    for w, part in ((weights.ease, model.ease), (weights.co, model.co), (weights.content, model.content)):
        if w:
            total += w * _row_normalised((seeds @ part).toarray())
    if weights.next:
        recent = seed_matrix(histories, n_items, weights.next_recency)
        total += weights.next * _row_normalised((recent @ model.next).toarray())
    total[seeds.nonzero()] = -np.inf
    return total

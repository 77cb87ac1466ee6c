"""The baselines `oms eval-recommender` compares the served model with, each a scorer of history batches.

popularity; raw co-occurrence counts; cosine item-kNN; the earlier damped item-kNN, content and hybrid;
EASE with λ tuned; RP3β (Paudel et al. 2017) with α, β tuned. Tuning picks the best HR@10 on the tuning
split and applies the same parameters to the other split.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import sparse

from oms.services.ai import model as served
from oms.services.ai.ease import ease
from oms.services.ai.text import TextIndex

Scorer = Callable[[Sequence[Sequence[int]]], np.ndarray]
EASE_LAMBDAS = (100.0, 250.0, 500.0)
RP3_GRID = ((0.8, 0.3), (1.0, 0.3), (1.0, 0.5), (0.6, 0.2))
OLD_DAMPING, OLD_RECENCY = 0.1, 0.6  # the first round's item-kNN and hybrid


def _dense(m: Any) -> np.ndarray:
    return np.asarray(m.toarray() if sparse.issparse(m) else m, dtype=np.float32)


def linear(weights: sparse.spmatrix | np.ndarray, recency: float = 1.0) -> Scorer:
    """score = seeds · W: the user's courses (newest weighing 1, each older `recency` times less)."""

    def scorer(histories: Sequence[Sequence[int]]) -> np.ndarray:
        return _dense(served.seed_matrix(histories, weights.shape[0], recency) @ weights)

    return scorer


def popularity(counts: np.ndarray) -> Scorer:
    """Most-taken courses first."""
    prior = served.popularity_prior(counts)
    return lambda histories: np.tile(prior, (len(histories), 1))


def cosine(x: sparse.csr_matrix) -> sparse.csr_matrix:
    """Cosine item-kNN similarity C_ij / sqrt(n_i n_j)."""
    counts = np.maximum(np.asarray(x.sum(axis=0)).ravel(), 1.0)
    scale = sparse.diags((1.0 / np.sqrt(counts)).astype(np.float32))
    return (scale @ served.co_counts(x) @ scale).tocsr()


def damped(x: sparse.csr_matrix, k: int = served.NEIGHBOURS) -> sparse.csr_matrix:
    """The first round's item-kNN: C_ij / (n_i^0.9 · n_j^0.1), top-k per course."""
    counts = np.maximum(np.asarray(x.sum(axis=0)).ravel(), 1.0)
    left = sparse.diags((1.0 / counts ** (1 - OLD_DAMPING)).astype(np.float32))
    right = sparse.diags((1.0 / counts**OLD_DAMPING).astype(np.float32))
    return served.top_k_rows(left @ served.co_counts(x) @ right, k)


def hybrid(knn: sparse.csr_matrix, content: sparse.csr_matrix, counts: np.ndarray) -> Scorer:
    """The first round's served blend: damped item-kNN + 0.5 content + 0.2 popularity, recency 0.6."""
    prior = served.popularity_prior(counts)

    def scorer(histories: Sequence[Sequence[int]]) -> np.ndarray:
        seeds = served.seed_matrix(histories, knn.shape[0], OLD_RECENCY)
        total = _normalised(_dense(seeds @ knn)) + 0.5 * _normalised(_dense(seeds @ content))
        return total + 0.2 * prior[None, :]

    return scorer


def _normalised(m: np.ndarray) -> np.ndarray:
    top = m.max(axis=1, keepdims=True)
    out: np.ndarray = np.divide(m, top, out=np.zeros_like(m), where=top > 0)
    return out


def fixed(x: sparse.csr_matrix, index: TextIndex) -> dict[str, Scorer]:
    """The baselines without parameters to tune."""
    counts = np.asarray(x.sum(axis=0)).ravel()
    content = served.content_similarity(index, served.NEIGHBOURS)
    knn = damped(x)
    return {
        "popularity": popularity(counts),
        "co-occurrence": linear(served.co_counts(x)),
        "cosine kNN": linear(cosine(x)),
        "item-kNN (old)": linear(knn),
        "content": linear(content, OLD_RECENCY),
        "hybrid (old)": hybrid(knn, content, counts),
    }


def tunable(x: sparse.csr_matrix, min_count: int) -> dict[str, dict[str, Callable[[], Scorer]]]:
    """EASE per λ and RP3β per (α, β): `{family: {parameters: make scorer}}` (made one at a time: an EASE
    matrix of the whole catalogue is a quarter of a gigabyte)."""

    def make_ease(lam: float) -> Callable[[], Scorer]:
        return lambda: linear(ease(x, lam, min_count))

    def make_rp3(a: float, b: float) -> Callable[[], Scorer]:
        return lambda: linear(served.rp3beta(x, a, b))

    return {
        "EASE": {f"λ={lam:g}": make_ease(lam) for lam in EASE_LAMBDAS},
        "RP3β": {f"α={a:g} β={b:g}": make_rp3(a, b) for a, b in RP3_GRID},
    }

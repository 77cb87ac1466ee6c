"""EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"): the closed-form linear item model behind the
served recommender's strongest part, B = I − P · diag(1/diag P) with P = (XᵀX + λI)⁻¹."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.linalg import lapack


def spd_inverse(matrix: np.ndarray) -> np.ndarray:
    """The inverse of a symmetric positive definite float32 matrix via its Cholesky factor (LAPACK potrf +
    potri: about a third of the work of solving against the identity). Overwrites `matrix`."""
    factor, info = lapack.spotrf(matrix, lower=True, overwrite_a=True, clean=False)
    if info != 0:
        raise np.linalg.LinAlgError(f"not positive definite (potrf info {info})")
    inverse, info = lapack.spotri(factor, lower=True, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"potri info {info}")
    lower = np.tril(inverse)
    out: np.ndarray = lower + np.tril(lower, -1).T
    return out


def ease(x: sparse.csr_matrix, lam: float, min_count: int) -> np.ndarray:
    """EASE weights (courses × courses, dense float32) over courses with at least `min_count` learners;
    the others get none (content and popularity rank them)."""
    n = x.shape[1]
    counts = np.asarray(x.sum(axis=0)).ravel()
    keep = np.flatnonzero(counts >= min_count)
    out = np.zeros((n, n), dtype=np.float32)
    if keep.size < 2:
        return out
    sub = x[:, keep]
    gram = (sub.T @ sub).toarray().astype(np.float32)
    gram[np.diag_indices_from(gram)] += lam
    inverse = spd_inverse(gram)

    weights = -inverse / np.diag(inverse)[None, :]
    np.fill_diagonal(weights, 0.0)
    out[np.ix_(keep, keep)] = weights
    return out

"""Free-text embedders.

An ``Embedder`` turns texts into L2-normalized rows; the affinity uses their cosine (a dot
product), clipped to [0, 1]. An embedder that also has exact sparse, non-negative rows (TF-IDF)
returns them from ``embed_sparse``; the affinity then uses those (cheaper and exact at any
vocabulary size). Others return None there: subclassing ``Embedder`` gives that default.
``TfidfEmbedder`` is the offline default: TF-IDF fitted over the event's own answers, so it
needs no download and is deterministic. Large vocabularies are reduced
with a seeded truncated SVD so the n x n cosine stays a cheap dense product at n = 10,000.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray


class Embedder(Protocol):
    """Anything that embeds texts as L2-normalized rows (one row per text)."""

    def embed(self, texts: list[str]) -> NDArray[np.floating]: ...

    def embed_sparse(self, texts: list[str]) -> sp.csr_matrix | None:
        """Exact L2-normalized, non-negative sparse rows, or None when there are none."""
        return None


def l2_normalize(rows: NDArray[np.floating]) -> NDArray[np.float32]:
    """Scales each row to unit length; all-zero rows stay zero (no signal)."""
    out = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    result: NDArray[np.float32] = np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
    return result


@contextmanager
def _without_pandas() -> Iterator[None]:
    """Hides pandas while scikit-learn loads, unless it is loaded already.

    scikit-learn imports pandas at import time whenever it is installed (sklearn/utils/fixes.py),
    only to accept DataFrames, which the engine never passes; pandas is installed because ortools
    (the exact fallback) needs it, and loading it costs 1-3 s. Blocked, scikit-learn notes pandas
    as absent; once loaded, ortools imports pandas as usual.
    """
    if "pandas" in sys.modules:
        yield
        return
    sys.modules["pandas"] = None  # type: ignore[assignment]  # import pandas -> ImportError
    try:
        yield
    finally:
        if sys.modules.get("pandas", ...) is None:
            del sys.modules["pandas"]


class TfidfEmbedder(Embedder):
    """TF-IDF over the given texts (word unigrams, sublinear tf), fitted on these texts only."""

    def __init__(self, max_dim: int = 256, seed: int = 0) -> None:
        self.max_dim = max_dim
        self.seed = seed

    def embed_sparse(self, texts: list[str]) -> sp.csr_matrix:
        """The exact TF-IDF rows (L2-normalized, non-negative), as a sparse matrix.

        The affinity prefers this to ``embed``: short answers share few words, so the sparse
        product of two row blocks is cheap and exact at any vocabulary size.
        """
        with _without_pandas():
            from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(sublinear_tf=True, dtype=np.float32)
        try:
            matrix: sp.csr_matrix = vectorizer.fit_transform(texts).tocsr()
        except ValueError:  # no tokens at all (empty or only punctuation)
            return sp.csr_matrix((len(texts), 1), dtype=np.float32)
        return matrix

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        """Dense rows; vocabularies above ``max_dim`` are reduced by a seeded truncated SVD."""
        with _without_pandas():
            from sklearn.decomposition import TruncatedSVD

        matrix = self.embed_sparse(texts)
        if matrix.shape[1] <= self.max_dim:
            return l2_normalize(matrix.toarray())
        svd = TruncatedSVD(n_components=self.max_dim, random_state=self.seed)
        return l2_normalize(svd.fit_transform(matrix))


def default_embedder(seed: int = 0) -> Embedder:
    """The embedder for text questions when the caller names none."""
    return TfidfEmbedder(seed=seed)

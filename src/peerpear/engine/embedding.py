"""Free-text embedders.

An ``Embedder`` turns texts into L2-normalized rows; the affinity uses their cosine (a dot
product), clipped to [0, 1]. ``TfidfEmbedder`` is the offline default: TF-IDF fitted over the
event's own answers, so it needs no download and is deterministic. Large vocabularies are reduced
with a seeded truncated SVD so the n x n cosine stays a cheap dense product at n = 10,000.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray


@runtime_checkable
class Embedder(Protocol):
    """Anything that embeds texts as L2-normalized rows (one row per text)."""

    def embed(self, texts: list[str]) -> NDArray[np.floating]: ...


def l2_normalize(rows: NDArray[np.floating]) -> NDArray[np.float32]:
    """Scales each row to unit length; all-zero rows stay zero (no signal)."""
    out = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    result: NDArray[np.float32] = np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
    return result


class TfidfEmbedder:
    """TF-IDF over the given texts (word unigrams and bigrams, sublinear tf)."""

    def __init__(self, max_dim: int = 256, seed: int = 0) -> None:
        self.max_dim = max_dim
        self.seed = seed

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not any(t.strip() for t in texts):
            return np.zeros((len(texts), 1), dtype=np.float32)
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
        try:
            matrix = vectorizer.fit_transform(texts)
        except ValueError:  # only stop words / no tokens at all
            return np.zeros((len(texts), 1), dtype=np.float32)
        if matrix.shape[1] <= self.max_dim:
            return l2_normalize(matrix.toarray())
        svd = TruncatedSVD(n_components=self.max_dim, random_state=self.seed)
        return l2_normalize(svd.fit_transform(matrix))

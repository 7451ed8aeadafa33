"""Free-text embedders.

An ``Embedder`` turns texts into L2-normalized rows; the affinity uses their cosine (a dot
product) rescaled from [``baseline``, 1] to [0, 1] and clipped there (``baseline`` is 0 unless
the embedder says otherwise). An embedder that also has exact sparse, non-negative rows
(TF-IDF) returns them from ``embed_sparse``; the affinity then uses those (cheaper and exact at
any vocabulary size). Others return None there: subclassing ``Embedder`` gives that default.

Two embedders, both offline and deterministic:

- ``SemanticEmbedder`` (``semantic.py``, the optional ``semantic`` extra): a static model that
  knows which words mean similar things; the default when installed.
- ``TfidfEmbedder``: TF-IDF fitted over the event's own answers (shared words only). Large
  vocabularies are reduced with a seeded truncated SVD so the n x n cosine stays a cheap dense
  product at n = 10,000.

``default_embedder`` picks one for a choice of ``EMBEDDER_CHOICES``; the engine reads no
setting itself: the service and the CLI pass the choice in (PEERPEAR_TEXT_EMBEDDER,
``peerpear pair --embedder``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, Protocol, get_args

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

EmbedderChoice = Literal["auto", "semantic", "tfidf"]
EMBEDDER_CHOICES: tuple[str, ...] = get_args(EmbedderChoice)


class Embedder(Protocol):
    """Anything that embeds texts as L2-normalized rows (one row per text).

    ``baseline``: the cosine that counts as no similarity at all (what unrelated texts reach
    anyway); the affinity maps [baseline, 1] onto [0, 1].
    """

    baseline: float = 0.0

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


def semantic_installed() -> bool:
    """Whether the semantic embedder's package is installed (without importing it)."""
    from peerpear.engine import semantic

    return semantic.installed()


def default_embedder(
    seed: int = 0, choice: EmbedderChoice = "auto", cache_dir: Path | None = None
) -> Embedder:
    """The embedder for text questions: ``semantic``, ``tfidf``, or ``auto`` (the semantic one
    when installed, else TF-IDF); the engine's choice when the caller names none.

    ``semantic`` when it is not installed raises ``SemanticUnavailable`` (before any work).
    ``cache_dir``: keep the semantic vectors in a file cache there (``embedding_cache.py``).
    """
    if choice not in EMBEDDER_CHOICES:
        raise ValueError(f"unknown text embedder {choice!r}; expected one of {EMBEDDER_CHOICES}")
    if choice == "tfidf" or (choice == "auto" and not semantic_installed()):
        return TfidfEmbedder(seed=seed)
    from peerpear.engine import semantic
    from peerpear.engine.embedding_cache import EmbeddingCache

    if not semantic.installed():
        raise semantic.SemanticUnavailable(semantic.NOT_INSTALLED)
    return semantic.SemanticEmbedder(None if cache_dir is None else EmbeddingCache(cache_dir))


def embedder_name(embedder: Embedder) -> str:
    """A short name for reports: ``semantic`` or ``tfidf`` (else the class name)."""
    from peerpear.engine.semantic import SemanticEmbedder

    if isinstance(embedder, SemanticEmbedder):
        return "semantic"
    if isinstance(embedder, TfidfEmbedder):
        return "tfidf"
    return type(embedder).__name__

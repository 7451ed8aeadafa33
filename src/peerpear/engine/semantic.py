"""Semantic text embeddings offline: WordLlama's static 256-d model (the ``semantic`` extra).

A static model: each token has one vector, and an answer's vector is the mean of its tokens'
(``wordllama`` ships the weights and the tokenizer in its wheel, so nothing is downloaded). It
knows that "trail running" is close to "hiking" and "lead singer of a band" to "guitar", which
TF-IDF, counting shared words, cannot; and it embeds 10,000 short answers in about half a
second (docs/benchmarks.md, "Text embedders").

- **Loaded once per process**, from the installed package's folder, with downloads disabled
  (``WordLlama.load`` otherwise looks for its tokenizer in the wrong folder and then tries the
  Hugging Face hub; ``HF_HUB_OFFLINE`` is set around the load as well). The pairing's fork
  server loads it before forking each run's solver (``pairing/preload_semantic.py``).
- **Calibrated**: unrelated short answers have cosines scattered around 0 to 0.15, so the
  affinity counts only what lies above ``BASELINE`` (``Embedder.baseline``): "similar" means
  closer than unrelated answers usually are.
- **Deterministic**: a text's vector does not depend on the other texts of the batch (the mean
  skips padding exactly), so cached and freshly computed vectors are the same bits
  (``embedding_cache.py``).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import importlib.util
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.embedding import Embedder, l2_normalize
from peerpear.engine.embedding_cache import EmbeddingCache

PACKAGE = "wordllama"
CONFIG = "l2_supercat"  # the model whose weights the wheel ships
DIM = 256
# Cosines below this count as no similarity: about the 85th percentile of the cosines between
# unrelated answers of tests/data/paraphrases.json (their mean is 0.02; paraphrases with no
# word in common average 0.32). benchmarks/text/embedders.py measures both.
BASELINE = 0.10
BATCH = 64  # texts per tokenizer call: wordllama's default; 512 was slower (more padding)

_lock = threading.Lock()
_model: Any = None


NOT_INSTALLED = (
    "the semantic text embedder needs the optional package wordllama: install PeerPear with the "
    "'semantic' extra (uv sync --extra semantic, or pip install 'peerpear[semantic]'), or choose "
    "the TF-IDF embedder (PEERPEAR_TEXT_EMBEDDER=tfidf, peerpear pair --embedder tfidf)"
)


class SemanticUnavailable(RuntimeError):
    """The semantic model was asked for but cannot be loaded (the extra is not installed)."""


def installed() -> bool:
    """Whether ``wordllama`` can be imported (checked without importing it)."""
    return importlib.util.find_spec(PACKAGE) is not None


@functools.cache
def model_id() -> str:
    """Names the vectors: the package version and model (the cache key's first part)."""
    return f"{PACKAGE}-{importlib.metadata.version(PACKAGE)}-{CONFIG}-{DIM}"


@contextlib.contextmanager
def _quiet_offline_import() -> Iterator[None]:
    """No network, and no changes to logging, while wordllama loads.

    ``import wordllama`` calls ``logging.basicConfig(level=INFO)``, which gives the root logger
    a stderr handler when it has none yet (the CLI's, a test's): a placeholder handler keeps
    that call from doing anything.
    """
    root = logging.getLogger()
    placeholder = logging.NullHandler()
    root.addHandler(placeholder)
    saved = {key: os.environ.get(key) for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    os.environ.update({key: "1" for key in saved})
    try:
        yield
    finally:
        root.removeHandler(placeholder)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def load_model() -> Any:
    """The model, loaded on first use (thread-safe); raises ``SemanticUnavailable``."""
    global _model
    if _model is not None:
        return _model
    with _lock:
        if _model is None:
            if not installed():
                raise SemanticUnavailable(NOT_INSTALLED)
            with _quiet_offline_import():
                import wordllama

                folder = Path(wordllama.__file__).parent  # its weights/ and tokenizers/
                try:
                    _model = wordllama.WordLlama.load(
                        CONFIG, cache_dir=folder, dim=DIM, disable_download=True
                    )
                except (OSError, ValueError) as exc:  # FileNotFoundError: a broken install
                    raise SemanticUnavailable(
                        f"the semantic text model could not be loaded from {folder}: {exc}"
                    ) from exc
    return _model


def loaded() -> bool:
    """Whether this process has loaded the model already."""
    return _model is not None


class SemanticEmbedder(Embedder):
    """WordLlama vectors, L2-normalized; with ``cache``, each text's vector is computed once."""

    baseline = BASELINE

    def __init__(self, cache: EmbeddingCache | None = None) -> None:
        self.cache = cache

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        found = self.cache.get(model_id(), texts) if self.cache is not None else {}
        for i, text in enumerate(texts):
            row = found.get(text)
            if row is not None:
                out[i] = row
        missing = sorted({text for text in texts if text not in found})
        if missing:
            vectors = self._compute(missing)
            row_of = dict(zip(missing, vectors, strict=True))
            for i, text in enumerate(texts):
                if text not in found:
                    out[i] = row_of[text]
            if self.cache is not None:
                self.cache.put(model_id(), row_of)
        return out

    def _compute(self, texts: list[str]) -> NDArray[np.float32]:
        model = load_model()
        rows = model.embed(texts, norm=False, batch_size=BATCH)
        return l2_normalize(np.asarray(rows, dtype=np.float32))

"""Which text embedder this process pairs with, and where it caches vectors: the engine's
choice (``engine.default_embedder``) made from the settings, at the edge.

``PEERPEAR_TEXT_EMBEDDER``: ``auto`` (the semantic model when the ``semantic`` extra is
installed, else TF-IDF), ``semantic`` (the settings refuse to load without the extra) or
``tfidf``. ``PEERPEAR_EMBEDDING_CACHE_DIR``: the folder of the vector cache (default: the
user's cache folder, ``$XDG_CACHE_HOME/peerpear`` or ``~/.cache/peerpear``);
``PEERPEAR_EMBEDDING_CACHE=false`` keeps none.

The server (``create_app``) and the worker (``run_worker``) call ``configure`` once with their
settings; pairing runs (their solver processes get it as an argument) and the measurement of
an edited pairing use ``current()``. ``peerpear pair`` reads the same variables (``from_env``)
without loading the settings stack.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from peerpear.engine.embedding import EMBEDDER_CHOICES, EmbedderChoice

if TYPE_CHECKING:
    from peerpear.config import Settings
    from peerpear.engine.embedding import Embedder


def default_cache_dir() -> Path | None:
    """``$XDG_CACHE_HOME/peerpear``, else ``~/.cache/peerpear``; None (no cache) for a process
    with no home folder (a service account without one)."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no HOME and no password entry
            return None
    return Path(base) / "peerpear"


@dataclass(frozen=True)
class TextEmbedding:
    """The embedder choice and the vector cache's folder (None: no cache). Picklable: the
    solver process gets it with the problem."""

    choice: EmbedderChoice = "auto"
    cache_dir: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> TextEmbedding:
        cache_dir = None
        if settings.embedding_cache:
            cache_dir = settings.embedding_cache_dir or default_cache_dir()
        return cls(settings.text_embedder, cache_dir)

    @classmethod
    def from_env(cls, choice: str | None = None) -> TextEmbedding:
        """From the environment (``choice`` given wins); raises ValueError for a bad value."""
        choice = choice or os.environ.get("PEERPEAR_TEXT_EMBEDDER") or "auto"
        if choice not in EMBEDDER_CHOICES:
            raise ValueError(
                f"unknown text embedder {choice!r}; expected one of {', '.join(EMBEDDER_CHOICES)}"
            )
        enabled = os.environ.get("PEERPEAR_EMBEDDING_CACHE", "true").strip().lower()
        cache_dir = None
        if enabled not in ("0", "false", "no", "off"):
            folder = os.environ.get("PEERPEAR_EMBEDDING_CACHE_DIR")
            cache_dir = Path(folder) if folder else default_cache_dir()
        return cls(cast(EmbedderChoice, choice), cache_dir)

    @property
    def semantic(self) -> bool:
        """Whether this choice embeds with the semantic model (here, as installed)."""
        if self.choice == "tfidf":
            return False
        from peerpear.engine.embedding import semantic_installed

        return self.choice == "semantic" or semantic_installed()

    def embedder(self, seed: int = 0) -> Embedder:
        """The embedder for a run with this seed; raises ``SemanticUnavailable`` for
        ``semantic`` without the extra."""
        from peerpear.engine.embedding import default_embedder

        return default_embedder(seed, self.choice, self.cache_dir)


_current = TextEmbedding()


def configure(settings: Settings) -> TextEmbedding:
    """Makes the settings' choice this process's (the server's, a worker's)."""
    global _current
    _current = TextEmbedding.from_settings(settings)
    return _current


def current() -> TextEmbedding:
    return _current

"""Text embeddings computed before the solve (by an LLM provider), handed to the engine.

The engine stays pure: it never calls a provider. The caller embeds every distinct text answer
of the problem first (``text_answers`` lists them) and passes a ``PrecomputedEmbedder`` that
looks the rows up. It crosses into the solver process by pickling, so the rows are kept as one
float16 matrix (a distinct text once, however many people wrote it): 30,000 distinct answers of
1,536 dimensions are 92 MB rather than 184 MB, and half a per-mille of cosine precision is far
below what matters for an affinity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.embedding import Embedder, l2_normalize
from peerpear.engine.errors import EngineError


def text_answers(problem: dict[str, Any]) -> list[str]:
    """The distinct answers to the problem's text questions, as the affinity embeds them (in
    first-seen order)."""
    texts = {q["id"] for q in problem.get("questions", []) if q.get("type") == "text"}
    seen: dict[str, None] = {}
    for participant in problem.get("participants", []):
        for key, value in participant.get("answers", {}).items():
            if key in texts and isinstance(value, str) and value:
                seen.setdefault(value, None)
    return list(seen)


class PrecomputedEmbedder(Embedder):
    """Rows looked up by text: ``rows[i]`` is the embedding of ``texts[i]``."""

    def __init__(self, texts: list[str], rows: NDArray[np.floating]) -> None:
        if len(texts) != len(rows):
            raise ValueError(f"{len(texts)} texts but {len(rows)} embedding rows")
        self.index = {text: i for i, text in enumerate(texts)}
        self.rows = np.asarray(rows, dtype=np.float16)

    @property
    def dimensions(self) -> int:
        return int(self.rows.shape[1]) if self.rows.ndim == 2 else 0

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        try:
            picked = [self.index[text] for text in texts]
        except KeyError as exc:  # a caller bug: the texts were listed from another problem
            raise EngineError(f"no precomputed embedding for the text {exc.args[0]!r}") from None
        return l2_normalize(self.rows[picked].astype(np.float32))

"""Provider embeddings for a run's text questions (PEERPEAR_LLM_EMBEDDING_MODEL).

When an embedding model is configured and the provider is not offline, every distinct text
answer of the run is embedded by the provider before the solve (the client caches per text, so
re-runs cost nothing), and the engine uses those rows instead of its local embedder. Embeddings
improve a run but never decide whether it happens: when the provider fails, the run goes on
with the local embedder and its result says why (``text_embedder``). The provider reads the
texts scrubbed of names and emails (llm/scrub.py); the engine looks the rows up by the texts
as written.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from peerpear.engine.errors import Cancelled
from peerpear.engine.precomputed import PrecomputedEmbedder, text_answers
from peerpear.llm.base import LLMCallFailed, LLMClient, LLMUnavailable
from peerpear.llm.scrub import Scrubber
from peerpear.pairing.beating import Beat, while_beating
from peerpear.text_embedding import current

logger = logging.getLogger("peerpear.pairing")

PURPOSE = "embedding"
BATCH = 256  # texts per call: a bounded request whatever the size of the event
PROVIDER = "provider"


def local_label() -> str:
    """The result's name for this process's own embedder: ``local (semantic)`` or
    ``local (tfidf)``."""
    return f"local ({'semantic' if current().semantic else 'tfidf'})"


def wanted(llm: LLMClient, embedding_model: str) -> bool:
    return bool(embedding_model) and llm.provider != "offline"


async def _embed_all(
    llm: LLMClient, texts: list[str], event_id: int
) -> np.ndarray[Any, np.dtype[np.float32]]:
    rows = []
    for start in range(0, len(texts), BATCH):
        batch = texts[start : start + BATCH]
        got = np.asarray(await llm.embed(batch, purpose=PURPOSE, event_id=event_id))
        if got.ndim != 2 or len(got) != len(batch) or not np.isfinite(got).all():
            raise LLMCallFailed(
                f"the provider returned {got.shape} embeddings for {len(batch)} texts"
            )
        rows.append(got.astype(np.float32))
    return np.concatenate(rows)


async def provider_embedder(
    llm: LLMClient,
    embedding_model: str,
    problem: dict[str, Any],
    event_id: int,
    beat: Beat,
    scrub: Scrubber,
) -> tuple[PrecomputedEmbedder | None, str]:
    """(the embedder for the engine, or None for its local one; which one, for the result)."""
    if not wanted(llm, embedding_model):
        return None, local_label()
    texts = text_answers(problem)
    if not texts:
        return None, local_label()
    try:
        sent = [scrub.text(text) for text in texts]
        rows = await while_beating(_embed_all(llm, sent, event_id), beat, 0.05)
    except Cancelled:
        raise
    except (LLMCallFailed, LLMUnavailable) as exc:
        return None, f"{local_label()}; the provider failed: {exc}"
    except Exception as exc:  # a provider bug must not fail the run: the local embedder works
        logger.exception("provider embeddings failed for event %s", event_id)
        return None, f"{local_label()}; the provider failed: {type(exc).__name__}"
    return PrecomputedEmbedder(texts, rows), PROVIDER

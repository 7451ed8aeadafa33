"""The offline provider (the default): no model, no network.

``structured`` refuses with ``LLMUnavailable`` so that each use runs its deterministic fallback;
``embed`` uses the local text embedder this process pairs with (``text_embedding.current()``).
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from numpy.typing import NDArray

from peerpear.llm.base import LLMUnavailable, Output

NO_MODEL = (
    "no language model is configured (PEERPEAR_LLM_PROVIDER=offline); "
    "set it to gemini or openai to use this"
)


class OfflineLLM:
    provider = "offline"
    model = "none"
    available = False

    async def structured(
        self,
        purpose: str,
        instructions: str,
        data: Any,
        output: type[Output],
        *,
        event_id: int | None = None,
    ) -> Output:
        raise LLMUnavailable(NO_MODEL)

    async def embed(
        self, texts: list[str], *, purpose: str = "embedding", event_id: int | None = None
    ) -> NDArray[np.float32]:
        from peerpear.text_embedding import current

        # This process's choice (PEERPEAR_TEXT_EMBEDDER), as the runs use it.
        rows = await asyncio.to_thread(current().embedder().embed, texts)
        return np.asarray(rows, dtype=np.float32)

    async def aclose(self) -> None:
        return None

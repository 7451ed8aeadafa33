"""The one LLM interface every use goes through, and its errors.

A use asks for ``structured(purpose, instructions, data, Output)``: the provider is told the
instructions, gets ``data`` as JSON fenced off as data (never as instructions), and must answer
with an instance of the Pydantic model ``Output``; ``embed`` turns texts into L2-normalized rows.
The client behind it adds what every call needs: a timeout, retries, a concurrency limit, the
cache and a record of the call (llm/client.py). The ``offline`` provider has no model: its
``structured`` raises ``LLMUnavailable`` and each use falls back to its deterministic version
(an extractive summary, the engine's own explanation); its ``embed`` is the local embedder.

Privacy (DESIGN §4): callers pass pseudonymous ids and answer text only, never names or emails.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

Output = TypeVar("Output", bound=BaseModel)


class LLMUnavailable(Exception):
    """No language model is configured (the offline provider): use the fallback."""


class LLMCallFailed(Exception):
    """A call failed for good: retries exhausted, a refused request, or output that never
    validated. ``reason`` is one sentence for the call record and for an admin."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LLMClient(Protocol):
    """What the uses see. ``event_id`` files the call record under an event (admins read the
    records per event); ``purpose`` names the use (``summary``, ``suggest``, ...)."""

    @property
    def provider(self) -> str: ...

    @property
    def model(self) -> str: ...

    @property
    def available(self) -> bool:
        """False for the offline provider: ``structured`` would raise ``LLMUnavailable``."""
        ...

    async def structured(
        self,
        purpose: str,
        instructions: str,
        data: Any,
        output: type[Output],
        *,
        event_id: int | None = None,
    ) -> Output: ...

    async def embed(
        self, texts: list[str], *, purpose: str = "embedding", event_id: int | None = None
    ) -> NDArray[np.float32]: ...

    async def aclose(self) -> None: ...

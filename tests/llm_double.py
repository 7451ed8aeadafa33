"""A scripted stand-in for the LLM client, for testing the *uses* of the LLM (summaries,
suggestions, explanations, the llm strategy) without a provider.

The providers themselves (gemini, openai) are tested end to end against loopback servers that
speak their REST protocols (tests/llm); here a test decides what "the model" answers: a
function of (purpose, instructions, data) returning a dict for the output model, or raising
(``LLMCallFailed`` to simulate a call that failed for good). Every call is recorded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from fastapi import FastAPI
from numpy.typing import NDArray

from peerpear.engine.embedding import default_embedder
from peerpear.llm.base import Output

Respond = Callable[[str, str, Any], dict[str, Any]]


@dataclass
class Call:
    purpose: str
    instructions: str
    data: Any
    event_id: int | None


@dataclass
class ScriptedLLM:
    respond: Respond
    provider: str = "scripted"
    model: str = "test-model"
    available: bool = True
    calls: list[Call] = field(default_factory=list)

    async def structured(
        self,
        purpose: str,
        instructions: str,
        data: Any,
        output: type[Output],
        *,
        event_id: int | None = None,
    ) -> Output:
        self.calls.append(Call(purpose, instructions, data, event_id))
        return output.model_validate(self.respond(purpose, instructions, data))

    async def embed(
        self, texts: list[str], *, purpose: str = "embedding", event_id: int | None = None
    ) -> NDArray[np.float32]:
        self.calls.append(Call(purpose, "", texts, event_id))
        return np.asarray(default_embedder().embed(texts), dtype=np.float32)

    async def aclose(self) -> None:
        return None


def install_llm(app: FastAPI, llm: Any) -> None:
    """Make ``llm`` the client of a started app: its routes and its in-process jobs."""
    app.state.llm = llm
    jobs = app.state.jobs
    jobs.context = dataclasses.replace(jobs.context, llm=llm)

"""Stand-ins for the model in tests of the LLM's uses: one that waits at a gate (to prove who
does not wait for it) and one that fails every call."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from peerpear.llm.base import LLMCallFailed, Output
from tests.llm_double import Respond, ScriptedLLM


@dataclass
class GatedLLM(ScriptedLLM):
    """Answers like ScriptedLLM, but only once ``gate`` is set; ``entered`` is set on a call."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    entered: asyncio.Event = field(default_factory=asyncio.Event)

    async def structured(
        self,
        purpose: str,
        instructions: str,
        data: Any,
        output: type[Output],
        *,
        event_id: int | None = None,
    ) -> Output:
        self.entered.set()
        await self.gate.wait()
        return await super().structured(purpose, instructions, data, output, event_id=event_id)


def failing(reason: str = "the provider answered 500 four times") -> Respond:
    def respond(purpose: str, instructions: str, data: Any) -> dict[str, Any]:
        raise LLMCallFailed(reason)

    return respond


def sent(llm: ScriptedLLM) -> str:
    """Everything the model was sent (instructions and data), as one text to search."""
    return "\n".join(c.instructions + json.dumps(c.data) for c in llm.calls)


async def jobs_idle(app: FastAPI) -> None:
    await app.state.jobs.idle()

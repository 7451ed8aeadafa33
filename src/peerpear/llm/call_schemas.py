"""Response bodies for the LLM call records (GET /events/{event_id}/llm-calls)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from peerpear.models import LLMCallOutcome
from peerpear.schemas_common import Page


class LLMCallOut(BaseModel):
    id: int
    purpose: str = Field(description="The use that made the call (summary, suggest, ...).")
    provider: str
    model: str
    outcome: LLMCallOutcome = Field(
        description="ok: the provider answered; cached: answered from the cache, no request; "
        "failed: failed for good (see reason), the feature used its offline fallback."
    )
    reason: str | None = Field(description="Why it failed, in one sentence.")
    attempts: int = Field(description="Requests made, retries included (0 when cached).")
    latency_ms: int = Field(description="From the call to its answer, retries included.")
    input_tokens: int | None = Field(description="As the provider reported them, all attempts.")
    output_tokens: int | None = Field(description="As the provider reported them, all attempts.")
    created_at: datetime


class LLMCallTotals(BaseModel):
    """Over every record that matches the filters (not just this page)."""

    calls: int
    failed: int
    cached: int
    input_tokens: int
    output_tokens: int


class LLMCallPage(Page[LLMCallOut]):
    totals: LLMCallTotals

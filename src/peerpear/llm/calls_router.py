"""The record of an event's LLM calls, for its admins (thin: authorize, call a service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from peerpear.deps import PageDep, SessionDep
from peerpear.events.deps import AdminEvent
from peerpear.llm import calls
from peerpear.llm.call_schemas import LLMCallPage
from peerpear.models import LLMCallOutcome
from peerpear.openapi import errors

router = APIRouter(tags=["llm"])


@router.get("/events/{event_id:int}/llm-calls", responses=errors(403))
async def list_llm_calls(
    access: AdminEvent,
    db: SessionDep,
    page: PageDep,
    purpose: Annotated[
        str | None,
        Query(
            pattern=r"^[a-z0-9_.-]{1,64}$",
            description="Only calls made for this use (summary, suggest, explanations, ...).",
        ),
    ] = None,
    outcome: Annotated[LLMCallOutcome | None, Query(description="Only this outcome.")] = None,
) -> LLMCallPage:
    """The LLM calls made for the event, newest first (admins): each one's use, provider and
    model, outcome (a failure with its reason), attempts, latency and tokens, and totals over
    every call that matches the filters. A failed call means the feature used its offline
    fallback."""
    return await calls.list_calls(db, access.event.id, page, purpose=purpose, outcome=outcome)

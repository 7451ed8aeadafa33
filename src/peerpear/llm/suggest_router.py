"""The suggest endpoint (thin: authorize, call the service, return). Admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from peerpear.deps import SessionDep, SessionmakerDep, SettingsDep, get_llm
from peerpear.events.deps import AdminEvent
from peerpear.llm import suggest as service
from peerpear.llm.base import LLMClient
from peerpear.llm.suggest_schemas import SuggestIn, SuggestOut
from peerpear.openapi import errors

router = APIRouter(tags=["pairing runs"])
LLMDep = Annotated[LLMClient, Depends(get_llm)]


@router.post(
    "/events/{event_id:int}/pairing-settings/suggest",
    responses=errors(
        403,
        409,
        429,
        503,
        why={
            409: "No language model is configured (the offline provider): code "
            "`llm_not_configured`.",
            429: f"More than {service.PER_HOUR} suggestions within an hour by this admin.",
            503: "The language model failed (after its retries) or timed out: code "
            "`llm_failed`, `details.reason` says why.",
        },
    ),
)
async def suggest_settings(
    body: SuggestIn,
    access: AdminEvent,
    db: SessionDep,
    llm: LLMDep,
    sessions: SessionmakerDep,
    settings: SettingsDep,
) -> SuggestOut:
    """Turn a wish in plain words ("mix class years, keep people who love hiking together")
    into proposed run parameters (admins): question weights and modes, no-isolation rules,
    mode and group sizes, with a rationale. The proposal is checked against the event's
    questions (what names none is dropped, with a note) and nothing is applied: submit the
    parameters to `POST /events/{event_id}/pairing-runs` to use them. The language model is
    asked while the request waits, for at most its timeout; each admin gets a limited number
    of suggestions an hour."""
    if llm.available:  # offline answers 409 at no cost
        await service.count_request(sessions, settings, access.user.id)
    return await service.suggest(db, access, llm, body, timeout_s=settings.llm_timeout_seconds)

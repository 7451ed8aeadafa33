"""The suggest endpoint's body and answer."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from peerpear.pairing.parameters import RunParameters
from peerpear.schemas_common import InputModel, TrimmedText

MAX_WISH = 1000


class SuggestIn(InputModel):
    wish: Annotated[str, TrimmedText(max_length=MAX_WISH, min_length=2)] = Field(
        description='What the organizer wants, in plain words, e.g. "mix class years, keep '
        'people who love hiking together".'
    )


class SuggestOut(BaseModel):
    parameters: RunParameters = Field(
        description="Proposed run parameters, checked against the event's questions: submit "
        "them unchanged (or edited) to `POST /events/{event_id}/pairing-runs`."
    )
    rationale: str = Field(description="Why these settings, in a few sentences.")
    notes: list[str] = Field(
        description="What was left out or changed (an unknown question, an option that does "
        "not exist, a size out of range) and the model's caveats."
    )

"""Bodies of the rounds routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from peerpear.models import RoundStatus
from peerpear.schemas_common import InputModel


class RoundOut(BaseModel):
    number: int
    scheduled_at: datetime
    status: RoundStatus = Field(
        description="running: being paired; ready: paired, waiting for an admin to publish; "
        "published: the participants see their groups; failed: see ``error``."
    )
    run_id: int | None = Field(description="The pairing run that paired the round.")
    participants: int = Field(description="How many people took part (opted in).")
    error: str | None
    started_at: datetime
    published_at: datetime | None


class PauseIn(InputModel):
    paused: bool = Field(description="true: leave me out of every round until I resume.")


class ParticipationOut(BaseModel):
    """The caller's part in a recurring event's rounds."""

    paused: bool
    skipped_rounds: list[int] = Field(description="The rounds the caller opted out of.")

"""How often a recurring event pairs its participants anew (issue 12, coffee chats).

An event's ``recurrence`` (a JSON column) says: a round every ``every`` days or weeks from
``starts_at``, either until the date ``until`` or for ``count`` rounds, and whether each round
is published as soon as its run succeeds (``auto_publish``) or waits for an admin. Round ``n``
(from 1) is due at ``starts_at + (n - 1) * every``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from peerpear.schemas_common import InputModel

MAX_ROUNDS = 520  # ten years of weekly rounds


class Recurrence(InputModel):
    """A round every ``every`` ``unit`` from ``starts_at``, until ``until`` or for ``count``
    rounds (exactly one of the two)."""

    every: Annotated[int, Field(ge=1, le=365, description="The interval, a positive number.")]
    unit: Literal["days", "weeks"] = Field(description="What ``every`` counts.")
    starts_at: AwareDatetime = Field(description="When round 1 is paired (with a time zone).")
    until: AwareDatetime | None = Field(
        default=None, description="No round is scheduled after this time (or give ``count``)."
    )
    count: Annotated[int, Field(ge=1, le=MAX_ROUNDS)] | None = Field(
        default=None, description="How many rounds (or give ``until``)."
    )
    auto_publish: bool = Field(
        default=True,
        description="true: each round is published as soon as its pairing succeeds; false: it "
        "waits for an admin (POST /events/{id}/rounds/{n}/publish).",
    )

    @model_validator(mode="after")
    def _one_end(self) -> Recurrence:
        if (self.until is None) == (self.count is None):
            raise ValueError("give exactly one of until (a date) and count (a number of rounds)")
        if self.until is not None and self.until < self.starts_at:
            raise ValueError("until must not be before starts_at")
        return self

    @property
    def step(self) -> timedelta:
        return timedelta(days=self.every * (7 if self.unit == "weeks" else 1))

    def scheduled_at(self, number: int) -> datetime:
        """When round ``number`` (from 1) is due."""
        return self.starts_at + (number - 1) * self.step

    def has_round(self, number: int) -> bool:
        """Whether the recurrence has a round ``number`` at all."""
        if number < 1:
            return False
        if self.count is not None:
            return number <= self.count
        return self.until is not None and self.scheduled_at(number) <= self.until


def stored(recurrence: Recurrence | None) -> dict[str, Any] | None:
    """The column's value for ``recurrence`` (JSON: dates as ISO 8601 text)."""
    return recurrence.model_dump(mode="json") if recurrence is not None else None


def read(value: dict[str, Any] | str | None) -> Recurrence | None:
    """The column's value as a Recurrence (the raw PostgreSQL reader gives JSON as text)."""
    if isinstance(value, str):
        return Recurrence.model_validate_json(value)
    return Recurrence.model_validate(value) if value is not None else None

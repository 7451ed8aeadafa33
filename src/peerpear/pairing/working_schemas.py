"""Request and response bodies of the working pairing (admins) and of a student's own group.

An edit is one object ``{"version": n, "op": ...}`` whose other fields depend on ``op`` (a
discriminated union), so a client cannot send a move without its registration, nor a lock
with one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from peerpear.models import RegistrationRole
from peerpear.schemas_common import MAX_DB_ID, DbIdField, InputModel


class AdoptIn(InputModel):
    run_id: DbIdField = Field(description="A succeeded pairing run of this event.")


Version = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_DB_ID,
        description="The pairing's version as the client read it; a newer one answers 409.",
    ),
]


class _Edit(BaseModel):
    # Not an InputModel: its NUL check is a "before" validator on every field, which pydantic
    # refuses on a discriminator. No field here holds free text (``op`` is one of a few
    # literals), so the check has nothing to do; unknown fields are refused all the same.
    model_config = ConfigDict(extra="forbid")

    version: Version


class MoveEdit(_Edit):
    """Put a person in a group (or a new one); also places someone not placed or excluded."""

    op: Literal["move"]
    registration_id: DbIdField
    group_id: DbIdField | None = Field(default=None, description="Omitted or null: a new group.")


class UnplaceEdit(_Edit):
    """Take a person out of their group (they are then not placed)."""

    op: Literal["unplace"]
    registration_id: DbIdField


class SwapEdit(_Edit):
    """Exchange two people of different groups."""

    op: Literal["swap"]
    registration_a: DbIdField
    registration_b: DbIdField


class LockEdit(_Edit):
    """Keep a group as it is: nobody moves in or out until it is unlocked."""

    op: Literal["lock"]
    group_id: DbIdField


class UnlockEdit(_Edit):
    op: Literal["unlock"]
    group_id: DbIdField


class ExcludeEdit(_Edit):
    """Leave a person out of the pairing (unplaced); publishing does not wait for them."""

    op: Literal["exclude"]
    registration_id: DbIdField


class IncludeEdit(_Edit):
    """Undo an exclusion: the person is then not placed until moved into a group."""

    op: Literal["include"]
    registration_id: DbIdField


Edit = Annotated[
    MoveEdit | UnplaceEdit | SwapEdit | LockEdit | UnlockEdit | ExcludeEdit | IncludeEdit,
    Field(discriminator="op"),
]


class PairingPerson(BaseModel):
    registration_id: int
    user_id: int
    first_name: str
    last_name: str
    email: str
    role: RegistrationRole | None
    is_complete: bool


class PairingMember(PairingPerson):
    satisfaction: float | None = Field(
        description="Mean affinity to the group mates (0..1); null when it cannot be measured "
        "(fewer than two people placed)."
    )
    explanation: str | None = Field(description="Why this group, in plain words, for this person.")


class PairingGroupOut(BaseModel):
    id: int
    position: int = Field(description='The group\'s place in the pairing; "group N" in messages.')
    locked: bool
    score: float | None = Field(description="The mean satisfaction of its members.")
    members: list[PairingMember]


class PairingMetrics(BaseModel):
    mean_satisfaction: float
    min_satisfaction: float = Field(description="The worst-off person's satisfaction.")
    p10_satisfaction: float
    upper_bound: float = Field(
        description="Mean of each person's best possible satisfaction, ignoring everyone else."
    )
    gap: float = Field(description="upper_bound - mean_satisfaction.")


class PairingValidation(BaseModel):
    ok: bool = Field(description="Nothing below stands in the way of publishing.")
    violations: list[str] = Field(
        description="Broken rules (sizes, roles, must-pair, never-pair), people neither placed "
        "nor excluded, and per group the number of private avoid requests not respected (never "
        "who asked)."
    )


class PairingOut(BaseModel):
    event_id: int
    version: int = Field(description="Send it back with the next edit.")
    source_run_id: int | None = Field(description="The run adopted last (null once deleted).")
    published_at: datetime | None
    groups: list[PairingGroupOut]
    not_placed: list[PairingPerson] = Field(
        description="Complete registrations in no group and not excluded (publishing waits "
        "for them), e.g. people who registered after the run."
    )
    incomplete: list[PairingPerson] = Field(
        description="Incomplete registrations in no group and not excluded (they do not hold "
        "publishing up)."
    )
    excluded: list[PairingPerson]
    validation: PairingValidation
    metrics: PairingMetrics | None = Field(
        description="Of the people placed, as the groups are now; null with fewer than two."
    )


class GroupMate(BaseModel):
    first_name: str
    last_name: str
    email: str
    role: RegistrationRole | None
    is_you: bool


class MyGroupOut(BaseModel):
    event_id: int
    members: list[GroupMate] = Field(description="Everyone in the caller's group, the caller too.")
    explanation: str | None = Field(description="Why the caller is in this group.")

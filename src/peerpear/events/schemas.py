"""Request and response bodies for events, their lifecycle and their audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from peerpear.models import EventStatus, EventVisibility, RoleScheme
from peerpear.rounds.recurrence import Recurrence
from peerpear.schemas_common import InputModel, TrimmedText

Title = Annotated[str, TrimmedText(min_length=2, max_length=200)]
Description = Annotated[str, TrimmedText(max_length=10_000)]
GroupSize = Annotated[int, Field(ge=2, le=50, description="People per group (at least 2).")]


def _iso_text(value: Any) -> Any:
    # pydantic would also take a number (seconds since 1970); the schema says an ISO 8601 string.
    if value is not None and not isinstance(value, str | datetime):
        raise ValueError("must be an ISO 8601 date and time with a time zone")
    return value


Deadline = Annotated[
    AwareDatetime | None,
    BeforeValidator(_iso_text),
    Field(
        description="When registration closes (with a time zone); null: no deadline. Opening "
        "or reopening requires it to be in the future (409 otherwise); while the event is open "
        "it can only be moved into the future."
    ),
]


class EventCreate(InputModel):
    title: Title
    description: Description = ""
    registration_deadline: Deadline = None
    visibility: EventVisibility = EventVisibility.MEMBERS_ONLY
    role_scheme: RoleScheme = RoleScheme.NONE
    default_group_size: GroupSize = 2
    recurrence: Recurrence | None = Field(
        default=None,
        description="Make the event recurring (coffee chats): a new round of groups every few "
        "days or weeks, avoiding earlier pairs; null: a one-off event.",
    )


class EventUpdate(InputModel):
    """Fields to change; omitted fields stay. ``role_scheme`` is fixed once the event has been
    opened, ``default_group_size`` once it is published; an archived event is read-only."""

    title: Title | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    registration_deadline: Deadline = None
    visibility: EventVisibility | SkipJsonSchema[None] = None
    role_scheme: RoleScheme | SkipJsonSchema[None] = None
    default_group_size: GroupSize | SkipJsonSchema[None] = None
    recurrence: Recurrence | None = Field(
        default=None, description="The new recurrence; null ends it (rounds held stay)."
    )

    @field_validator(
        "title", "description", "visibility", "role_scheme", "default_group_size", mode="before"
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep it")
        return value


class EventOut(BaseModel):
    id: int
    organization_id: int
    title: str
    description: str
    status: EventStatus
    registration_deadline: datetime | None
    visibility: EventVisibility
    role_scheme: RoleScheme
    default_group_size: int
    opened_at: datetime | None
    closed_at: datetime | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    has_image: bool
    recurrence: Recurrence | None = Field(description="Null for a one-off event.")
    image_url: str | None = Field(description="Where to GET the image; null without one.")


class AuditEntryOut(BaseModel):
    id: int
    action: str = Field(description="A dotted verb such as `event.open`.")
    actor_id: int | None = Field(description="Who did it; null when the system did (a deadline).")
    target_type: str
    target_id: str | None
    details: dict[str, Any]
    created_at: datetime

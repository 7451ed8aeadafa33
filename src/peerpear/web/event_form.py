"""The event form of the console (create and edit): what a browser posts, read into the API's
event body, and pydantic's refusals back into one message per field.

Only form reading happens here (a ``datetime-local`` value is read as UTC, since the server
does not know the reader's zone); what a value may be is decided by ``EventCreate`` /
``EventUpdate``. Framework-free, like every non-edge module.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import ValidationError

from peerpear.events.service import EVENT_FIELDS
from peerpear.models import Event, EventVisibility, RoleScheme
from peerpear.web.text import readable, sentence

# Choices as the form offers them: (value, label).
VISIBILITIES = (
    (EventVisibility.MEMBERS_ONLY.value, "Members of the organization"),
    (EventVisibility.PUBLIC.value, "Everyone signed in (public)"),
)
ROLE_SCHEMES = (
    (RoleScheme.NONE.value, "No roles"),
    (RoleScheme.MENTOR.value, "Mentors and mentees"),
    (RoleScheme.BIG_LITTLE.value, "Bigs and littles"),
)
BLANK = {
    "title": "",
    "description": "",
    "registration_deadline": "",
    "visibility": EventVisibility.MEMBERS_ONLY.value,
    "role_scheme": RoleScheme.NONE.value,
    "default_group_size": "2",
}
# Longest value read of any field (the schema's own limits are far below; this bounds the work).
_MAX_TYPED = 20_000


class PostedForm(Protocol):
    def get(self, key: str) -> Any: ...

    def __contains__(self, key: object) -> bool: ...


def deadline_input(value: datetime | None) -> str:
    """A deadline as a ``datetime-local`` input shows it (UTC, to the minute)."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def values_of(event: Event) -> dict[str, str]:
    """The edit form's values for a stored event."""
    return {
        "title": event.title,
        "description": event.description,
        "registration_deadline": deadline_input(event.registration_deadline),
        "visibility": event.visibility.value,
        "role_scheme": event.role_scheme.value,
        "default_group_size": str(event.default_group_size),
    }


def _deadline(typed: str) -> Any:
    """The typed deadline as an aware datetime (UTC when no zone is given), None when empty;
    anything unreadable is passed on for the schema to refuse with its reason."""
    if not typed.strip():
        return None
    try:
        when = datetime.fromisoformat(typed.strip())
    except ValueError:
        return typed
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def read(form: PostedForm) -> tuple[dict[str, str], dict[str, Any]]:
    """What was typed (to show again) and the body for the service. Only the fields the form
    posted are in the body: a disabled (locked) field is not posted, so it stays as it is."""
    typed = {name: str(form.get(name) or "")[:_MAX_TYPED] for name in EVENT_FIELDS if name in form}
    body: dict[str, Any] = dict(typed)
    if "registration_deadline" in body:
        body["registration_deadline"] = _deadline(typed["registration_deadline"])
    return typed, body


def errors_of(invalid: ValidationError) -> dict[str, str]:
    """The first message per field of a refused body."""
    errors: dict[str, str] = {}
    for error in invalid.errors():
        name = next((str(p) for p in error["loc"] if str(p) in EVENT_FIELDS), "form")
        errors.setdefault(name, sentence(readable(error)))
    return errors

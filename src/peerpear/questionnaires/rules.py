"""When an event's questionnaire may change (DESIGN §2).

- The questions themselves (adding, removing, reordering; wording, help text, type, options,
  scale bounds, required) only while the event is a draft: once it is open, people answer them.
- The matching settings (``weight``, ``mode``) until the pairing is published.
Refusals are InvalidState (409) with the reason.
"""

from __future__ import annotations

from peerpear.errors import InvalidState
from peerpear.models import Event, EventStatus

FROZEN_ONCE_OPEN = frozenset(
    {"prompt", "help_text", "type", "options", "scale_min", "scale_max", "required"}
)
MATCHING_SETTINGS = frozenset({"weight", "mode"})
SETTINGS_EDITABLE = frozenset({EventStatus.DRAFT, EventStatus.OPEN, EventStatus.CLOSED})


def ensure_questionnaire_editable(event: Event) -> None:
    if event.status is not EventStatus.DRAFT:
        raise InvalidState(
            f"the questionnaire is frozen once the event has been opened (it is "
            f"{event.status.value}); only weights and modes can still change",
            details={"status": event.status.value},
        )


def ensure_changes_allowed(event: Event, changed: set[str]) -> None:
    frozen = sorted(changed & FROZEN_ONCE_OPEN)
    if frozen and event.status is not EventStatus.DRAFT:
        raise InvalidState(
            f"{', '.join(frozen)} cannot change once the event has been opened (it is "
            f"{event.status.value}); only weight and mode can",
            details={"status": event.status.value, "fields": frozen},
        )
    settings = sorted(changed & MATCHING_SETTINGS)
    if settings and event.status not in SETTINGS_EDITABLE:
        raise InvalidState(
            f"{', '.join(settings)} cannot change once the event is {event.status.value}",
            details={"status": event.status.value, "fields": settings},
        )

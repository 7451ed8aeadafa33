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


def locked_fields(status: EventStatus) -> dict[str, str]:
    """The question fields that cannot change while the event is in ``status``, each with the
    reason (shared by ``ensure_changes_allowed`` and the console's question form)."""
    locked: dict[str, str] = {}
    if status is not EventStatus.DRAFT:
        locked.update(
            dict.fromkeys(
                FROZEN_ONCE_OPEN,
                f"fixed once the event has been opened (it is {status.value})",
            )
        )
    if status not in SETTINGS_EDITABLE:
        locked.update(dict.fromkeys(MATCHING_SETTINGS, f"fixed once the event is {status.value}"))
    return locked


def ensure_changes_allowed(event: Event, changed: set[str]) -> None:
    locked = locked_fields(event.status)
    frozen = sorted(changed & FROZEN_ONCE_OPEN & locked.keys())
    if frozen:
        raise InvalidState(
            f"{', '.join(frozen)} cannot change once the event has been opened (it is "
            f"{event.status.value}); only weight and mode can",
            details={"status": event.status.value, "fields": frozen},
        )
    settings = sorted(changed & MATCHING_SETTINGS & locked.keys())
    if settings:
        raise InvalidState(
            f"{', '.join(settings)} cannot change once the event is {event.status.value}",
            details={"status": event.status.value, "fields": settings},
        )

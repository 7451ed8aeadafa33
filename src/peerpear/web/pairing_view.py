"""The working pairing as the organizer's page shows it, and the page's forms read back as the
edits the pairing service takes.

Free of the web framework (test_layering): the router hands it the service's ``PairingOut``
and the posted fields. The service's problems are plain sentences that name a group by its
position ("group 2 has 1 member(s)"); each is shown on that group's card, the others (people
not placed, a pairing that cannot be checked) above the groups.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import TypeAdapter

from peerpear.models import Event, EventStatus
from peerpear.pairing.working_schemas import Edit, PairingOut
from peerpear.web.text import sentence

_GROUP_NAMED = re.compile(r"\bgroup (\d+)\b")
# cast: mypy reads an Annotated union differently with and without its cache
_EDIT: TypeAdapter[Any] = TypeAdapter(cast(Any, Edit))
# The form's fields that carry a database id (anything else is sent as posted).
_ID_FIELDS = ("registration_id", "group_id", "registration_a", "registration_b")
NEW_GROUP = "new"  # the move select's value for "a new group"


@dataclass(frozen=True)
class Refusal:
    """Why an edit was refused, and what it concerned (shown on that group's card)."""

    message: str
    group_id: int | None = None
    registration_id: int | None = None
    reasons: tuple[str, ...] = ()  # every reason, when there are several (publishing)


@dataclass
class PairingView:
    """What the pairing section renders."""

    pairing: PairingOut
    editable: bool
    # Why the pairing cannot be edited now (published, or registration not closed).
    locked_reason: str | None
    problems_by_group: dict[int, list[str]] = field(default_factory=dict)  # by group position
    general_problems: list[str] = field(default_factory=list)
    refusal: Refusal | None = None
    notice: str | None = None  # what the last edit did (shown after an edit made with JS)

    @property
    def group_choices(self) -> list[tuple[int, str]]:
        """(group id, label) for the move selects."""
        return [(g.id, f"Group {g.position}") for g in self.pairing.groups]

    @property
    def placed(self) -> list[tuple[int, str]]:
        """(registration id, "name (group N)") of everyone placed, for the swap form."""
        return [
            (m.registration_id, f"{full_name(m.first_name, m.last_name)} (group {g.position})")
            for g in self.pairing.groups
            for m in g.members
        ]

    def refusal_in_group(self, group_id: int, member_ids: Iterable[int]) -> str | None:
        refused = self.refusal
        if refused is None:
            return None
        if refused.group_id == group_id or refused.registration_id in set(member_ids):
            return refused.message
        return None


def full_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def split_problems(violations: list[str], groups: int) -> tuple[dict[int, list[str]], list[str]]:
    """Each problem under the group it names (by position), the rest apart."""
    by_group: dict[int, list[str]] = {}
    general: list[str] = []
    for violation in violations:
        named = {int(n) for n in _GROUP_NAMED.findall(violation)}
        inside = sorted(n for n in named if n < groups)
        for n in inside:
            by_group.setdefault(n, []).append(sentence(violation))
        if not inside:
            general.append(sentence(violation))
    return by_group, general


def edit_blocker(event: Event, pairing: PairingOut) -> str | None:
    """Why the pairing cannot be edited now, as the service would refuse (None: it can be)."""
    if pairing.published_at is not None or event.status is EventStatus.PUBLISHED:
        return "The pairing is published: students see their groups. Unpublish it to edit it."
    if event.status is not EventStatus.CLOSED:
        return (
            f"The event is {event.status.value}: the pairing is edited while registration is "
            "closed."
        )
    return None


def view_of(
    event: Event,
    pairing: PairingOut,
    *,
    refusal: Refusal | None = None,
    notice: str | None = None,
) -> PairingView:
    by_group, general = split_problems(pairing.validation.violations, len(pairing.groups))
    blocker = edit_blocker(event, pairing)
    return PairingView(
        pairing=pairing,
        editable=blocker is None,
        locked_reason=blocker,
        problems_by_group=by_group,
        general_problems=general,
        refusal=refusal,
        notice=notice,
    )


def parse_edit(get: Callable[[str], Any]) -> Edit:
    """The edit a posted form asks for (``get`` reads one field; pydantic's ValidationError when
    the form does not make one: an unknown op, a missing or malformed id or version)."""
    op = str(get("op") or "")
    fields: dict[str, Any] = {"op": op, "version": str(get("version") or "")}
    for name in _ID_FIELDS:
        value = str(get(name) or "").strip()
        if name == "group_id" and op == "move" and value in ("", NEW_GROUP):
            fields[name] = None  # a new group
        elif value:
            fields[name] = value
    edit: Edit = _EDIT.validate_python(fields)
    return edit


def edit_target(edit: Edit) -> Refusal:
    """An empty refusal naming what ``edit`` concerns (to show its refusal next to it)."""
    group_id = getattr(edit, "group_id", None)
    registration_id = getattr(edit, "registration_id", None) or getattr(
        edit, "registration_a", None
    )
    return Refusal("", group_id=group_id, registration_id=registration_id)


def edit_done(edit: Edit) -> str:
    """The flash key of a successful edit."""
    return f"pairing-{edit.op}"

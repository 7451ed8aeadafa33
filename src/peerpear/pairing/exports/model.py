"""What an export shows of a working pairing, as plain data, and the rules every format shares.

The route (or the CLI) reads the pairing, its event and its people from the database and hands
the formatters an :class:`ExportPairing`; the formatters know nothing of the database or the web,
so each is a pure function of this value and tested as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

# The event's role scheme, as ``RoleScheme``'s values (a ``RoleScheme`` member compares equal).
ROLE_SCHEMES = frozenset({"none", "big_little", "mentor"})
PageSize = Literal["letter", "a4"]

# Within a group, the giving side first (big, mentor), then "either", then the receiving side.
# Roles outside this table (a scheme added later) come after these, then people without a role.
_ROLE_RANK = {"big": 0, "mentor": 0, "either": 1, "little": 2, "mentee": 2}
_UNKNOWN_ROLE = len(_ROLE_RANK)


@dataclass(frozen=True)
class ExportMember:
    name: str
    email: str
    role: str | None
    explanation: str | None


@dataclass(frozen=True)
class ExportGroup:
    number: int
    members: list[ExportMember]
    locked: bool = False


@dataclass(frozen=True)
class ExportPairing:
    event_title: str
    organization: str
    published_at: datetime | None
    generated_at: datetime
    role_scheme: str
    groups: list[ExportGroup]

    def __post_init__(self) -> None:
        # A typo here would silently drop the role column from every format.
        if self.role_scheme not in ROLE_SCHEMES:
            raise ValueError(f"unknown role scheme {self.role_scheme!r}")

    @property
    def has_roles(self) -> bool:
        return self.role_scheme != "none"

    @property
    def people(self) -> int:
        return sum(len(group.members) for group in self.groups)


def ordered_members(pairing: ExportPairing, group: ExportGroup) -> list[ExportMember]:
    """The group's members in the order every format lists them.

    With roles: by role (big before little, mentor before mentee), then by name. Without roles
    the order is the caller's (the working pairing's), which the formats keep.
    """
    if not pairing.has_roles:
        return list(group.members)

    def key(member: ExportMember) -> tuple[int, str, str, str, str]:
        role = member.role or ""
        rank = _ROLE_RANK.get(role, _UNKNOWN_ROLE) if member.role else _UNKNOWN_ROLE + 1
        return (rank, role, member.name.casefold(), member.name, member.email)

    return sorted(group.members, key=key)


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) as one space.

    Names and explanations are user text: a newline in one must not break a line-based layout.
    """
    return " ".join(text.split())


def _utc_date(moment: datetime) -> str:
    # Stored timestamps are UTC; a naive value is taken as UTC too.
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date().isoformat()


def dated(pairing: ExportPairing) -> str:
    """ "Published 2025-03-14", or "Generated 2025-03-14 (not published)" for a draft."""
    if pairing.published_at is not None:
        return f"Published {_utc_date(pairing.published_at)}"
    return f"Generated {_utc_date(pairing.generated_at)} (not published)"


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def summary(pairing: ExportPairing) -> str:
    """ "3 groups, 7 people"."""
    groups = _count(len(pairing.groups), "group", "groups")
    return f"{groups}, {_count(pairing.people, 'person', 'people')}"

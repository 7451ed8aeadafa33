"""A working pairing as loaded for a request: its groups and members, and every registration of
its event (to name people and to list who is not placed). Three statements whatever the size.

Groups and members are loaded as plain rows rather than through their relationships: edits
change ``group_id`` columns and this module regroups them, so nothing depends on what the ORM
has or has not loaded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.errors import Conflict, InvalidState, NotFound
from peerpear.models import (
    Event,
    EventStatus,
    Pairing,
    PairingGroup,
    PairingGroupMember,
    Registration,
    User,
)

NO_PAIRING = "this event has no working pairing yet; adopt a succeeded run first"


@dataclass(frozen=True)
class Entry:
    registration: Registration
    user: User


@dataclass
class PairingState:
    pairing: Pairing
    groups: list[PairingGroup]  # by position, empty ones too until tidy()
    members: list[PairingGroupMember]
    people: dict[int, Entry]  # every registration of the event, by id

    def grouped(self) -> list[tuple[PairingGroup, list[PairingGroupMember]]]:
        """The groups that have members, in order, each with its members (oldest first)."""
        by_group: dict[int, list[PairingGroupMember]] = defaultdict(list)
        for member in sorted(self.members, key=lambda m: m.id or 0):
            by_group[member.group_id].append(member)
        return [(g, by_group[g.id]) for g in self.groups if by_group[g.id]]

    def member(self, registration_id: int) -> PairingGroupMember | None:
        return next((m for m in self.members if m.registration_id == registration_id), None)

    @property
    def excluded(self) -> set[int]:
        """Excluded registrations that still exist (a withdrawal leaves its id behind)."""
        return set(self.pairing.excluded_registration_ids or ()) & self.people.keys()

    def unplaced(self) -> list[Entry]:
        """Registrations in no group and not excluded, by name."""
        placed = {m.registration_id for m in self.members} | self.excluded
        left = [e for rid, e in self.people.items() if rid not in placed]
        return sorted(left, key=lambda e: (e.user.last_name, e.user.first_name, e.registration.id))


def ensure_closed(event: Event, doing: str) -> None:
    """Adopting, editing and publishing a pairing happen while registration is closed."""
    if event.status is EventStatus.CLOSED:
        return
    hint = {
        EventStatus.PUBLISHED: "; unpublish it first",
        EventStatus.OPEN: "; close registration first",
    }.get(event.status, "")
    raise InvalidState(
        f"cannot {doing} while the event is {event.status.value} (only while it is closed){hint}",
        details={"status": event.status.value},
    )


async def find_pairing(db: AsyncSession, event_id: int, *, lock: bool = False) -> Pairing | None:
    """The event's pairing, read afresh; ``lock`` holds its row until the transaction ends
    (PostgreSQL; SQLite has one writer at a time anyway)."""
    stmt = select(Pairing).where(Pairing.event_id == event_id)
    if lock:
        stmt = stmt.with_for_update()
    found: Pairing | None = await db.scalar(stmt.execution_options(populate_existing=True))
    return found


async def require_pairing(db: AsyncSession, event_id: int) -> Pairing:
    pairing = await find_pairing(db, event_id)
    if pairing is None:
        raise NotFound(NO_PAIRING)
    return pairing


async def claim(db: AsyncSession, event_id: int, seen: int) -> Pairing:
    """Bump the version from ``seen``, or refuse: the conditional UPDATE makes two edits from
    the same version exclusive (the second waits for the first's row lock, then matches no
    row), so no edit is silently lost."""
    claimed = await db.scalar(
        update(Pairing)
        .where(
            Pairing.event_id == event_id,
            Pairing.version == seen,
            Pairing.published_at.is_(None),
        )
        .values(version=Pairing.version + 1, updated_at=utcnow())
        .returning(Pairing.id)
        .execution_options(synchronize_session=False)
    )
    pairing = await require_pairing(db, event_id)
    if claimed is not None:
        return pairing
    if pairing.published_at is not None:
        raise InvalidState(
            "cannot edit a published pairing; unpublish the event first",
            details={"status": "published"},
        )
    raise Conflict(
        f"the pairing changed since version {seen} was read (it is at version "
        f"{pairing.version}); reload it and edit again",
        details={"current_version": pairing.version, "sent_version": seen},
    )


async def load_state(db: AsyncSession, event_id: int, pairing: Pairing) -> PairingState:
    groups = await db.scalars(
        select(PairingGroup)
        .where(PairingGroup.pairing_id == pairing.id)
        .order_by(PairingGroup.position, PairingGroup.id)
    )
    members = await db.scalars(
        select(PairingGroupMember).where(PairingGroupMember.pairing_id == pairing.id)
    )
    rows = await db.execute(
        select(Registration, User)
        .join(User, User.id == Registration.user_id)
        .where(Registration.event_id == event_id)
    )
    return PairingState(
        pairing=pairing,
        groups=list(groups),
        members=list(members),
        people={r.id: Entry(r, u) for r, u in rows.tuples()},
    )


async def tidy(db: AsyncSession, state: PairingState) -> None:
    """Delete the groups left empty and number the others 0, 1, ... in their order."""
    kept = {group.id for group, _ in state.grouped()}
    empty = [g.id for g in state.groups if g.id not in kept]
    if empty:
        await db.execute(
            delete(PairingGroup)
            .where(PairingGroup.id.in_(empty))
            .execution_options(synchronize_session=False)
        )
    state.groups = [g for g in state.groups if g.id in kept]
    for position, group in enumerate(state.groups):
        group.position = position
    await db.flush()

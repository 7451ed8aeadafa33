"""Who may see and change an event (DESIGN §2), on top of organizations/access.py.

- Admins and owners of the event's organization see and change everything about it.
- Anyone else signed in sees an event that is past draft when it is public, or members-only and
  they are a member of its organization. Drafts are for admins only.
- An event the caller cannot see answers 404, as if it did not exist; one they can see but may
  not change answers 403.

Loading an event here also settles its deadline (events/deadlines.py), so every path that
returns an event returns it closed once its registration deadline has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.db import utcnow
from peerpear.errors import Forbidden, NotFound
from peerpear.events.deadlines import settle_event
from peerpear.models import Event, EventStatus, EventVisibility, Membership, MembershipRole, User
from peerpear.organizations.access import get_membership, role_allows

EVENT_NOT_FOUND = "event not found"


@dataclass(frozen=True)
class EventAccess:
    user: User
    event: Event
    membership: Membership | None

    @property
    def is_admin(self) -> bool:
        return role_allows(self.membership.role if self.membership else None, MembershipRole.ADMIN)


def visible_to(
    status: EventStatus, visibility: EventVisibility, role: MembershipRole | None
) -> bool:
    """Whether someone with ``role`` in the event's organization (None: not a member) sees an
    event in ``status`` with ``visibility``."""
    if role_allows(role, MembershipRole.ADMIN):
        return True
    if status is EventStatus.DRAFT:
        return False
    return visibility is EventVisibility.PUBLIC or role is not None


def can_see(event: Event, membership: Membership | None) -> bool:
    return visible_to(event.status, event.visibility, membership.role if membership else None)


async def event_access(
    db: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    user: User,
    event_id: int,
    *,
    admin: bool,
    not_found: str = EVENT_NOT_FOUND,
) -> EventAccess:
    """The event and the caller's membership in its organization; 404 when the caller cannot
    see it, 403 when ``admin`` is asked for and they are not an admin of its organization."""
    event = await db.get(Event, event_id)
    if event is None:
        raise NotFound(not_found)
    membership = await get_membership(db, user.id, event.organization_id)
    if not can_see(event, membership):
        raise NotFound(not_found)
    access = EventAccess(user=user, event=event, membership=membership)
    if admin and not access.is_admin:
        raise Forbidden("this action requires the admin role in the event's organization")
    await settle_event(db, sessions, event, utcnow())
    return access


class EventPart(Protocol):
    """A row that belongs to one event (a question, a registration, a pairing run)."""

    @property
    def event_id(self) -> int: ...


Part = TypeVar("Part", bound=EventPart)


async def admin_part_access(
    db: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    user: User,
    model: type[Part],
    row_id: int,
    not_found: str,
) -> tuple[Part, EventAccess]:
    """The row ``row_id`` of ``model`` and the caller's admin access to its event: 404 (with
    ``not_found``) when the row is missing or its event invisible to the caller, 403 when they
    see the event but do not administer it."""
    row = await db.get(model, row_id)
    if row is None:
        raise NotFound(not_found)
    access = await event_access(db, sessions, user, row.event_id, admin=True, not_found=not_found)
    return row, access

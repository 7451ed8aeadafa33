"""Loading an event for a console page with the API's rule (``events.access.event_access``):
what the page needs, or None where the API answers 404."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.errors import NotFound
from peerpear.events.access import EventAccess, event_access
from peerpear.models import Organization, Question, User

# Ids above this are no row's (the columns are 32-bit on PostgreSQL): a 404, not a DB error.
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class EventPage:
    access: EventAccess
    organization: Organization
    has_questions: bool
    db: AsyncSession


async def load_event(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession], user: User, event_id: int
) -> EventPage | None:
    if not 1 <= event_id <= MAX_ID:
        return None
    try:
        access = await event_access(db, sessions, user, event_id, admin=False)
    except NotFound:
        return None
    organization = await db.get(Organization, access.event.organization_id)
    assert organization is not None  # the event's foreign key
    count = await db.scalar(
        select(func.count()).select_from(Question).where(Question.event_id == event_id)
    )
    return EventPage(access, organization, bool(count), db)

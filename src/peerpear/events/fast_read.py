"""``GET /events/{id}``, the read every page of an event makes, in one prebuilt statement on
the driver (raw_reads.py) instead of an ORM session and two queries: about a fifth of the CPU.

The statement returns the event with the caller's role in its organization; who may see it is
the same rule as everywhere (events/access.py, :func:`visible_to`). An open event past its
deadline must be closed before it is shown; that rare case takes the ordinary path
(access.event_access), which closes it, audits the close and returns it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.db import utcnow
from peerpear.errors import NotFound
from peerpear.events.access import EVENT_NOT_FOUND, event_access, visible_to
from peerpear.events.schemas import EventOut
from peerpear.events.service import event_out, to_out
from peerpear.models import Event, EventStatus, Membership, User
from peerpear.raw_reads import RawReader

_EVENTS = Event.__table__
_MEMBERSHIPS = Membership.__table__
_EVENT_AND_ROLE = (
    select(_EVENTS, _MEMBERSHIPS.c.role.label("caller_role"))
    .select_from(
        _EVENTS.outerjoin(
            _MEMBERSHIPS,
            and_(
                _MEMBERSHIPS.c.organization_id == _EVENTS.c.organization_id,
                _MEMBERSHIPS.c.user_id == bindparam("user_id"),
            ),
        )
    )
    .where(_EVENTS.c.id == bindparam("event_id"))
)
_KEYS = list(_EVENT_AND_ROLE.selected_columns.keys())


async def read_event(
    reader: RawReader, sessions: async_sessionmaker[AsyncSession], user: User, event_id: int
) -> EventOut:
    rows = await reader.fetch(
        reader.prepare(_EVENT_AND_ROLE), {"event_id": event_id, "user_id": user.id}
    )
    if not rows:
        raise NotFound(EVENT_NOT_FOUND)
    values: dict[str, Any] = dict(zip(_KEYS, rows[0], strict=True))
    role = values.pop("caller_role")
    if not visible_to(values["status"], values["visibility"], role):
        raise NotFound(EVENT_NOT_FOUND)
    deadline = values["registration_deadline"]
    if values["status"] is EventStatus.OPEN and deadline is not None and deadline <= utcnow():
        async with sessions() as db:  # closed (and audited) by the usual path
            access = await event_access(db, sessions, user, event_id, admin=False)
            return to_out(access.event)
    return event_out(values)

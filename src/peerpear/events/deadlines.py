"""An open event whose registration deadline has passed is closed, in one function.

:func:`close_expired` is the one statement that does it (and audits each close, with no actor:
the system closed it). It runs from the periodic job ``events.close_expired``
(:mod:`peerpear.jobs.tasks`) and from every read of events (:func:`settle_event`,
:func:`settle_listed`), so nobody ever sees an event "open" past its deadline even while the
periodic job has not run yet.

The UPDATE only matches rows that are still open, so concurrent closers (two requests, the
periodic job of several processes) close, and audit, each event once. ``closed_at`` is the
deadline itself, the moment registration really ended, not when someone noticed.

When a request finds an expired event (rare: once per event), the close runs in a short
transaction of its own, committed whatever becomes of the request: a GET's read session cannot
write (:class:`peerpear.db.ReadSession`), and a refused write (a 409) rolls its transaction
back, which must not undo the close. The request then re-reads the closed row; it must not have
written anything yet (SQLite would make the second transaction wait for the first's lock), so
events are settled as they are loaded, before any change. Finding nothing expired costs
nothing extra for a single event and one indexed query for a list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear import audit
from peerpear.models import Event, EventStatus


def expired(now: datetime) -> ColumnElement[bool]:
    """SQL: the event is open and its deadline has passed."""
    return and_(
        Event.status == EventStatus.OPEN,
        Event.registration_deadline.is_not(None),
        Event.registration_deadline <= now,
    )


def is_expired(event: Event, now: datetime) -> bool:
    deadline = event.registration_deadline
    return event.status is EventStatus.OPEN and deadline is not None and deadline <= now


async def close_expired(
    db: AsyncSession,
    now: datetime,
    *,
    event_ids: Sequence[int] | None = None,
    organization_id: int | None = None,
) -> list[int]:
    """Close every expired open event (of ``event_ids`` / the organization, if given) and audit
    each close; the ids closed. Does not commit."""
    stmt = update(Event).where(expired(now))
    if event_ids is not None:
        stmt = stmt.where(Event.id.in_(event_ids))
    if organization_id is not None:
        stmt = stmt.where(Event.organization_id == organization_id)
    stmt = stmt.values(
        status=EventStatus.CLOSED, closed_at=Event.registration_deadline, updated_at=now
    ).returning(Event.id, Event.organization_id, Event.registration_deadline)
    rows = (await db.execute(stmt.execution_options(synchronize_session=False))).all()
    for event_id, org_id, deadline in rows:
        audit.record(
            db,
            None,
            "event.close",
            organization_id=org_id,
            event_id=event_id,
            target_type="event",
            target_id=event_id,
            details={"reason": "registration_deadline", "deadline": deadline.isoformat()},
        )
    await db.flush()
    return [row[0] for row in rows]


async def _close(
    sessions: async_sessionmaker[AsyncSession], now: datetime, event_ids: Sequence[int]
) -> None:
    async with sessions.begin() as writer:
        await close_expired(writer, now, event_ids=event_ids)


async def settle_event(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession], event: Event, now: datetime
) -> None:
    """Close ``event`` if its deadline has passed, and reload it."""
    if is_expired(event, now):
        await _close(sessions, now, [event.id])
        await db.refresh(event)


async def settle_listed(
    db: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    organization_id: int | None = None,
) -> None:
    """Before listing events: close the expired ones (of one organization, or all)."""
    query = select(Event.id).where(expired(now))
    if organization_id is not None:
        query = query.where(Event.organization_id == organization_id)
    ids = list(await db.scalars(query.limit(1000)))
    if ids:
        await _close(sessions, now, ids)

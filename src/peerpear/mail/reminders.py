"""Reminders of an unfinished questionnaire (issue 12): a student registered for an open event
whose registration is not complete gets one email saying what is left and by when.

Two ways: automatically, ``PEERPEAR_REMINDER_HOURS_BEFORE_DEADLINE`` before the deadline (the
periodic ``mail.remind_due`` finds the open events whose deadline is that close), never twice
for one registration and one deadline (``dedupe_key`` ``reminder:<registration>:<deadline>``: a
moved deadline earns a new one); and when an admin asks (``send now``: to every incomplete
registration at that moment, whatever was sent before). Either way only to people who keep
reminders on, and only while the event is open (409 otherwise).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.config import Settings
from peerpear.db import utcnow
from peerpear.errors import InvalidState
from peerpear.jobs.base import JobContext
from peerpear.mail import rendering
from peerpear.mail.delivery import enqueue_mail, queue_mail, queue_mail_once
from peerpear.mail.preferences import unsubscribe_url, wants
from peerpear.models import Event, EventStatus, Registration, User

REMIND_DUE = "mail.remind_due"
NOT_OPEN = "reminders go only for open events: this one is {status}"


def reminder_key(registration_id: int, deadline: datetime | None) -> str:
    when = deadline.strftime("%Y%m%dT%H%M%S") if deadline is not None else "none"
    return f"reminder:{registration_id}:{when}"


def _context(settings: Settings, event: Event, user: User) -> dict[str, Any]:
    return {
        "first_name": user.first_name or "there",
        "event_title": event.title,
        "deadline": (
            event.registration_deadline.strftime("%A %d %B %Y, %H:%M UTC")
            if event.registration_deadline is not None
            else None
        ),
        "answers_url": f"{settings.public_url.rstrip('/')}/events/{event.id}/answers",
        "preferences_url": unsubscribe_url(settings, user, "reminders"),
    }


async def _incomplete(db: AsyncSession, event: Event) -> list[tuple[Registration, User]]:
    rows = await db.execute(
        select(Registration, User)
        .join(User, User.id == Registration.user_id)
        .where(Registration.event_id == event.id, Registration.is_complete.is_(False))
        .order_by(Registration.id)
    )
    found = rows.tuples()
    return [(registration, user) for registration, user in found if wants(user, "reminders")]


async def queue_reminders(
    db: AsyncSession, settings: Settings, event: Event, *, automatic: bool = False
) -> list[int]:
    """Queue a reminder to each incomplete registration of the open ``event`` (the automatic
    ones once per registration and deadline); the message ids. 409 unless the event is open."""
    if event.status != EventStatus.OPEN:
        raise InvalidState(NOT_OPEN.format(status=event.status.value))
    queued: list[int] = []
    for registration, user in await _incomplete(db, event):
        common: dict[str, Any] = {
            "template": rendering.REMINDER,
            "to": user.email,
            "context": _context(settings, event, user),
            "user_id": user.id,
            "event_id": event.id,
        }
        if automatic:
            key = reminder_key(registration.id, event.registration_deadline)
            message_id = await queue_mail_once(db, dedupe_key=key, **common)
        else:
            message_id = await queue_mail(db, **common)
        if message_id is not None:
            queued.append(message_id)
    return queued


async def due_events(db: AsyncSession, settings: Settings, now: datetime) -> list[Event]:
    """Open events whose deadline is ahead but no further than the reminder lead time."""
    lead = timedelta(hours=settings.reminder_hours_before_deadline)
    found = await db.scalars(
        select(Event)
        .where(
            Event.status == EventStatus.OPEN,
            Event.registration_deadline.is_not(None),
            Event.registration_deadline > now,
            Event.registration_deadline <= now + lead,
        )
        .order_by(Event.id)
    )
    return list(found)


async def remind_due(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, now: datetime | None = None
) -> list[int]:
    """Queue the automatic reminders that are due (one transaction per event); their ids."""
    async with sessions() as db:
        event_ids = [event.id for event in await due_events(db, settings, now or utcnow())]
    queued: list[int] = []
    for event_id in event_ids:
        async with sessions.begin() as db:
            event = await db.get(Event, event_id)
            if event is None or event.status != EventStatus.OPEN:  # closed meanwhile
                continue
            queued += await queue_reminders(db, settings, event, automatic=True)
    return queued


async def send_due_reminders(ctx: JobContext) -> list[int]:
    """The periodic ``mail.remind_due`` pass: due reminders queued, then handed to the queue."""
    queued = await remind_due(ctx.sessions, ctx.settings)
    await enqueue_mail(ctx.queue, queued)
    return queued

"""The event lifecycle (DESIGN §2): the one place where ``Event.status`` changes.

    draft --open--> open --close--> closed --publish--> published
                     ^               |  ^                   |
                     +----reopen-----+  +----unpublish------+
    draft, closed, published --archive--> archived

(and closed by itself at its deadline: deadlines.py). Each action is one row of
``TRANSITIONS``; a refused action raises InvalidState (409, code ``invalid_state``) with the
reason, and every reason in ``details.reasons`` (publishing lists everything wrong with the
pairing at once: broken rules, people neither placed nor excluded). The status is changed by a
conditional UPDATE (``WHERE status = <the status read>``), so two admins acting at once cannot
both succeed from the same state: the second gets a 409.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.errors import InvalidState
from peerpear.events.access import EventAccess
from peerpear.events.service import audit_event
from peerpear.models import Event, EventStatus, Pairing
from peerpear.pairing import working

# A guard's reasons to refuse the action (none: allowed).
Guard = Callable[[AsyncSession, Event, datetime], Awaitable[list[str]]]
REASONS_IN_MESSAGE = 3


async def _deadline_ahead(db: AsyncSession, event: Event, now: datetime) -> list[str]:
    deadline = event.registration_deadline
    if deadline is not None and deadline <= now:
        return ["its registration deadline has passed; set a later deadline first"]
    return []


async def _pairing_ready(db: AsyncSession, event: Event, now: datetime) -> list[str]:
    blockers = await working.publish_blockers(db, event)
    if blockers is None:
        return ["it has no pairing yet; run the pairing and adopt a result first"]
    return blockers


async def _nothing_published(db: AsyncSession, event: Event, now: datetime) -> list[str]:
    published = await db.scalar(
        select(Pairing.id).where(Pairing.event_id == event.id, Pairing.published_at.is_not(None))
    )
    return [] if published is None else ["its pairing is published; unpublish it first"]


@dataclass(frozen=True)
class Transition:
    sources: frozenset[EventStatus]
    target: EventStatus
    stamp: str | None = None  # the *_at column set to now
    clears: tuple[str, ...] = ()  # the *_at columns set to null
    guards: tuple[Guard, ...] = field(default=())


S = EventStatus
TRANSITIONS: dict[str, Transition] = {
    "open": Transition(frozenset({S.DRAFT}), S.OPEN, "opened_at", guards=(_deadline_ahead,)),
    "close": Transition(frozenset({S.OPEN}), S.CLOSED, "closed_at"),
    "reopen": Transition(
        frozenset({S.CLOSED}),
        S.OPEN,
        "opened_at",
        clears=("closed_at",),
        guards=(_nothing_published, _deadline_ahead),
    ),
    "publish": Transition(
        frozenset({S.CLOSED}), S.PUBLISHED, "published_at", guards=(_pairing_ready,)
    ),
    "unpublish": Transition(frozenset({S.PUBLISHED}), S.CLOSED, clears=("published_at",)),
    "archive": Transition(frozenset({S.DRAFT, S.CLOSED, S.PUBLISHED}), S.ARCHIVED),
}
ACTIONS = tuple(TRANSITIONS)


def _refuse(action: str, event: Event, reasons: list[str]) -> InvalidState:
    allowed = sorted(s.value for s in TRANSITIONS[action].sources)
    said = "; ".join(reasons[:REASONS_IN_MESSAGE])
    if len(reasons) > REASONS_IN_MESSAGE:
        said += f" (and {len(reasons) - REASONS_IN_MESSAGE} more: see details.reasons)"
    return InvalidState(
        f"cannot {action} this event: {said}",
        details={
            "action": action,
            "status": event.status.value,
            "allowed_from": allowed,
            "reasons": reasons,
        },
    )


async def reasons_against(
    db: AsyncSession, event: Event, action: str, now: datetime | None = None
) -> list[str]:
    """Why ``action`` would be refused on ``event`` right now (empty: it is allowed). The one
    statement of the rules: ``apply`` refuses with these, and the console shows them next to
    an unavailable button."""
    transition = TRANSITIONS[action]
    if event.status not in transition.sources:
        allowed = " or ".join(sorted(s.value for s in transition.sources))
        return [f"it is {event.status.value} (allowed from {allowed})"]
    for guard in transition.guards:
        reasons = await guard(db, event, now or utcnow())
        if reasons:
            return reasons
    return []


async def apply(db: AsyncSession, access: EventAccess, action: str) -> Event:
    """Perform ``action`` on the event (an admin's access) or raise InvalidState."""
    event = access.event
    transition = TRANSITIONS[action]
    now = utcnow()
    reasons = await reasons_against(db, event, action, now)
    if reasons:
        raise _refuse(action, event, reasons)
    values: dict[str, Any] = {"status": transition.target, "updated_at": now}
    if transition.stamp is not None:
        values[transition.stamp] = now
    values.update(dict.fromkeys(transition.clears))
    before = event.status
    result = await db.execute(
        update(Event)
        .where(Event.id == event.id, Event.status == before)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await db.refresh(event)
    if getattr(result, "rowcount", 1) != 1:
        raise _refuse(action, event, ["its status changed meanwhile; reload it"])
    await _sync_pairing(db, event, action, now)
    audit_event(
        db,
        access.user,
        event,
        f"event.{action}",
        to=transition.target.value,
        **{"from": before.value},
    )
    await db.flush()
    return event


async def _sync_pairing(db: AsyncSession, event: Event, action: str, now: datetime) -> None:
    """Publishing freezes the event's pairing (its ``published_at``), measured as published;
    unpublishing thaws it."""
    if action == "publish":
        await working.measure_for_publication(db, event)
    if action in ("publish", "unpublish"):
        await db.execute(
            update(Pairing)
            .where(Pairing.event_id == event.id)
            .values(published_at=now if action == "publish" else None)
            .execution_options(synchronize_session=False)
        )

"""Rounds as admins and students see them: list and publish (admins), skip a round, pause and
resume, and a student's group in a published round. The scheduler (scheduler.py) starts them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.errors import InvalidState, NotFound
from peerpear.events.access import EventAccess
from peerpear.models import PairingRun, Registration, Round, RoundStatus, User
from peerpear.pairing.run_result import read_result
from peerpear.pairing.working_schemas import GroupMate, MyGroupOut
from peerpear.registrations.service import require_mine
from peerpear.rounds import recurrence as recurrences
from peerpear.rounds.scheduler import audit_round
from peerpear.rounds.schemas import ParticipationOut, RoundOut

ROUND_NOT_FOUND = "round not found: it has not started (or the event has no such round)"
NOT_RECURRING = "this event is not recurring: it has no rounds"


def to_out(round_: Round) -> RoundOut:
    return RoundOut(
        number=round_.number,
        scheduled_at=round_.scheduled_at,
        status=round_.status,
        run_id=round_.run_id,
        participants=round_.participants,
        error=round_.error,
        started_at=round_.started_at,
        published_at=round_.published_at,
    )


async def list_rounds(db: AsyncSession, event_id: int) -> list[RoundOut]:
    rounds = await db.scalars(
        select(Round).where(Round.event_id == event_id).order_by(Round.number)
    )
    return [to_out(r) for r in rounds]


async def require_round(db: AsyncSession, event_id: int, number: int) -> Round:
    found = await db.scalar(select(Round).where(Round.event_id == event_id, Round.number == number))
    if found is None:
        raise NotFound(ROUND_NOT_FOUND, details={"number": number})
    return found


async def publish_round(db: AsyncSession, access: EventAccess, number: int) -> RoundOut:
    """Publish a round that waits for an admin (409 when it is not ready: still pairing,
    failed, or published already)."""
    round_ = await require_round(db, access.event.id, number)
    if round_.status is not RoundStatus.READY:
        why = {
            RoundStatus.RUNNING: "it is still being paired; try again in a moment",
            RoundStatus.PUBLISHED: "it is published already",
            RoundStatus.FAILED: f"it failed: {round_.error}",
        }[round_.status]
        raise InvalidState(
            f"round {number} cannot be published: {why}", details={"status": round_.status}
        )
    round_.status, round_.published_at = RoundStatus.PUBLISHED, utcnow()
    await db.flush()
    audit_round(db, access.event, round_, "round.publish", automatic=False)
    await db.flush()
    return to_out(round_)


def participation(registration: Registration) -> ParticipationOut:
    return ParticipationOut(
        paused=registration.paused_at is not None,
        skipped_rounds=sorted(registration.skipped_rounds or []),
    )


async def skip_round(db: AsyncSession, access: EventAccess, number: int) -> ParticipationOut:
    """Leave the caller out of round ``number``: a round of the recurrence that has not
    started yet (409 otherwise); skipping twice is the same as once."""
    recurrence = recurrences.read(access.event.recurrence)
    if recurrence is None:
        raise InvalidState(NOT_RECURRING)
    registration = await require_mine(db, access)
    if not recurrence.has_round(number):
        raise InvalidState(f"the event has no round {number}", details={"number": number})
    started = await db.scalar(
        select(Round.id).where(Round.event_id == access.event.id, Round.number == number)
    )
    if started is not None:
        raise InvalidState(
            f"round {number} has started already; skip a later one", details={"number": number}
        )
    skipped = set(registration.skipped_rounds or [])
    if number not in skipped:
        # a new list: the JSON column notices assignment, not in-place changes
        registration.skipped_rounds = sorted(skipped | {number})
        await db.flush()
    return participation(registration)


async def set_paused(db: AsyncSession, access: EventAccess, paused: bool) -> ParticipationOut:
    """Pause (left out of every round from the next one on) or resume."""
    if access.event.recurrence is None:
        raise InvalidState(NOT_RECURRING)
    registration = await require_mine(db, access)
    if paused and registration.paused_at is None:
        registration.paused_at = utcnow()
    elif not paused:
        registration.paused_at = None
    await db.flush()
    return participation(registration)


async def my_round_group(db: AsyncSession, access: EventAccess, number: int) -> MyGroupOut:
    """The caller's group in a published round (409 before it is published; 404 when the
    caller is not registered, or not in the round)."""
    round_ = await require_round(db, access.event.id, number)
    if round_.status is not RoundStatus.PUBLISHED:
        raise InvalidState(
            f"round {number} is not published yet", details={"status": round_.status}
        )
    registration = await require_mine(db, access)
    result = await db.scalar(select(PairingRun.result).where(PairingRun.id == round_.run_id))
    stored = read_result(result) if result else None
    me = str(access.user.id)
    group = None
    if stored is not None and stored.registrations.get(me) == registration.id:
        group = next((g for g in stored.groups if me in g.members), None)
    if stored is None or group is None:
        raise NotFound(f"you are not in a group of round {number}")
    rows = await db.execute(
        select(User, Registration.role)
        .join(Registration, Registration.user_id == User.id)
        .where(
            Registration.event_id == access.event.id,
            User.id.in_([int(pid) for pid in group.members]),
        )
        .order_by(User.last_name, User.first_name, User.id)
    )
    return MyGroupOut(
        event_id=access.event.id,
        members=[
            GroupMate(
                first_name=mate.first_name,
                last_name=mate.last_name,
                email=mate.email,
                role=role,
                is_you=mate.id == access.user.id,
            )
            for mate, role in rows.tuples()
        ],
        explanation=stored.participants[me].explanation if me in stored.participants else None,
    )

"""The periodic work of recurring events: start the rounds that are due, and settle the rounds
whose run has finished (publish them, or leave them for an admin).

Each tick, for every recurring event that is open, closed or published:

1. A round whose run has finished is settled: succeeded -> published (``auto_publish``) or
   ready (an admin publishes it); failed or cancelled -> failed, with the run's reason.
2. The due round is the latest one whose time has come, after the last round held (rounds
   missed while no scheduler ran are not made up: one coffee chat, not three at once). It
   starts only when the round before has finished, so that its groups are in the history.
   Its participants are the complete registrations that are not paused and did not skip it.

A round and its run are inserted in one transaction, and (event_id, number) is unique: a tick
that runs twice, or on two hosts at once, starts each round once (the second insert fails and
its transaction, run included, rolls back). The caller enqueues the runs once committed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear import audit
from peerpear.models import (
    Event,
    EventStatus,
    PairingRun,
    Registration,
    Round,
    RoundStatus,
    RunStatus,
)
from peerpear.models.enums import FINISHED_RUN_STATUSES
from peerpear.rounds.recurrence import Recurrence, read
from peerpear.rounds.spec import ROUND_KEY, RoundSpec

logger = logging.getLogger("peerpear.rounds")

# Events whose rounds go on: registration may be open (people join between rounds) or closed.
ROUND_STATUSES = (EventStatus.OPEN, EventStatus.CLOSED, EventStatus.PUBLISHED)
TOO_FEW = "fewer than 2 people took part in this round (the others skipped it or paused)"


def due_number(recurrence: Recurrence, last: int, now: datetime) -> int | None:
    """The round to start at ``now`` after round ``last`` (0: none yet), or None."""
    if now < recurrence.starts_at:
        return None
    reached = int((now - recurrence.starts_at) / recurrence.step) + 1
    for number in range(reached, last, -1):
        if recurrence.has_round(number):
            return number
    return None


def audit_round(
    db: AsyncSession, event: Event, round_: Round, action: str, **details: object
) -> None:
    audit.record(
        db,
        None,
        action,
        organization_id=event.organization_id,
        event_id=event.id,
        target_type="round",
        target_id=round_.id,
        details={"number": round_.number, **details},
    )


async def settle(db: AsyncSession, event: Event, round_: Round, now: datetime) -> None:
    """Move a running round on once its run has finished (nothing while it runs)."""
    run = await db.get(PairingRun, round_.run_id) if round_.run_id is not None else None
    if run is not None and run.status not in FINISHED_RUN_STATUSES:
        return
    if run is not None and run.status is RunStatus.SUCCEEDED:
        recurrence = read(event.recurrence)
        if recurrence is None or recurrence.auto_publish:
            round_.status, round_.published_at = RoundStatus.PUBLISHED, now
            audit_round(db, event, round_, "round.publish", automatic=True)
        else:
            round_.status = RoundStatus.READY
        return
    round_.status = RoundStatus.FAILED
    round_.error = (run.error if run is not None else None) or "the round's run was cancelled"
    audit_round(db, event, round_, "round.fail", error=round_.error)


async def participants(db: AsyncSession, event_id: int, number: int) -> list[int]:
    """Registration ids taking part in round ``number``: complete, not paused, not skipping."""
    rows = await db.execute(
        select(Registration.id, Registration.skipped_rounds).where(
            Registration.event_id == event_id,
            Registration.is_complete.is_(True),
            Registration.paused_at.is_(None),
        )
    )
    return sorted(rid for rid, skipped in rows.tuples() if number not in (skipped or []))


async def _start(db: AsyncSession, event: Event, number: int, recurrence: Recurrence) -> Round:
    people = await participants(db, event.id, number)
    round_ = Round(
        event_id=event.id,
        number=number,
        scheduled_at=recurrence.scheduled_at(number),
        participants=len(people),
    )
    if len(people) < 2:
        round_.status, round_.error = RoundStatus.FAILED, TOO_FEW
    else:
        spec = RoundSpec(number=number, participants=people)
        run = PairingRun(
            event_id=event.id,
            status=RunStatus.QUEUED,
            parameters={ROUND_KEY: spec.model_dump()},
        )
        db.add(run)
        await db.flush()
        round_.run_id = run.id
    db.add(round_)
    await db.flush()
    audit_round(db, event, round_, "round.start", participants=len(people), run_id=round_.run_id)
    return round_


async def tick_event(db: AsyncSession, event: Event, now: datetime) -> int | None:
    """Settle and start ``event``'s rounds at ``now``; the id of a run to enqueue."""
    recurrence = read(event.recurrence)
    if recurrence is None:
        return None
    running = list(
        await db.scalars(
            select(Round).where(Round.event_id == event.id, Round.status == RoundStatus.RUNNING)
        )
    )
    for round_ in running:
        await settle(db, event, round_, now)
    if any(r.status is RoundStatus.RUNNING for r in running):
        return None  # the next round waits for this one's groups (its history)
    last = await db.scalar(select(func.max(Round.number)).where(Round.event_id == event.id))
    number = due_number(recurrence, last or 0, now)
    if number is None:
        return None
    round_ = await _start(db, event, number, recurrence)
    return round_.run_id


async def tick(sessions: async_sessionmaker[AsyncSession], now: datetime) -> list[int]:
    """One pass over the recurring events (a transaction each); the runs to enqueue."""
    async with sessions() as db:
        event_ids = list(
            await db.scalars(
                select(Event.id).where(
                    Event.recurrence.is_not(None), Event.status.in_(ROUND_STATUSES)
                )
            )
        )
    runs: list[int] = []
    for event_id in event_ids:
        try:
            async with sessions.begin() as db:
                event = await db.get_one(Event, event_id)
                run_id = await tick_event(db, event, now)
        except IntegrityError:
            # Another scheduler started this round first: its run is the round's.
            logger.info("round of event %s started elsewhere", event_id)
            continue
        if run_id is not None:
            runs.append(run_id)
    return runs

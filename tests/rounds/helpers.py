"""Arrangements for rounds tests: a weekly coffee-chat event whose students registered
(complete), and the scheduler's tick at a chosen time, with the runs it starts executed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import combinations
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.jobs.inprocess import InProcessQueue
from peerpear.jobs.tasks import schedule_rounds
from peerpear.models import PairingRun, Round
from peerpear.pairing.run_result import read_result
from peerpear.rounds.recurrence import Recurrence, stored
from tests.pairing.helpers import Paired, jobs_done, make_paired

START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # a Monday morning
WEEK = timedelta(weeks=1)


def weekly(count: int = 4, *, auto_publish: bool = True) -> dict[str, Any] | None:
    return stored(
        Recurrence(every=1, unit="weeks", starts_at=START, count=count, auto_publish=auto_publish)
    )


async def coffee_chat(
    session: AsyncSession, students: int, *, count: int = 4, auto_publish: bool = True
) -> Paired:
    """A closed event with ``students`` complete registrations, recurring weekly from START."""
    return await make_paired(session, students, recurrence=weekly(count, auto_publish=auto_publish))


async def tick(app: FastAPI, now: datetime) -> list[int]:
    """The periodic task at ``now``; its runs executed; then again, to settle them (as the next
    tick would). The ids of the runs the first tick started."""
    queue = app.state.jobs
    assert isinstance(queue, InProcessQueue)
    started = await schedule_rounds(queue.context, now)
    await jobs_done(app)
    await schedule_rounds(queue.context, now)
    return started


async def rounds_of(session: AsyncSession, event_id: int) -> list[Round]:
    fresh = (
        select(Round)
        .where(Round.event_id == event_id)
        .order_by(Round.number)
        .execution_options(populate_existing=True)
    )
    return list(await session.scalars(fresh))


async def pairs_of(session: AsyncSession, round_: Round) -> set[frozenset[str]]:
    run = await session.get_one(PairingRun, round_.run_id)
    assert run.result is not None, run.error
    groups = read_result(run.result).groups
    return {frozenset(p) for g in groups for p in combinations(g.members, 2)}


async def members_of(session: AsyncSession, round_: Round) -> set[str]:
    run = await session.get_one(PairingRun, round_.run_id)
    assert run.result is not None, run.error
    return {m for g in read_result(run.result).groups for m in g.members}

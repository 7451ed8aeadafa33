"""A run is executed by one attempt at a time: the claim is one conditional UPDATE, a stale
heartbeat lets another worker take over (and the old attempt's writes then fail), and a run
whose workers keep dying is given up with the reason."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.db import utcnow
from peerpear.models import PairingRun, RunStatus
from peerpear.pairing import execute
from peerpear.pairing.execute import MAX_ATTEMPTS, STALE_AFTER, claim, execute_run
from peerpear.pairing.recovery import stale_runs
from tests.pairing.helpers import complete_program


async def _run(session: AsyncSession, people: int = 6) -> PairingRun:
    program = await complete_program(session, people)
    run = PairingRun(event_id=program.event.id, status=RunStatus.QUEUED, parameters={})
    session.add(run)
    await session.commit()
    return run


async def test_one_of_two_concurrent_claims_wins(
    session: AsyncSession, session_maker: async_sessionmaker[AsyncSession]
) -> None:
    run = await _run(session)
    won = await asyncio.gather(*(claim(session_maker, run.id, f"w{n}") for n in range(4)))
    assert sorted(w for w in won if w is not None) == [1]
    await session.refresh(run)
    assert run.status is RunStatus.RUNNING and run.attempts == 1


async def test_a_stale_run_is_taken_over_and_the_old_attempt_cannot_finish_it(
    session: AsyncSession, session_maker: async_sessionmaker[AsyncSession]
) -> None:
    run = await _run(session)
    assert await claim(session_maker, run.id, "dead-worker") == 1
    assert await claim(session_maker, run.id, "another") is None  # fresh heartbeat: not yet
    await session.execute(
        update(PairingRun)
        .where(PairingRun.id == run.id)
        .values(heartbeat_at=utcnow() - STALE_AFTER - timedelta(seconds=1))
    )
    await session.commit()
    assert await stale_runs(session_maker) == [run.id]
    await execute_run(session_maker, run.id, "another")
    await session.refresh(run)
    assert run.status is RunStatus.SUCCEEDED and run.attempts == 2
    # The first attempt, had it lived, could no longer write anything.
    assert not await execute._finish(session_maker, run.id, "dead-worker", status=RunStatus.FAILED)
    await session.refresh(run)
    assert run.status is RunStatus.SUCCEEDED


async def test_a_run_whose_workers_keep_dying_is_given_up(
    session: AsyncSession, session_maker: async_sessionmaker[AsyncSession]
) -> None:
    run = await _run(session)
    await session.execute(
        update(PairingRun)
        .where(PairingRun.id == run.id)
        .values(
            status=RunStatus.RUNNING,
            attempts=MAX_ATTEMPTS,
            heartbeat_at=utcnow() - STALE_AFTER - timedelta(seconds=1),
        )
    )
    await session.commit()
    await execute_run(session_maker, run.id, "yet-another")
    await session.refresh(run)
    assert run.status is RunStatus.FAILED
    assert run.error is not None and f"stopped {MAX_ATTEMPTS} times" in run.error
    assert await stale_runs(session_maker) == []


async def test_a_cancelled_queued_run_is_never_claimed(
    session: AsyncSession, session_maker: async_sessionmaker[AsyncSession]
) -> None:
    run = await _run(session)
    run.cancel_requested = True
    await session.commit()
    assert await claim(session_maker, run.id, "w") is None


async def test_a_running_attempt_sees_a_cancel_and_a_lost_claim(
    session: AsyncSession, session_maker: async_sessionmaker[AsyncSession]
) -> None:
    run = await _run(session)
    assert await claim(session_maker, run.id, "w1") == 1
    beat = execute._Beat(session_maker, run.id, "w1")
    assert await beat(0.4) is True
    await session.refresh(run)
    assert run.progress == 0.4 and run.heartbeat_at is not None
    run.cancel_requested = True
    await session.commit()
    beat.last = 0.0  # the next tick writes (and reads) again
    assert await beat(0.5) is False
    # An attempt whose claim was taken over stops too.
    stranger = execute._Beat(session_maker, run.id, "someone-else")
    assert await stranger(0.5) is False

"""Finding runs that lost their worker, for the job queues to hand them out again.

- A *running* run whose heartbeat is stale had its worker die (killed, out of memory, the server
  restarted). How it gets another worker is the queue's business (``recover_stalled``): the
  in-process queue enqueues it again; procrastinate retries the stalled job itself.
- A *queued* run that has waited long may never have reached the queue (the process that was
  to enqueue it stopped right after the commit): it is enqueued again, which does nothing when
  its job is in fact waiting.

The claim (execute.py) makes sure only one attempt runs, and gives up after ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.db import utcnow
from peerpear.models import PairingRun, RunStatus
from peerpear.pairing.execute import STALE_AFTER

QUEUED_GRACE = timedelta(minutes=2)


async def _ids(sessions: async_sessionmaker[AsyncSession], where: ColumnElement[bool]) -> list[int]:
    async with sessions() as db:
        return list(await db.scalars(select(PairingRun.id).where(where).order_by(PairingRun.id)))


async def stale_runs(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    """Running runs whose worker stopped heartbeating."""
    stale = utcnow() - STALE_AFTER
    return await _ids(
        sessions, (PairingRun.status == RunStatus.RUNNING) & (PairingRun.heartbeat_at < stale)
    )


async def waiting_runs(
    sessions: async_sessionmaker[AsyncSession], queued_for: timedelta = QUEUED_GRACE
) -> list[int]:
    """Queued runs created at least ``queued_for`` ago."""
    since = utcnow() - queued_for
    return await _ids(
        sessions, (PairingRun.status == RunStatus.QUEUED) & (PairingRun.created_at <= since)
    )

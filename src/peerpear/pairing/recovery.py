"""Runs that lost their worker get another one.

A running run whose heartbeat is stale had its worker die (killed, out of memory, the server
restarted); a queued run that has waited long may have lost its job (the process that was to
run it stopped). Both are enqueued again: the claim (execute.py) makes sure only one attempt
runs, and gives up after ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.db import utcnow
from peerpear.models import PairingRun, RunStatus
from peerpear.pairing.execute import STALE_AFTER

QUEUED_GRACE = timedelta(minutes=2)


async def lost_runs(
    sessions: async_sessionmaker[AsyncSession], *, queued_for: timedelta = QUEUED_GRACE
) -> list[int]:
    now = utcnow()
    async with sessions() as db:
        rows = await db.scalars(
            select(PairingRun.id)
            .where(
                or_(
                    (PairingRun.status == RunStatus.RUNNING)
                    & (PairingRun.heartbeat_at < now - STALE_AFTER),
                    (PairingRun.status == RunStatus.QUEUED)
                    & (PairingRun.created_at <= now - queued_for),
                )
            )
            .order_by(PairingRun.id)
        )
        return list(rows)

"""The groups of earlier rounds, as history for the next run (the engine's ``history``: each
pair in them costs ``history_penalty``, so it repeats only when nothing else is possible).

The organization's published one-off pairings come from pairing/snapshot.py; this adds the
rounds: every earlier round of this event, and every round of the organization's other
recurring events, whose run succeeded (published or waiting for an admin: a round an admin
publishes late is still a chat those people have had, or will).
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import Event, PairingRun, Round, RoundStatus
from peerpear.pairing.run_result import read_result

PAIRED = (RoundStatus.READY, RoundStatus.PUBLISHED)


async def round_history(db: AsyncSession, event: Event, before: int) -> list[list[str]]:
    """Groups (participant ids: user ids as text) of the rounds that came before round
    ``before`` of ``event``, and of the organization's other events' rounds."""
    rows = await db.scalars(
        select(PairingRun.result)
        .join(Round, Round.run_id == PairingRun.id)
        .join(Event, Event.id == Round.event_id)
        .where(
            Event.organization_id == event.organization_id,
            Round.status.in_(PAIRED),
            or_(Event.id != event.id, Round.number < before),
            PairingRun.result.is_not(None),
        )
    )
    groups: list[list[str]] = []
    for result in rows:
        groups += [list(g.members) for g in read_result(result).groups if len(g.members) >= 2]
    return groups

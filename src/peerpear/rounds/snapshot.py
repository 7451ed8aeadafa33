"""A round's problem: the event's snapshot restricted to the people who opted in for the
round, with the earlier rounds added to the history."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import Event
from peerpear.pairing.parameters import RunParameters
from peerpear.pairing.snapshot import Snapshot, load_snapshot
from peerpear.rounds.history import round_history
from peerpear.rounds.spec import round_spec


async def round_snapshot(
    db: AsyncSession, event: Event, params: RunParameters, parameters: dict[str, Any]
) -> Snapshot | None:
    """The snapshot of the round a run pairs; None when the run is not a round's."""
    spec = round_spec(parameters)
    if spec is None:
        return None
    snapshot = await load_snapshot(db, event, params, registration_ids=set(spec.participants))
    settings = snapshot.problem["settings"]
    settings["history"] += await round_history(db, event, spec.number)
    # set here, not in the run's parameters: above what an admin may set (rounds/spec.py)
    settings["history_penalty"] = spec.history_penalty
    return snapshot

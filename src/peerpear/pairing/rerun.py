"""Re-running the working pairing: everyone not in a locked group is grouped anew, the locked
groups are kept exactly.

A re-run is a pairing run like any other (the job queue runs it; it is kept and comparable)
whose parameters also say what to keep (``RerunSpec`` under the ``rerun`` key): the pairing's
version when it was asked for, the locked groups, and the people to group (the members of the
unlocked groups and the complete registrations not placed yet, excluded people left out). When
it succeeds, its groups replace the unlocked ones, but only if the pairing is still at that
version: an edit made meanwhile wins, and the run stays available for comparison.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear import audit
from peerpear.errors import Conflict, InvalidState, ValidationFailed
from peerpear.events.access import EventAccess
from peerpear.models import (
    Event,
    EventStatus,
    PairingGroup,
    PairingGroupMember,
    PairingRun,
    User,
)
from peerpear.pairing.assessment import run_parameters
from peerpear.pairing.parameters import RunParameters
from peerpear.pairing.run_result import StoredResult
from peerpear.pairing.runs import queue_run
from peerpear.pairing.state import claim, ensure_closed, load_state, require_pairing, tidy
from peerpear.pairing.working import settled
from peerpear.rounds.spec import ROUND_KEY

RERUN_KEY = "rerun"


class RerunSpec(BaseModel):
    pairing_version: int
    locked: list[list[int]]  # registration ids of each locked group, in order
    participants: list[int]  # registration ids to group anew


def split_parameters(stored: dict[str, Any]) -> tuple[RunParameters, RerunSpec | None]:
    """A run's parameters, and what it keeps when it is a re-run."""
    rest = {k: v for k, v in stored.items() if k not in (RERUN_KEY, ROUND_KEY)}
    spec = RerunSpec.model_validate(stored[RERUN_KEY]) if RERUN_KEY in stored else None
    return RunParameters.model_validate(rest), spec


async def start_rerun(
    db: AsyncSession, access: EventAccess, version: int, params: RunParameters | None
) -> PairingRun:
    event = access.event
    ensure_closed(event, "re-run the pairing")
    pairing = await require_pairing(db, event.id)
    if pairing.version != version:
        raise Conflict(
            f"the pairing changed since version {version} was read (it is at version "
            f"{pairing.version}); reload it first",
            details={"current_version": pairing.version, "sent_version": version},
        )
    state = await load_state(db, event.id, pairing)
    grouped = state.grouped()
    locked = [[m.registration_id for m in members] for g, members in grouped if g.locked]
    rest = [m.registration_id for g, members in grouped if not g.locked for m in members]
    rest += [e.registration.id for e in state.unplaced() if e.registration.is_complete]
    if len(rest) < 2:
        raise InvalidState(
            f"nothing to re-run: {len(rest)} person(s) outside the locked groups",
            details={"unlocked_people": len(rest)},
        )
    if params is not None and params.strategy == "llm":
        raise ValidationFailed(
            "parameters.strategy: a re-run keeps the locked groups and optimizes the rest; "
            "it uses the optimizer",
            details=[
                {"loc": ["body", "parameters", "strategy"], "msg": "re-runs use the optimizer",
                 "type": "value_error"}
            ],
        )  # fmt: skip
    if params is None:
        # the adopted run's settings; an llm run's strategy does not carry over
        params = (await run_parameters(db, pairing.source_run_id)).model_copy(
            update={"strategy": "optimizer"}
        )
    spec = RerunSpec(pairing_version=version, locked=locked, participants=sorted(rest))
    parameters = {
        **params.model_dump(mode="json", exclude_defaults=True),
        RERUN_KEY: spec.model_dump(),
    }
    details = {"version": version, "locked_groups": len(locked), "people": len(rest)}
    return await queue_run(db, access, parameters, "pairing.rerun", details)


async def apply_rerun(db: AsyncSession, run: PairingRun, stored: StoredResult) -> bool:
    """Put the re-run's new groups in place of the unlocked ones; False (and no change) when
    the pairing moved on (a newer version, published) or the event is no longer closed."""
    try:
        _, spec = split_parameters(run.parameters)
    except ValidationError:
        return False
    event = await db.get(Event, run.event_id)
    if spec is None or event is None or event.status is not EventStatus.CLOSED:
        return False
    try:
        pairing = await claim(db, event.id, spec.pairing_version)
    except (Conflict, InvalidState):
        return False
    state = await load_state(db, event.id, pairing)
    unlocked = [g.id for g in state.groups if not g.locked]
    await db.execute(
        delete(PairingGroupMember).where(
            PairingGroupMember.pairing_id == pairing.id, PairingGroupMember.group_id.in_(unlocked)
        )
    )
    await db.execute(delete(PairingGroup).where(PairingGroup.id.in_(unlocked)))
    state = await load_state(db, event.id, pairing)
    # The result lists the kept groups first (solver_process.Kept), then the new ones.
    new_groups = stored.groups[len(spec.locked) :]
    start = len(state.groups)
    groups = [
        PairingGroup(pairing_id=pairing.id, position=start + n) for n in range(len(new_groups))
    ]
    db.add_all(groups)
    await db.flush()
    members = [
        PairingGroupMember(
            group_id=group.id, pairing_id=pairing.id, registration_id=stored.registrations[pid]
        )
        for group, new in zip(groups, new_groups, strict=True)
        for pid in new.members
        if stored.registrations[pid] in state.people
    ]
    db.add_all(members)
    await db.flush()
    state = await load_state(db, event.id, pairing)
    await tidy(db, state)
    actor = await db.get(User, run.created_by_id) if run.created_by_id else None
    audit.record(
        db,
        actor,
        "pairing.rerun.apply",
        organization_id=event.organization_id,
        event_id=event.id,
        target_type="pairing",
        target_id=pairing.id,
        details={"run_id": run.id, "groups": len(groups), "version": pairing.version},
    )
    await settled(db, event, state)
    return True

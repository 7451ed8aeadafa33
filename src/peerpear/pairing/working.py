"""The working pairing of an event (DESIGN §2): adopted from a succeeded run, edited by admins
while the event is closed, checked before it is published.

Every write bumps ``Pairing.version`` with a conditional UPDATE (state.claim), so concurrent
admins cannot both win; every answer is the whole pairing, measured as it now is
(assessment.py), and writes keep the measured satisfactions, explanations and scores on the
rows for the students' cheap reads of their own group.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear import audit
from peerpear.db import upsert_insert, utcnow
from peerpear.errors import InvalidState, ValidationFailed
from peerpear.events.access import EventAccess
from peerpear.models import (
    Event,
    Pairing,
    PairingGroup,
    PairingGroupMember,
    PairingRun,
    RunStatus,
)
from peerpear.pairing.assessment import Assessment, assess, store
from peerpear.pairing.edits import apply_edit
from peerpear.pairing.run_result import read_result
from peerpear.pairing.state import (
    Entry,
    PairingState,
    claim,
    ensure_closed,
    find_pairing,
    load_state,
    require_pairing,
    tidy,
)
from peerpear.pairing.working_schemas import (
    AdoptIn,
    Edit,
    PairingGroupOut,
    PairingMember,
    PairingMetrics,
    PairingOut,
    PairingPerson,
    PairingValidation,
)


def _person(entry: Entry) -> PairingPerson:
    registration, user = entry.registration, entry.user
    return PairingPerson(
        registration_id=registration.id,
        user_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        role=registration.role,
        is_complete=registration.is_complete,
    )


def to_out(event: Event, state: PairingState, assessment: Assessment) -> PairingOut:
    groups = [
        PairingGroupOut(
            id=group.id,
            position=position,
            locked=group.locked,
            score=score,
            members=[
                PairingMember(
                    **_person(state.people[m.registration_id]).model_dump(),
                    satisfaction=assessment.satisfaction.get(m.registration_id),
                    explanation=assessment.explanation.get(m.registration_id),
                )
                for m in members
            ],
        )
        for position, ((group, members), score) in enumerate(
            zip(state.grouped(), assessment.scores, strict=True)
        )
    ]
    unplaced = state.unplaced()
    excluded = sorted(
        (state.people[rid] for rid in state.excluded),
        key=lambda e: (e.user.last_name, e.user.first_name, e.registration.id),
    )
    metrics = assessment.metrics
    pairing = state.pairing
    return PairingOut(
        event_id=event.id,
        version=pairing.version,
        source_run_id=pairing.source_run_id,
        published_at=pairing.published_at,
        groups=groups,
        not_placed=[_person(e) for e in unplaced if e.registration.is_complete],
        incomplete=[_person(e) for e in unplaced if not e.registration.is_complete],
        excluded=[_person(e) for e in excluded],
        validation=PairingValidation(
            ok=not assessment.violations, violations=assessment.violations
        ),
        metrics=None if metrics is None else PairingMetrics.model_validate(metrics.model_dump()),
    )


async def settled(db: AsyncSession, event: Event, state: PairingState) -> PairingOut:
    """After a write: measure, keep the measurements on the rows, answer the whole pairing."""
    assessment = await assess(db, event, state, measure=True)
    store(state, assessment)
    await db.flush()
    return to_out(event, state, assessment)


async def read(db: AsyncSession, event: Event) -> PairingOut:
    state = await load_state(db, event.id, await require_pairing(db, event.id))
    return to_out(event, state, await assess(db, event, state, measure=True))


async def _succeeded_run(db: AsyncSession, event: Event, run_id: int) -> PairingRun:
    run = await db.get(PairingRun, run_id)
    if run is None or run.event_id != event.id:
        message = f"run {run_id} is not a pairing run of this event"
        raise ValidationFailed(
            f"run_id: {message}",
            details=[{"loc": ["body", "run_id"], "msg": message, "type": "value_error"}],
        )
    if run.status is not RunStatus.SUCCEEDED or run.result is None:
        raise InvalidState(
            f"run {run_id} has not succeeded (it is {run.status.value}); adopt a succeeded run",
            details={"run_id": run_id, "run_status": run.status.value},
        )
    return run


async def adopt(db: AsyncSession, access: EventAccess, body: AdoptIn) -> PairingOut:
    """Make a succeeded run of the event its working pairing, replacing an unpublished one."""
    event = access.event
    ensure_closed(event, "adopt a run")
    run = await _succeeded_run(db, event, body.run_id)
    assert run.result is not None
    stored = read_result(run.result)
    now = utcnow()
    # One path for a new and an existing pairing: insert it if missing (concurrent adopts
    # cannot both insert), then claim it with the same conditional UPDATE as every write.
    await db.execute(
        upsert_insert(db, Pairing)
        .values(event_id=event.id, version=0, excluded_registration_ids=[],
                created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=[Pairing.event_id])
    )  # fmt: skip
    claimed = await db.scalar(
        update(Pairing)
        .where(Pairing.event_id == event.id, Pairing.published_at.is_(None))
        .values(version=Pairing.version + 1, source_run_id=run.id, updated_at=now)
        .returning(Pairing.id)
        .execution_options(synchronize_session=False)
    )
    if claimed is None:
        raise InvalidState("the pairing is published; unpublish the event first")
    pairing = await require_pairing(db, event.id)
    await db.execute(delete(PairingGroupMember).where(PairingGroupMember.pairing_id == pairing.id))
    await db.execute(delete(PairingGroup).where(PairingGroup.pairing_id == pairing.id))
    state = await load_state(db, event.id, pairing)
    placed: list[list[int]] = []
    for group in stored.groups:
        # people who withdrew since the run are gone from the event: dropped
        found = (stored.registrations.get(pid) for pid in group.members)
        kept = [rid for rid in found if rid is not None and rid in state.people]
        if kept:
            placed.append(kept)
    dropped = sum(len(g.members) for g in stored.groups) - sum(len(g) for g in placed)
    groups = [PairingGroup(pairing_id=pairing.id, position=n) for n in range(len(placed))]
    db.add_all(groups)
    await db.flush()
    members = [
        PairingGroupMember(group_id=group.id, pairing_id=pairing.id, registration_id=rid)
        for group, rids in zip(groups, placed, strict=True)
        for rid in rids
    ]
    db.add_all(members)
    # Exclusions are decisions about people, not about a run: kept for those the run left out.
    everyone = {rid for rids in placed for rid in rids}
    pairing.excluded_registration_ids = sorted(state.excluded - everyone)
    await db.flush()
    state.groups, state.members = groups, members
    audit.record(
        db,
        access.user,
        "pairing.adopt",
        organization_id=event.organization_id,
        event_id=event.id,
        target_type="pairing",
        target_id=pairing.id,
        details={"run_id": run.id, "groups": len(groups), "placed": len(members),
                 "dropped": dropped, "version": pairing.version},
    )  # fmt: skip
    return await settled(db, event, state)


async def edit(db: AsyncSession, access: EventAccess, body: Edit) -> PairingOut:
    """One edit, against the version the client read (409 when it is stale)."""
    event = access.event
    ensure_closed(event, "edit the pairing")
    pairing = await claim(db, event.id, body.version)
    state = await load_state(db, event.id, pairing)
    done = await apply_edit(db, state, body)
    await tidy(db, state)
    audit.record(
        db,
        access.user,
        "pairing.edit",
        organization_id=event.organization_id,
        event_id=event.id,
        target_type="pairing",
        target_id=pairing.id,
        details={**done, "version": pairing.version},
    )
    return await settled(db, event, state)


async def publish_blockers(db: AsyncSession, event: Event) -> list[str] | None:
    """What keeps the event's pairing from being published (empty: nothing); None without a
    pairing. Holds the pairing's row until the transaction ends, so no edit slips in between
    this check and the publication."""
    pairing = await find_pairing(db, event.id, lock=True)
    if pairing is None:
        return None
    state = await load_state(db, event.id, pairing)
    return (await assess(db, event, state, measure=False)).violations


async def measure_for_publication(db: AsyncSession, event: Event) -> None:
    """Measure the pairing once more as it is published: weights and profiles may have changed
    since the last edit, and what students read is what is stored now."""
    pairing = await find_pairing(db, event.id)
    if pairing is not None:
        await settled(db, event, await load_state(db, event.id, pairing))

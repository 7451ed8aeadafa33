"""Pairing runs as admins see them: start, list, read, cancel, compare.

Starting a run only records it (``queued``); the route hands it to the job queue once the
transaction has committed, and a worker executes it (execute.py). Runs are kept: they are the
history an admin compares and adopts from.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear import audit
from peerpear.db import utcnow
from peerpear.errors import InvalidState, NotFound, ValidationFailed
from peerpear.events.access import EventAccess, admin_part_access
from peerpear.llm.base import LLMClient
from peerpear.llm.proposal import MAX_PARTICIPANTS
from peerpear.models import (
    EventStatus,
    PairingRun,
    Question,
    Registration,
    RunStatus,
    RunStrategy,
    User,
)
from peerpear.models.enums import FINISHED_RUN_STATUSES
from peerpear.pagination import paginate
from peerpear.pairing.llm_strategy import NO_MODEL, too_many
from peerpear.pairing.parameters import RunParameters, unknown_to_event
from peerpear.pairing.run_result import StoredResult, read_metrics, read_result
from peerpear.pairing.run_schemas import (
    CompareOut,
    RunComparison,
    RunGroup,
    RunMember,
    RunOut,
    SharedPairs,
    repair_summary,
)
from peerpear.schemas_common import Page, Pagination

RUN_NOT_FOUND = "pairing run not found"
RUNNABLE = frozenset({EventStatus.OPEN, EventStatus.CLOSED})


def to_out(run: PairingRun, groups: list[RunGroup] | None = None) -> RunOut:
    stored = read_result(run.result) if run.result else None
    return RunOut(
        id=run.id,
        event_id=run.event_id,
        status=run.status,
        strategy=run.strategy,
        parameters=run.parameters,
        progress=run.progress,
        error=run.error,
        metrics=read_metrics(run.metrics) if run.metrics else None,
        validation=stored.validation if stored else None,
        engine_version=run.engine_version,
        input_fingerprint=run.input_fingerprint,
        attempts=run.attempts,
        cancel_requested=run.cancel_requested,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        applied_to_pairing=stored.applied_to_pairing if stored else None,
        text_embedder=stored.text_embedder if stored else None,
        repair=stored.repair if stored else None,
        groups=groups,
    )


async def start_run(
    db: AsyncSession, access: EventAccess, params: RunParameters, llm: LLMClient
) -> PairingRun:
    event = access.event
    if params.strategy == "llm" and not llm.available:
        # Refused up front rather than queued to fail: nothing the run could do.
        raise InvalidState(
            f"strategy llm needs a language model: {NO_MODEL} (PEERPEAR_LLM_PROVIDER)",
            details={"strategy": "llm", "llm_provider": llm.provider},
        )
    if event.status not in RUNNABLE:
        raise InvalidState(
            f"runs are made while the event is open or closed; it is {event.status.value}",
            details={"status": event.status.value},
        )
    if params.questions or params.no_isolation:
        questions = list(await db.scalars(select(Question).where(Question.event_id == event.id)))
        unknown = unknown_to_event(params, questions)
        if unknown:
            first = unknown[0]
            where = ".".join(str(part) for part in first["loc"][1:])
            raise ValidationFailed(f"{where}: {first['msg']}", details=unknown)
    complete = await db.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.is_complete.is_(True))
    )
    complete = complete or 0
    if complete < 2:
        raise InvalidState(
            f"a run needs at least 2 complete registrations; the event has {complete}",
            details={"complete_registrations": complete},
        )
    if params.strategy == "llm" and complete > MAX_PARTICIPANTS:
        raise InvalidState(
            too_many(complete, MAX_PARTICIPANTS), details={"complete_registrations": complete}
        )
    stored = params.model_dump(mode="json", exclude_defaults=True)
    strategy = RunStrategy(params.strategy)
    return await queue_run(
        db, access, stored, "pairing_run.start", {"parameters": stored}, strategy=strategy
    )


async def queue_run(
    db: AsyncSession,
    access: EventAccess,
    parameters: dict[str, Any],
    action: str,
    details: dict[str, Any],
    *,
    strategy: RunStrategy = RunStrategy.OPTIMIZER,
) -> PairingRun:
    """A queued run of the access's event with ``parameters``, audited as ``action`` (the route
    enqueues it once the transaction has committed)."""
    run = PairingRun(
        event_id=access.event.id,
        status=RunStatus.QUEUED,
        strategy=strategy,
        parameters=parameters,
        created_by_id=access.user.id,
        created_at=utcnow(),
    )
    db.add(run)
    await db.flush()
    audit.record(
        db,
        access.user,
        action,
        organization_id=access.event.organization_id,
        event_id=access.event.id,
        target_type="pairing_run",
        target_id=run.id,
        details=details,
    )
    await db.flush()
    return run


async def list_runs(db: AsyncSession, event_id: int, page: Pagination) -> Page[RunOut]:
    return await paginate(
        db,
        select(PairingRun).where(PairingRun.event_id == event_id),
        page,
        order_by=(PairingRun.created_at.desc(), PairingRun.id.desc()),
        to_item=lambda row: to_out(row[0]),
    )


async def run_access(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession], user: User, run_id: int
) -> tuple[PairingRun, EventAccess]:
    """The run and the admin's access to its event (404 / 403 as for the event)."""
    return await admin_part_access(db, sessions, user, PairingRun, run_id, RUN_NOT_FOUND)


async def run_groups(db: AsyncSession, stored: StoredResult) -> list[RunGroup]:
    """The run's groups with each member's name and role as they are now (two statements,
    each a plain lookup by primary key)."""
    user_ids = [int(pid) for pid in stored.registrations]
    users = await db.execute(
        select(User.id, User.first_name, User.last_name, User.email).where(User.id.in_(user_ids))
    )
    names = {
        str(uid): f"{first} {last}".strip() or email for uid, first, last, email in users.tuples()
    }
    found = await db.execute(
        select(Registration.id, Registration.role).where(
            Registration.id.in_(list(stored.registrations.values()))
        )
    )
    roles = {rid: role for rid, role in found.tuples()}
    groups = []
    for group in stored.groups:
        members = [
            RunMember(
                registration_id=stored.registrations[pid],
                user_id=int(pid),
                name=names.get(pid, "(account deleted)"),
                role=roles.get(stored.registrations[pid]),
                satisfaction=stored.participants[pid].satisfaction,
            )
            for pid in group.members
        ]
        groups.append(RunGroup(members=members, score=group.score, reason=group.reason))
    return groups


async def read_run(db: AsyncSession, run: PairingRun) -> RunOut:
    groups = await run_groups(db, read_result(run.result)) if run.result else None
    return to_out(run, groups)


async def cancel_run(db: AsyncSession, run: PairingRun, access: EventAccess) -> PairingRun:
    """A queued run is cancelled at once; a running one when its worker next checks (within
    seconds: it kills the solver). A finished run answers 409."""
    if run.status in FINISHED_RUN_STATUSES:
        raise InvalidState(
            f"the run has already {run.status.value}", details={"status": run.status.value}
        )
    run.cancel_requested = True
    if run.status is RunStatus.QUEUED:
        run.status, run.finished_at = RunStatus.CANCELLED, utcnow()
    await db.flush()
    audit.record(
        db,
        access.user,
        "pairing_run.cancel",
        organization_id=access.event.organization_id,
        event_id=access.event.id,
        target_type="pairing_run",
        target_id=run.id,
    )
    await db.flush()
    return run


def _pairs(stored: StoredResult) -> set[tuple[str, str]]:
    return {(min(a, b), max(a, b)) for g in stored.groups for a, b in combinations(g.members, 2)}


async def compare_runs(db: AsyncSession, event_id: int, ids: list[int]) -> CompareOut:
    found = {
        r.id: r
        for r in await db.scalars(
            select(PairingRun).where(PairingRun.event_id == event_id, PairingRun.id.in_(ids))
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(
            f"pairing run {missing[0]} not found in this event", details={"ids": missing}
        )
    runs = [found[i] for i in dict.fromkeys(ids)]
    stored: dict[int, StoredResult] = {r.id: read_result(r.result) for r in runs if r.result}
    rows = []
    for run in runs:
        result = stored.get(run.id)
        runtime: Any = None
        if run.started_at and run.finished_at:
            runtime = (run.finished_at - run.started_at).total_seconds()
        rows.append(
            RunComparison(
                id=run.id,
                status=run.status,
                strategy=run.strategy,
                parameters=run.parameters,
                metrics=read_metrics(run.metrics) if run.metrics else None,
                runtime_s=runtime,
                engine_version=run.engine_version,
                input_fingerprint=run.input_fingerprint,
                participants=len(result.registrations) if result else None,
                groups=len(result.groups) if result else None,
                text_embedder=result.text_embedder if result else None,
                repair=repair_summary(result.repair) if result and result.repair else None,
            )
        )
    pairs = {run_id: _pairs(result) for run_id, result in stored.items()}
    shared = []
    for a, b in combinations([r.id for r in runs if r.id in pairs], 2):
        both, either = pairs[a] & pairs[b], pairs[a] | pairs[b]
        shared.append(
            SharedPairs(
                run_a=a,
                run_b=b,
                shared=len(both),
                pairs_a=len(pairs[a]),
                pairs_b=len(pairs[b]),
                jaccard=len(both) / len(either) if either else 1.0,
            )
        )
    return CompareOut(runs=rows, shared_pairs=shared)

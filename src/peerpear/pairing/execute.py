"""Running a pairing run: the body of the ``pairing.run`` job, the same on every job queue.

1. **Claim** the run in one conditional UPDATE: a queued run, or a running one whose heartbeat
   is stale (its worker died). The claim names this attempt (``worker_id``) and counts it; every
   later write is conditional on that name, so a run is never executed twice at once: an
   attempt that lost its claim stops at its next heartbeat and writes nothing.
2. **Snapshot** the event (snapshot.py) and record its fingerprint.
3. With an embedding model configured, the provider embeds the text answers
   (text_embeddings.py); with strategy ``llm`` the model proposes the groups (llm_strategy.py).
   Both are awaited while the attempt heartbeats (beating.py).
4. **Solve** in a child process (solver_process.py) while this process heartbeats, records
   progress, and kills the child when the run is cancelled; for strategy ``llm`` the child
   repairs and measures the proposal instead of solving.
5. **Record** the outcome: the result and metrics, or the reason it failed in one sentence; a
   re-run of the working pairing (rerun.py) also puts its groups in place, in that transaction.

A run whose worker died more than ``MAX_ATTEMPTS`` times is failed with that reason rather than
retried forever.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.db import utcnow
from peerpear.engine.errors import Cancelled, EngineError, Infeasible, NoSolutionFound
from peerpear.engine.result import Result
from peerpear.engine.version import ENGINE_VERSION
from peerpear.llm.base import LLMClient
from peerpear.llm.scrub import Scrubber, name_words
from peerpear.models import Event, PairingRun, RunStatus, RunStrategy
from peerpear.pairing.llm_strategy import ProposalFailed, propose
from peerpear.pairing.rerun import apply_rerun, split_parameters
from peerpear.pairing.run_result import StoredResult, stored_result, with_proposal
from peerpear.pairing.snapshot import Snapshot, load_snapshot
from peerpear.pairing.solver_process import Given, Kept, SolverCrashed, solve_in_subprocess
from peerpear.pairing.text_embeddings import local_label, provider_embedder
from peerpear.rounds.snapshot import round_snapshot

logger = logging.getLogger("peerpear.pairing")

HEARTBEAT_S = 1.0  # how often a running attempt proves it is alive (and sees a cancel)
STALE_AFTER = timedelta(seconds=30)  # a heartbeat older than this: the worker is gone
MAX_ATTEMPTS = 3


def _owned(run_id: int, worker_id: str) -> Any:
    return (
        (PairingRun.id == run_id)
        & (PairingRun.worker_id == worker_id)
        & (PairingRun.status == RunStatus.RUNNING)
    )


async def claim(
    sessions: async_sessionmaker[AsyncSession], run_id: int, worker_id: str
) -> int | None:
    """This attempt's number when the run is now ours to execute, else None."""
    now = utcnow()
    async with sessions.begin() as db:
        attempts = await db.scalar(
            update(PairingRun)
            .where(
                PairingRun.id == run_id,
                PairingRun.cancel_requested.is_(False),
                (PairingRun.status == RunStatus.QUEUED)
                | (
                    (PairingRun.status == RunStatus.RUNNING)
                    & (PairingRun.heartbeat_at < now - STALE_AFTER)
                ),
            )
            .values(
                status=RunStatus.RUNNING,
                worker_id=worker_id,
                attempts=PairingRun.attempts + 1,
                heartbeat_at=now,
                started_at=now,
                progress=0.0,
            )
            .returning(PairingRun.attempts)
        )
    return attempts


async def _finish(
    sessions: async_sessionmaker[AsyncSession], run_id: int, worker_id: str, **values: Any
) -> bool:
    async with sessions.begin() as db:
        done = await db.execute(
            update(PairingRun)
            .where(_owned(run_id, worker_id))
            .values(finished_at=utcnow(), worker_id=None, **values)
            .execution_options(synchronize_session=False)
        )
    return getattr(done, "rowcount", 0) == 1


class _Beat:
    """Heartbeats and progress of one attempt; False once it must stop (cancelled, or its
    claim was taken over)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], run_id: int, worker_id: str):
        self.sessions, self.run_id, self.worker_id = sessions, run_id, worker_id
        self.last = 0.0

    async def __call__(self, progress: float) -> bool:
        if time.monotonic() - self.last < HEARTBEAT_S:
            return True
        self.last = time.monotonic()
        async with self.sessions.begin() as db:
            cancel = await db.scalar(
                update(PairingRun)
                .where(_owned(self.run_id, self.worker_id))
                .values(heartbeat_at=utcnow(), progress=min(max(progress, 0.0), 0.99))
                .returning(PairingRun.cancel_requested)
            )
        return cancel is False  # None: the claim is no longer ours


def failure_message(exc: BaseException) -> str:
    """The reason a run failed, in one sentence for the admin."""
    if isinstance(exc, Infeasible):
        return f"The rules cannot all hold: {exc}"
    if isinstance(exc, NoSolutionFound):
        return f"No grouping that keeps every rule was found in the time allowed: {exc}"
    if isinstance(exc, EngineError):
        return f"The event's data cannot be paired as asked: {exc}"
    if isinstance(exc, ProposalFailed):
        return str(exc)
    if isinstance(exc, SolverCrashed):
        return f"The solver stopped unexpectedly ({exc}); run it again, or with fewer people."
    return f"The run failed unexpectedly ({type(exc).__name__}); see the server log."


async def _snapshots(
    sessions: async_sessionmaker[AsyncSession], run: PairingRun
) -> tuple[Snapshot, Snapshot, Kept | None]:
    """The problem to solve and the snapshot the result is recorded against (the same but for
    a re-run, which solves the unlocked people and records everyone), and what to keep."""
    params, spec = split_parameters(run.parameters)
    async with sessions() as db:
        event = await db.get_one(Event, run.event_id)
        if spec is None:
            snapshot = await round_snapshot(db, event, params, run.parameters)
            if snapshot is None:
                snapshot = await load_snapshot(db, event, params)
            return snapshot, snapshot, None
        locked = {rid for group in spec.locked for rid in group}
        subset = await load_snapshot(db, event, params, registration_ids=set(spec.participants))
        full = await load_snapshot(
            db, event, params, registration_ids=set(spec.participants) | locked
        )
    pid_of = {person.registration_id: pid for pid, person in full.people.items()}
    kept = [[pid_of[rid] for rid in group if rid in pid_of] for group in spec.locked]
    return subset, full, Kept(groups=[g for g in kept if g], problem=full.problem)


def _recorded_result(
    snapshot: Snapshot, data: dict[str, Any], reasons: list[str | None]
) -> tuple[StoredResult, dict[str, Any]]:
    proposal = data.pop("proposal", None)
    result = Result.model_validate(data)
    stored = stored_result(snapshot, result)
    if proposal is not None:
        stored = with_proposal(stored, proposal, reasons)
    return stored, result.metrics.model_dump(mode="json")


async def execute_run(
    sessions: async_sessionmaker[AsyncSession],
    run_id: int,
    worker_id: str,
    llm: LLMClient | None = None,
    embedding_model: str = "",
) -> None:
    """Run ``run_id`` if it is ours to run (see the module docstring); never raises for an
    outcome of the run itself. ``llm``: the process's client (strategy llm, and provider
    embeddings when ``embedding_model`` names one)."""
    attempt = await claim(sessions, run_id, worker_id)
    if attempt is None:
        return  # finished, cancelled, or running elsewhere
    if attempt > MAX_ATTEMPTS:
        await _finish(
            sessions,
            run_id,
            worker_id,
            status=RunStatus.FAILED,
            error=f"The worker running it stopped {attempt - 1} times (killed, or out of "
            "memory); the run was given up. Try again, perhaps with a shorter time limit.",
        )
        return
    async with sessions() as db:
        run = await db.get_one(PairingRun, run_id)
    try:
        snapshot, recorded, keep = await _snapshots(sessions, run)
        fingerprint = await asyncio.to_thread(lambda: recorded.fingerprint)
        async with sessions.begin() as db:
            await db.execute(
                update(PairingRun)
                .where(_owned(run_id, worker_id))
                .values(input_fingerprint=fingerprint, engine_version=ENGINE_VERSION)
            )
        beat = _Beat(sessions, run_id, worker_id)
        # what the provider reads of the answers: without the names and emails written in them
        scrub = Scrubber(name_words(*(p.name for p in recorded.people.values())))
        embedder, text_embedder = None, local_label()
        if llm is not None:
            # the recorded snapshot: a re-run measures the kept groups' texts too
            embedder, text_embedder = await provider_embedder(
                llm, embedding_model, recorded.problem, run.event_id, beat, scrub
            )
        given, reasons = None, list[str | None]()
        if run.strategy is RunStrategy.LLM and keep is None:
            proposed, reasons = await propose(llm, snapshot.problem, run.event_id, beat, scrub)
            given = Given(proposed)
        data = await solve_in_subprocess(
            snapshot.problem, beat, keep=keep, embedder=embedder, given=given
        )
    except Cancelled:
        await _finish(sessions, run_id, worker_id, status=RunStatus.CANCELLED)
        return
    except Exception as exc:
        expected = EngineError | Infeasible | NoSolutionFound | SolverCrashed | ProposalFailed
        if not isinstance(exc, expected):
            logger.exception("pairing run %s failed", run_id)
        await _finish(
            sessions, run_id, worker_id, status=RunStatus.FAILED, error=failure_message(exc)
        )
        return
    # Validating and reshaping a large result is pure Python: in a thread, off the event loop.
    stored, metrics = await asyncio.to_thread(_recorded_result, recorded, data, reasons)
    stored.text_embedder = text_embedder
    async with sessions.begin() as db:
        if keep is not None:
            # The new groups replace the unlocked ones in the same transaction that records
            # the run's success (and only if this attempt still owns the run).
            owned = await db.scalar(select(PairingRun.id).where(_owned(run_id, worker_id)))
            stored.applied_to_pairing = owned is not None and await apply_rerun(db, run, stored)
        await db.execute(
            update(PairingRun)
            .where(_owned(run_id, worker_id))
            .values(
                status=RunStatus.SUCCEEDED,
                progress=1.0,
                result=stored.model_dump(mode="json"),
                metrics=metrics,
                finished_at=utcnow(),
                worker_id=None,
            )
            .execution_options(synchronize_session=False)
        )

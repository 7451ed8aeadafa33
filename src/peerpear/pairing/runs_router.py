"""Routes for pairing runs (thin: authorize, call a service, return). Admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Response, status

from peerpear.auth.deps import CurrentUser
from peerpear.deps import JobsDep, PageDep, SessionDep, SessionmakerDep, get_llm, id_path
from peerpear.events.deps import AdminEvent
from peerpear.jobs.tasks import RUN_PAIRING, run_key
from peerpear.llm.base import LLMClient
from peerpear.openapi import errors
from peerpear.pairing import rerun, runs
from peerpear.pairing.parameters import RunParameters
from peerpear.pairing.run_schemas import CompareOut, RerunIn, RunOut
from peerpear.schemas_common import Page

router = APIRouter(tags=["pairing runs"])

RunIdPath = Annotated[int, id_path("Pairing run id.")]
RUN_URL = "/api/v1/pairing-runs/{run_id}"
_LOCATION = {
    "Location": {
        "description": "The run's own URL, to follow its status and progress.",
        "required": True,
        "schema": {"type": "string"},
    }
}


@router.post(
    "/events/{event_id:int}/pairing-runs",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        202: {"description": "Queued; follow `Location`.", "headers": _LOCATION},
        **errors(
            403,
            409,
            why={
                409: "The event is not open or closed, or has fewer than 2 complete "
                "registrations; or strategy llm without a configured language model, or with "
                "more people than it takes."
            },
        ),
    },
)
async def start_run(
    body: RunParameters,
    access: AdminEvent,
    db: SessionDep,
    jobs: JobsDep,
    response: Response,
    background: BackgroundTasks,
    llm: Annotated[LLMClient, Depends(get_llm)],
) -> RunOut:
    """Start a pairing run on the event's complete registrations (admins): answers 202 at once
    with the queued run and its `Location`. The run works in the background on a snapshot of
    the registrations, rules, avoid requests and the organization's history; follow its status
    and progress at `Location`. With `strategy: llm` the language model proposes the groups
    and the engine repairs them; the run reports what it repaired (`repair`)."""
    run = await runs.start_run(db, access, body, llm)
    response.headers["Location"] = RUN_URL.format(run_id=run.id)
    # After the response, hence after the commit: the worker must find the run.
    background.add_task(jobs.enqueue, RUN_PAIRING, key=run_key(run.id), run_id=run.id)
    return runs.to_out(run)


@router.post(
    "/events/{event_id:int}/pairing/rerun",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        202: {"description": "Queued; follow `Location`.", "headers": _LOCATION},
        404: {"description": "Not found: the event, or a pairing for it."},
        **errors(
            403,
            409,
            why={
                409: "The version sent is not the current one, the event is not closed, or "
                "fewer than 2 people are outside the locked groups."
            },
        ),
    },
)
async def rerun_pairing(
    body: RerunIn,
    access: AdminEvent,
    db: SessionDep,
    jobs: JobsDep,
    response: Response,
    background: BackgroundTasks,
) -> RunOut:
    """Re-optimize everyone outside the locked groups of the working pairing (admins; while
    the event is closed), keeping the locked groups exactly; people not placed yet (complete
    registrations) join in, excluded ones stay out. A pairing run like any other: 202 with its
    `Location`. When it succeeds its groups replace the unlocked ones, provided the pairing is
    still at `version` (an edit made meanwhile wins: the run says `applied_to_pairing` false)."""
    run = await rerun.start_rerun(db, access, body.version, body.parameters)
    response.headers["Location"] = RUN_URL.format(run_id=run.id)
    background.add_task(jobs.enqueue, RUN_PAIRING, key=run_key(run.id), run_id=run.id)
    return runs.to_out(run)


@router.get("/events/{event_id:int}/pairing-runs", responses=errors(403))
async def list_runs(access: AdminEvent, db: SessionDep, page: PageDep) -> Page[RunOut]:
    """The event's runs, newest first (admins; without their groups)."""
    return await runs.list_runs(db, access.event.id, page)


@router.get("/events/{event_id:int}/pairing-runs/compare", responses=errors(403))
async def compare_runs(
    access: AdminEvent,
    db: SessionDep,
    ids: Annotated[
        str,
        Query(
            pattern=r"^[1-9][0-9]{0,9}(,[1-9][0-9]{0,9}){1,4}$",
            description="2 to 5 run ids of this event, comma-separated (`ids=12,15`).",
        ),
    ],
) -> CompareOut:
    """Runs side by side (admins): strategy, parameters, metrics, runtime, for strategy llm how
    much of the model's proposal was repaired, and for every two succeeded runs how many pairs
    of people they group together alike."""
    return await runs.compare_runs(db, access.event.id, [int(i) for i in ids.split(",")])


@router.get("/pairing-runs/{run_id:int}", responses=errors(403))
async def get_run(
    run_id: RunIdPath, user: CurrentUser, db: SessionDep, sessions: SessionmakerDep
) -> RunOut:
    """A run: status and progress while it runs; once it succeeded its metrics, validation and
    groups; once it failed the reason (admins of its event)."""
    run, _ = await runs.run_access(db, sessions, user, run_id)
    return await runs.read_run(db, run)


@router.post(
    "/pairing-runs/{run_id:int}/cancel",
    responses=errors(403, 409, why={409: "The run has already finished."}),
)
async def cancel_run(
    run_id: RunIdPath, user: CurrentUser, db: SessionDep, sessions: SessionmakerDep
) -> RunOut:
    """Cancel a run (admins): a queued one at once, a running one within seconds."""
    run, access = await runs.run_access(db, sessions, user, run_id)
    return runs.to_out(await runs.cancel_run(db, run, access))

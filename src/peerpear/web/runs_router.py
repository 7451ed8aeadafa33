"""An organizer's pairing runs: the list with the start form, a run's page (live progress,
cancel, adopt as the working pairing) and two runs side by side.

Thin routes over the services the API's pairing-run routes call (``pairing.runs``,
``pairing.working.adopt``, ``llm.suggest``); their refusals come back as the page with the
reason next to what it concerns (422 for settings that do not fit, 409 for a state that does
not allow it). Authorization is ``ManagedEventDep`` (the API's ``AdminEvent``); a run of another
event is not found here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request, status
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select

from peerpear.auth.deps import OptionalUser
from peerpear.deps import JobsDep, SessionDep, SessionmakerDep, SettingsDep, get_llm
from peerpear.errors import AppError, InvalidState, NotFound, ValidationFailed
from peerpear.jobs.tasks import RUN_PAIRING, run_key
from peerpear.llm import suggest as suggestions
from peerpear.llm.base import LLMClient
from peerpear.llm.suggest_schemas import MAX_WISH, SuggestIn, SuggestOut
from peerpear.models import PairingRun, Question, RunStatus
from peerpear.models.enums import FINISHED_RUN_STATUSES
from peerpear.pairing import runs, working
from peerpear.pairing.parameters import default_mode
from peerpear.pairing.run_schemas import RunOut
from peerpear.pairing.working_schemas import AdoptIn
from peerpear.schemas_common import Pagination
from peerpear.web import run_form
from peerpear.web.deps import PostedForm, redirect
from peerpear.web.events_access import MAX_ID
from peerpear.web.manage_deps import (
    MANAGE_EVENT,
    ManagedEvent,
    ManagedEventDep,
    manage_page,
    part_of_event,
)
from peerpear.web.text import WAIT_STATUSES, sentence

router = APIRouter(include_in_schema=False)

RUNS = MANAGE_EVENT + "/runs"
RUN = RUNS + "/{run_id:int}"
LISTED = 50  # the newest runs on the list page (the API pages through all of them)
LLMDep = Annotated[LLMClient, Depends(get_llm)]
PICK_TWO = "Choose two runs of this event to compare."


def runtime_s(run: RunOut) -> float | None:
    if run.started_at is None or run.finished_at is None:
        return None
    return (run.finished_at - run.started_at).total_seconds()


async def _questions(managed: ManagedEvent) -> list[Question]:
    found = await managed.db.scalars(
        select(Question)
        .where(Question.event_id == managed.access.event.id)
        .order_by(Question.position, Question.id)
    )
    return list(found)


async def _runs_page(
    request: Request,
    managed: ManagedEvent,
    start: run_form.StartForm,
    *,
    suggestion: SuggestOut | None = None,
    wish: str = "",
    wish_error: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    event = managed.access.event
    listed = await runs.list_runs(managed.db, event.id, Pagination(limit=LISTED, offset=0))
    questions = await _questions(managed)
    return manage_page(
        request,
        managed,
        "runs.html",
        tab="runs",
        title=f"Runs: {event.title}",
        status_code=status_code,
        runs=listed.items,
        total=listed.total,
        succeeded=[r.id for r in listed.items if r.status is RunStatus.SUCCEEDED],
        start=start,
        questions=questions,
        choice_questions=run_form.choice_questions(questions),
        form=run_form,
        event_mode=default_mode(event),
        runtime_s=runtime_s,
        describe=run_form.describe,
        suggestion=suggestion,
        wish=wish,
        wish_error=wish_error,
    )


@router.get(RUNS)
async def runs_list(request: Request, managed: ManagedEventDep) -> Response:
    return await _runs_page(request, managed, run_form.initial())


@router.post(RUNS)
async def start_run(
    request: Request,
    form: PostedForm,
    managed: ManagedEventDep,
    db: SessionDep,
    jobs: JobsDep,
    llm: LLMDep,
    background: BackgroundTasks,
) -> Response:
    questions = await _questions(managed)
    start = run_form.read(form, questions)
    params = run_form.parameters(start, questions)
    if params is None:
        return await _runs_page(request, managed, start, status_code=422)
    try:
        run = await runs.start_run(db, managed.access, params, llm)
    except ValidationFailed as refused:  # a question or option the event does not have
        start.errors = run_form.errors_of(refused.details) or {
            run_form.GENERAL: sentence(refused.message)
        }
        return await _runs_page(request, managed, start, status_code=422)
    except InvalidState as refused:  # not open or closed, too few people, no language model
        details = refused.details if isinstance(refused.details, dict) else {}
        where = "strategy" if "strategy" in details else run_form.GENERAL
        start.errors = {where: sentence(refused.message)}
        return await _runs_page(request, managed, start, status_code=refused.status_code)
    # After the response, hence after the commit: the worker must find the run (as the API).
    background.add_task(jobs.enqueue, RUN_PAIRING, key=run_key(run.id), run_id=run.id)
    return redirect(f"{managed.url}/runs/{run.id}", flash_key="run-started")


@router.post(RUNS + "/suggest")
async def suggest_settings(
    request: Request,
    form: PostedForm,
    managed: ManagedEventDep,
    user: OptionalUser,
    db: SessionDep,
    sessions: SessionmakerDep,
    settings: SettingsDep,
    llm: LLMDep,
) -> Response:
    wish = str(form.get("wish") or "")[: 2 * MAX_WISH]  # longer is refused all the same
    start = run_form.initial()
    try:
        body = SuggestIn(wish=wish)
    except ValidationError as refused:
        message = sentence(refused.errors()[0]["msg"])
        return await _runs_page(
            request, managed, start, wish=wish, wish_error=message, status_code=422
        )
    try:
        if llm.available:  # offline answers 409 at no cost, as the API
            await suggestions.count_request(sessions, settings, managed.access.user.id)
        suggested = await suggestions.suggest(
            db, managed.access, llm, body, timeout_s=settings.llm_timeout_seconds
        )
    except AppError as refused:  # no model (409), too many (429), the model failed (503)
        code = refused.status_code if refused.status_code in WAIT_STATUSES else 409
        response = await _runs_page(
            request,
            managed,
            start,
            wish=wish,
            wish_error=sentence(refused.message),
            status_code=code,
        )
        response.headers.update(refused.headers or {})
        return response
    start = run_form.from_parameters(suggested.parameters, await _questions(managed))
    return await _runs_page(request, managed, start, wish=wish, suggestion=suggested)


def _compare_ids(request: Request) -> list[int] | None:
    """The run ids asked for: ``ids=3,5`` or the pick form's ``ids=3&ids=5``; None when they
    are not 2 to 5 ids."""
    parts = [p.strip() for v in request.query_params.getlist("ids") for p in v.split(",")]
    if not 2 <= len(parts) <= 5 or not all(p.isdigit() and 1 <= int(p) <= MAX_ID for p in parts):
        return None
    return [int(p) for p in parts]


@router.get(RUNS + "/compare")
async def compare_runs(request: Request, managed: ManagedEventDep) -> Response:
    ids = _compare_ids(request)
    compared, error, code = None, None, status.HTTP_200_OK
    if ids is None:
        error, code = PICK_TWO, 422
    else:
        try:
            compared = await runs.compare_runs(managed.db, managed.access.event.id, ids)
        except NotFound as refused:
            error, code = sentence(refused.message), status.HTTP_404_NOT_FOUND
    return manage_page(
        request,
        managed,
        "runs_compare.html",
        tab="runs",
        title=f"Compare runs: {managed.access.event.title}",
        status_code=code,
        compared=compared,
        error=error,
        describe=run_form.describe,
    )


async def _run_of(request: Request, run_id: int, managed: ManagedEventDep) -> PairingRun:
    """The run of the path if it is one of the event's, else the not-found page."""
    return await part_of_event(request, managed, PairingRun, run_id, "run")


# A run of an event its admins manage (after the form's token, where there is a form).
ManagedRun = Annotated[PairingRun, Depends(_run_of)]


async def _run_page(
    request: Request,
    managed: ManagedEvent,
    run: PairingRun,
    *,
    action_error: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    shown = await runs.read_run(managed.db, run)
    finished = shown.status in FINISHED_RUN_STATUSES
    return manage_page(
        request,
        managed,
        "run.html",
        tab="runs",
        title=f"Run {shown.id}: {managed.access.event.title}",
        status_code=status_code,
        run=shown,
        finished=finished,
        runtime=runtime_s(shown),
        described=run_form.describe(shown.parameters),
        parameters=sorted(shown.parameters.items()),
        action_error=action_error,
        api_url=runs_api_url(shown.id),
    )


def runs_api_url(run_id: int) -> str:
    """What run_progress.js polls: the API's run, read with the session cookie."""
    return f"/api/v1/pairing-runs/{run_id}"


@router.get(RUN)
async def run_detail(request: Request, managed: ManagedEventDep, run: ManagedRun) -> Response:
    return await _run_page(request, managed, run)


@router.post(RUN + "/cancel")
async def cancel_run(
    request: Request,
    _csrf: PostedForm,
    managed: ManagedEventDep,
    run: ManagedRun,
    db: SessionDep,
) -> Response:
    try:
        await runs.cancel_run(db, run, managed.access)
    except InvalidState as refused:  # it finished meanwhile
        return await _run_page(
            request,
            managed,
            run,
            action_error=sentence(refused.message),
            status_code=refused.status_code,
        )
    return redirect(f"{managed.url}/runs/{run.id}", flash_key="run-cancel-requested")


@router.post(RUN + "/adopt")
async def adopt_run(
    request: Request,
    _csrf: PostedForm,
    managed: ManagedEventDep,
    run: ManagedRun,
    db: SessionDep,
) -> Response:
    try:
        await working.adopt(db, managed.access, AdoptIn(run_id=run.id))
    except (InvalidState, ValidationFailed) as refused:  # the event is not closed, not succeeded
        return await _run_page(
            request,
            managed,
            run,
            action_error=sentence(refused.message),
            status_code=refused.status_code,
        )
    return redirect(f"{managed.url}/pairing", flash_key="run-adopted")

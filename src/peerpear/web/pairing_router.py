"""The organizer's working pairing: the groups with their problems and metrics, edits (move,
swap, lock, unlock, leave out, include), re-running the unlocked rest, publishing and the
exports.

Thin routes over the services the API calls (``pairing.working``, ``pairing.rerun``,
``events.lifecycle``, ``pairing.export_service``). Every edit carries the version the page
showed; a stale one answers 409 with the current pairing. A refused write is rolled back
before the page is shown (an edit claims the next version before it checks the rest), so a
refusal changes nothing. ``fragment=1`` (sent by static/pairing.js) answers only the pairing
section, which the script puts in place of the old one.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from peerpear.deps import JobsDep, SessionDep
from peerpear.errors import AppError, Conflict, NotFound, ValidationFailed
from peerpear.events import lifecycle
from peerpear.jobs.tasks import RUN_PAIRING, run_key
from peerpear.llm.explanations import request_explanations
from peerpear.mail.delivery import enqueue_mail
from peerpear.mail.introductions import MAX_MESSAGE, queue_introductions
from peerpear.mail.notice_schemas import PublishOptions
from peerpear.pairing import export_service, rerun, working
from peerpear.pairing.export_service import ExportFormat
from peerpear.pairing.working_schemas import ExcludeEdit, PairingOut
from peerpear.web import flash
from peerpear.web.deps import PostedForm, page, redirect, settings_of
from peerpear.web.manage_deps import (
    MANAGE_EVENT,
    ManagedEvent,
    ManagedEventDep,
    manage_page,
    managed_event,
)
from peerpear.web.pairing_view import Refusal, edit_done, edit_target, parse_edit, view_of
from peerpear.web.text import sentence

router = APIRouter(include_in_schema=False)

PAIRING = MANAGE_EVENT + "/pairing"
STALE = "Someone changed the pairing meanwhile; here is the current pairing. Make your edit again."
NOT_UNDERSTOOD = "This edit was not understood: choose who to move and where, then try again."
MESSAGE_TOO_LONG = (
    f"The introduction's message is too long: keep it to {MAX_MESSAGE} characters. Nothing "
    "was published."
)
EXPORT_FORMATS: dict[str, ExportFormat] = {"csv": "csv", "txt": "txt", "pdf": "pdf"}


async def _pairing_page(
    request: Request,
    managed: ManagedEvent,
    *,
    pairing: PairingOut | None = None,
    refusal: Refusal | None = None,
    notice: str | None = None,
    fragment: bool = False,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """The pairing page (or only its pairing section), as it is now unless ``pairing`` is the
    answer of the write just made."""
    event = managed.access.event
    if pairing is None:
        try:
            pairing = await working.read(managed.db, event)
        except NotFound:
            pairing = None
    view = None if pairing is None else view_of(event, pairing, refusal=refusal, notice=notice)
    context = {"view": view, "refusal": refusal}
    if fragment and view is not None:
        return page(
            request,
            "_pairing_section.html",
            title="Pairing",
            user=managed.access.user,
            status_code=status_code,
            manage_url=managed.url,
            **context,
        )
    return manage_page(
        request,
        managed,
        "pairing.html",
        tab="pairing",
        title=f"Pairing · {event.title}",
        status_code=status_code,
        **context,
    )


async def _undo(request: Request, managed: ManagedEvent) -> ManagedEvent:
    """Roll the refused write back, and load the event afresh for the page that says why (the
    403 page instead if the person no longer administers it meanwhile)."""
    user, event_id = managed.access.user, managed.access.event.id
    await managed.db.rollback()  # everything loaded is expired now: read anew below
    await managed.db.refresh(user)
    return await managed_event(request, event_id, user, managed.db, managed.sessions)


def _refusal(refused: AppError, target: Refusal | None = None) -> tuple[Refusal, int]:
    """The sentence to show for a service's refusal, and the page's status."""
    where = target or Refusal("")
    if isinstance(refused, Conflict):
        return Refusal(STALE), status.HTTP_409_CONFLICT
    message = refused.message
    if isinstance(refused, ValidationFailed) and isinstance(refused.details, list):
        first = refused.details[0] if refused.details else {}
        message = str(first.get("msg", message)) if isinstance(first, dict) else message
    details = refused.details if isinstance(refused.details, dict) else {}
    reasons = tuple(sentence(str(r)) for r in details.get("reasons", []))
    if len(reasons) > 1:  # a lifecycle action refused for several reasons: all of them, listed
        message = f"cannot {details.get('action', 'do')} this event, because:"
    # 404 (no pairing any more), 409 (a state that refuses it), 422 (names nothing there)
    code = refused.status_code if refused.status_code in (404, 409, 422) else 409
    refusal = Refusal(
        sentence(message) if len(reasons) <= 1 else message[:1].upper() + message[1:],
        group_id=where.group_id,
        registration_id=where.registration_id,
        reasons=reasons if len(reasons) > 1 else (),
    )
    return refusal, code


async def _refused_page(
    request: Request,
    managed: ManagedEvent,
    refused: AppError,
    *,
    target: Refusal | None = None,
    fragment: bool = False,
) -> Response:
    reloaded = await _undo(request, managed)
    refusal, code = _refusal(refused, target)
    return await _pairing_page(
        request, reloaded, refusal=refusal, fragment=fragment, status_code=code
    )


@router.get(PAIRING)
async def pairing_page(request: Request, managed: ManagedEventDep) -> Response:
    fragment = request.query_params.get("fragment") == "1"
    return await _pairing_page(request, managed, fragment=fragment)


@router.post(PAIRING + "/edits")
async def edit_pairing(
    request: Request, form: PostedForm, managed: ManagedEventDep, db: SessionDep
) -> Response:
    fragment = form.get("fragment") == "1"
    try:
        edit = parse_edit(form.get)
    except ValidationError:
        return await _pairing_page(
            request,
            managed,
            refusal=Refusal(NOT_UNDERSTOOD),
            fragment=fragment,
            status_code=422,
        )
    try:
        pairing = await working.edit(db, managed.access, edit)
    except AppError as refused:
        return await _refused_page(
            request, managed, refused, target=edit_target(edit), fragment=fragment
        )
    if fragment:
        notice = flash.message_of(edit_done(edit))
        return await _pairing_page(request, managed, pairing=pairing, notice=notice, fragment=True)
    return redirect(managed.url + "/pairing", flash_key=edit_done(edit))


def _version_of(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and 1 <= int(text) < 2**31 else None


@router.post(PAIRING + "/rerun")
async def rerun_pairing(
    request: Request,
    form: PostedForm,
    managed: ManagedEventDep,
    db: SessionDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> Response:
    version = _version_of(form.get("version"))
    if version is None:
        refusal = Refusal(NOT_UNDERSTOOD)
        return await _pairing_page(request, managed, refusal=refusal, status_code=422)
    try:
        run = await rerun.start_rerun(db, managed.access, version, None)
    except AppError as refused:
        return await _refused_page(request, managed, refused)
    # After the response, hence after the commit: the worker must find the run (as the API).
    background.add_task(jobs.enqueue, RUN_PAIRING, key=run_key(run.id), run_id=run.id)
    return redirect(f"{managed.url}/runs/{run.id}", flash_key="pairing-rerun")


@router.post(PAIRING + "/publish")
async def publish_pairing(
    request: Request,
    form: PostedForm,
    managed: ManagedEventDep,
    db: SessionDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> Response:
    """Leave out the people ticked (exclude edits, from the version shown), then publish: all
    of it or, when publishing is refused, none of it."""
    left_out = form.getlist("exclude")
    try:
        version = _version_of(form.get("version"))
        for registration_id in left_out:
            edit = ExcludeEdit.model_validate(
                {"op": "exclude", "version": version, "registration_id": registration_id}
            )
            version = (await working.edit(db, managed.access, edit)).version
    except ValidationError:
        return await _refused_page(request, managed, ValidationFailed(NOT_UNDERSTOOD))
    except AppError as refused:
        return await _refused_page(request, managed, refused)
    try:
        options = PublishOptions.model_validate(
            {"introduce": form.get("introduce") == "yes", "message": form.get("message") or ""}
        )
    except ValidationError:
        return await _refused_page(request, managed, ValidationFailed(MESSAGE_TOO_LONG))
    try:
        event = await lifecycle.apply(db, managed.access, "publish")
    except AppError as refused:
        return await _refused_page(request, managed, refused)
    # The explanations are final now: rephrased in the background after the commit (as the API).
    background.add_task(request_explanations, jobs, event.id)
    if options.introduce:
        introduced = await queue_introductions(db, settings_of(request), event, options.message)
        background.add_task(enqueue_mail, jobs, introduced)
    return redirect(managed.url + "/pairing", flash_key="pairing-published")


@router.post(PAIRING + "/unpublish")
async def unpublish_pairing(
    request: Request, _csrf: PostedForm, managed: ManagedEventDep, db: SessionDep
) -> Response:
    try:
        await lifecycle.apply(db, managed.access, "unpublish")
    except AppError as refused:
        return await _refused_page(request, managed, refused)
    return redirect(managed.url + "/pairing", flash_key="pairing-unpublished")


@router.get(PAIRING + "/export")
async def export_pairing(request: Request, managed: ManagedEventDep, db: SessionDep) -> Response:
    """The pairing as a file (CSV, plain text or PDF), as the API's export gives it."""
    fmt = request.query_params.get("format", "csv")
    explanations = request.query_params.get("explanations") == "1"
    if fmt not in EXPORT_FORMATS:
        refusal = Refusal("Choose an export format: CSV, TXT or PDF.")
        return await _pairing_page(request, managed, refusal=refusal, status_code=422)
    try:
        exported = await export_service.export_pairing(
            db,
            managed.access.event,
            EXPORT_FORMATS[fmt],
            explanations=explanations,
        )
    except NotFound:
        return await _pairing_page(request, managed, status_code=status.HTTP_404_NOT_FOUND)
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{exported.filename}"',
            "Cache-Control": "no-store",
        },
    )

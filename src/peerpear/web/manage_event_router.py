"""An organizer's event pages: creating an event, its overview (facts, edit form, image,
registrations, lifecycle buttons) and the actions on it.

Thin routes over the services the API calls (``events.service``, ``events.lifecycle``,
``events.image_service``), authorized as the API's ``OrgAdmin`` / ``AdminEvent`` through
``web/manage.py``. Every POST checks its CSRF token first. A refusal comes back as the page
with the reason next to what it concerns: 422 for input, 409 for the event's state.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, status
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import func, select
from starlette.datastructures import UploadFile

from peerpear.auth.deps import OptionalUser
from peerpear.deps import JobsDep, SessionDep
from peerpear.errors import AppError, InvalidState, NotFound
from peerpear.events import image_service, lifecycle
from peerpear.events import service as events
from peerpear.events.deps import MediaDep
from peerpear.events.images import clean_upload
from peerpear.events.schemas import EventCreate, EventUpdate
from peerpear.llm.explanations import request_explanations
from peerpear.models import Question, Registration
from peerpear.web import event_form
from peerpear.web.deps import PostedForm, page, redirect, settings_of
from peerpear.web.manage_deps import (
    MANAGE_EVENT,
    AdminOrgPage,
    ManagedEvent,
    ManagedEventDep,
    manage_page,
)
from peerpear.web.questions_router import router as questions_router
from peerpear.web.text import sentence

router = APIRouter(include_in_schema=False)

NEW_EVENT = "/organizations/{org_id:int}/events/new"
# The buttons of the overview, in the order of the lifecycle; "delete" is for drafts.
BUTTONS = (*lifecycle.ACTIONS, "delete")
BUTTON_LABELS = {
    "open": "Open registration",
    "close": "Close registration",
    "reopen": "Reopen registration",
    "publish": "Publish the pairing",
    "unpublish": "Unpublish the pairing",
    "archive": "Archive",
    "delete": "Delete this draft",
}
FLASH_OF = {action: f"event-{action}" for action in lifecycle.ACTIONS}


def _form_context(
    values: dict[str, str], errors: dict[str, str], locked: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "visibilities": event_form.VISIBILITIES,
        "role_schemes": event_form.ROLE_SCHEMES,
        "locked": locked or {},
    }


@router.get(NEW_EVENT)
async def new_event_form(request: Request, access: AdminOrgPage, user: OptionalUser) -> Response:
    return page(
        request,
        "event_new.html",
        title="New event",
        user=access.user,
        current="organizations",
        organization=access.organization,
        **_form_context(dict(event_form.BLANK), {}),
    )


@router.post(NEW_EVENT)
async def create_event(
    request: Request, form: PostedForm, access: AdminOrgPage, user: OptionalUser, db: SessionDep
) -> Response:
    typed, body = event_form.read(form)
    try:
        created = await events.create_event(db, access, EventCreate.model_validate(body))
    except ValidationError as invalid:
        return page(
            request,
            "event_new.html",
            title="New event",
            user=access.user,
            status_code=422,
            current="organizations",
            organization=access.organization,
            **_form_context({**event_form.BLANK, **typed}, event_form.errors_of(invalid)),
        )
    return redirect(f"/manage/events/{created.id}", flash_key="event-created")


async def _buttons(managed: ManagedEvent) -> list[dict[str, Any]]:
    """Each lifecycle button with why it is unavailable now (None: available), by the rules
    the services apply."""
    event = managed.access.event
    buttons = []
    for action in BUTTONS:
        if action == "delete":
            refusal = events.delete_refusal(event)
            reasons = [] if refusal is None else [refusal]
        else:
            reasons = await lifecycle.reasons_against(managed.db, event, action)
        buttons.append(
            {
                "action": action,
                "label": BUTTON_LABELS[action],
                "reason": sentence("; ".join(reasons)) if reasons else None,
            }
        )
    return buttons


async def _counts(managed: ManagedEvent) -> dict[str, int]:
    db, event_id = managed.db, managed.access.event.id
    rows = await db.execute(
        select(Registration.is_complete, func.count())
        .where(Registration.event_id == event_id)
        .group_by(Registration.is_complete)
    )
    by_state = {bool(complete): count for complete, count in rows.all()}
    questions = await db.scalar(
        select(func.count()).select_from(Question).where(Question.event_id == event_id)
    )
    return {
        "complete": by_state.get(True, 0),
        "incomplete": by_state.get(False, 0),
        "questions": questions or 0,
    }


async def _overview(
    request: Request,
    managed: ManagedEvent,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    image_error: str | None = None,
    lifecycle_error: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    event = managed.access.event
    return manage_page(
        request,
        managed,
        "manage_event.html",
        tab="overview",
        title=event.title,
        status_code=status_code,
        facts=events.to_out(event),
        counts=await _counts(managed),
        buttons=await _buttons(managed),
        image_error=image_error,
        lifecycle_error=lifecycle_error,
        **_form_context(
            values or event_form.values_of(event), errors or {}, events.locked_fields(event.status)
        ),
    )


@router.get(MANAGE_EVENT)
async def overview(request: Request, managed: ManagedEventDep) -> Response:
    return await _overview(request, managed)


@router.post(MANAGE_EVENT)
async def update_event(
    request: Request, form: PostedForm, managed: ManagedEventDep, db: SessionDep
) -> Response:
    typed, body = event_form.read(form)
    shown = {**event_form.values_of(managed.access.event), **typed}
    try:
        await events.update_event(db, managed.access, EventUpdate.model_validate(body))
    except ValidationError as invalid:
        errors = event_form.errors_of(invalid)
        return await _overview(request, managed, values=shown, errors=errors, status_code=422)
    except InvalidState as refused:
        field = refused.details.get("field") if isinstance(refused.details, dict) else None
        errors = {str(field or "form"): sentence(refused.message)}
        return await _overview(request, managed, values=shown, errors=errors, status_code=409)
    return redirect(managed.url, flash_key="event-saved")


@router.post(MANAGE_EVENT + "/image")
async def upload_image(
    request: Request,
    form: PostedForm,
    managed: ManagedEventDep,
    db: SessionDep,
    media: MediaDep,
    background: BackgroundTasks,
) -> Response:
    upload = form.get("image")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _overview(
            request, managed, image_error="Choose an image file to upload.", status_code=422
        )
    settings = settings_of(request)
    try:
        image = await clean_upload(upload.file, settings.max_image_bytes, settings.max_image_pixels)
        _, old_key = await image_service.set_image(db, managed.access, image, media)
    except InvalidState as refused:
        return await _overview(
            request, managed, image_error=sentence(refused.message), status_code=409
        )
    except AppError as refused:  # too large (413), not an image (415), damaged or huge (422)
        return await _overview(
            request, managed, image_error=sentence(refused.message), status_code=422
        )
    if old_key is not None:
        background.add_task(media.delete, old_key)
    return redirect(managed.url, flash_key="event-image-set")


@router.post(MANAGE_EVENT + "/image/remove")
async def remove_image(
    request: Request,
    _csrf: PostedForm,
    managed: ManagedEventDep,
    db: SessionDep,
    media: MediaDep,
    background: BackgroundTasks,
) -> Response:
    try:
        key = await image_service.remove_image(db, managed.access)
    except NotFound:  # already removed (another tab): nothing to do
        return redirect(managed.url)
    except InvalidState as refused:
        return await _overview(
            request, managed, image_error=sentence(refused.message), status_code=409
        )
    background.add_task(media.delete, key)
    return redirect(managed.url, flash_key="event-image-removed")


@router.post(MANAGE_EVENT + "/lifecycle/{action}")
async def lifecycle_action(
    request: Request,
    _csrf: PostedForm,
    managed: ManagedEventDep,
    action: str,
    user: OptionalUser,
    db: SessionDep,
    jobs: JobsDep,
    media: MediaDep,
    background: BackgroundTasks,
) -> Response:
    if action not in BUTTONS:
        return page(
            request,
            "error.html",
            title="No such action",
            user=managed.access.user,
            status_code=status.HTTP_404_NOT_FOUND,
            message="An event can be opened, closed, reopened, published, unpublished, archived "
            "or (a draft) deleted.",
            back_url=managed.url,
            back_label="Back to the event",
        )
    organization_url = f"/organizations/{managed.organization.id}"
    try:
        if action == "delete":
            image_key = await events.delete_event(db, managed.access)
        else:
            await lifecycle.apply(db, managed.access, action)
    except InvalidState as refused:
        return await _overview(
            request, managed, lifecycle_error=sentence(refused.message), status_code=409
        )
    if action == "delete":
        if image_key is not None:
            background.add_task(media.delete, image_key)
        return redirect(organization_url, flash_key="event-deleted")
    if action == "publish":  # as the API does: friendly explanations after the commit
        background.add_task(request_explanations, jobs, managed.access.event.id)
    return redirect(managed.url, flash_key=FLASH_OF[action])


# The questionnaire builder, a tab of the same event pages.
router.include_router(questions_router)

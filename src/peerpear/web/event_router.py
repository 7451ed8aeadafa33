"""A student's event pages: the event, registering, the questionnaire and withdrawing.

Each route authorizes as the API's ``VisibleEvent`` does (``events.access.event_access``: 404 for
an event the person cannot see) and calls the registrations service the API calls; its
refusals (not open, a role the event does not offer, answers that do not fit) come back as the
page with the reason next to what it is about.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from peerpear.auth.deps import OptionalUser
from peerpear.deps import JobsDep, SessionDep, SessionmakerDep
from peerpear.errors import AppError, Forbidden, InvalidState, NotFound, ValidationFailed
from peerpear.events.service import to_out
from peerpear.llm.summaries import request_summary
from peerpear.models import EventStatus, User
from peerpear.registrations import service as registrations
from peerpear.registrations.schemas import RegistrationIn
from peerpear.registrations.service import ROLES_BY_SCHEME, event_questions, find_mine
from peerpear.web import questionnaire_form as qform
from peerpear.web.deps import (
    PageInstead,
    PostedForm,
    SignedIn,
    page,
    redirect,
    settings_of,
)
from peerpear.web.events_access import EventPage, load_event
from peerpear.web.text import field_errors, is_unverified, sentence, unverified_sentence

router = APIRouter(include_in_schema=False)

EVENT = "/events/{event_id:int}"
CHOOSE_ROLE = "Choose one of the roles."


def _not_found(request: Request, user: User) -> Response:
    return page(
        request,
        "error.html",
        title="Event not found",
        user=user,
        status_code=status.HTTP_404_NOT_FOUND,
        message="There is no such event, or it is not open to you. Events of an organization "
        "are for its members: join it with an invite link first.",
        back_url="/events",
        back_label="Back to your events",
    )


def _not_open(request: Request, loaded: EventPage, refused: AppError) -> Response:
    return page(
        request,
        "error.html",
        title="Registration is not open",
        user=loaded.access.user,
        status_code=status.HTTP_409_CONFLICT,
        message=sentence(refused.message),
        back_url=f"/events/{loaded.access.event.id}",
        back_label="Back to the event",
    )


async def visible_event(
    request: Request, event_id: int, user: SignedIn, db: SessionDep, sessions: SessionmakerDep
) -> EventPage:
    """The event of the path as the signed-in person may see it (the API's ``VisibleEvent``),
    else the 404 page."""
    loaded = await load_event(db, sessions, user, event_id)
    if loaded is None:
        raise PageInstead(_not_found(request, user))
    return loaded


VisibleEventPage = Annotated[EventPage, Depends(visible_event)]


async def registered_event(loaded: VisibleEventPage) -> EventPage:
    """The event when the person is registered for it; else its page, to register first."""
    if await find_mine(loaded.db, loaded.access) is None:
        raise PageInstead(redirect(f"/events/{loaded.access.event.id}"))
    return loaded


RegisteredEventPage = Annotated[EventPage, Depends(registered_event)]


async def _event_page(
    request: Request,
    loaded: EventPage,
    *,
    role_error: str | None = None,
    unverified: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    access, db = loaded.access, loaded.db
    registration = await find_mine(db, access)
    progress = None
    if registration is not None:
        progress = await registrations.read_mine(db, access)
    event = access.event
    return page(
        request,
        "event.html",
        title=event.title,
        user=access.user,
        status_code=status_code,
        current="events",
        event=to_out(event),
        organization=loaded.organization,
        is_open=event.status is EventStatus.OPEN,
        registration=progress,
        roles=sorted(ROLES_BY_SCHEME[event.role_scheme]),
        role_error=role_error,
        unverified=unverified,
        question_count=len(await event_questions(db, event.id)),
    )


@router.get(EVENT)
async def event_detail(request: Request, loaded: VisibleEventPage) -> Response:
    return await _event_page(request, loaded)


@router.post(EVENT + "/register")
async def register(
    request: Request,
    form: PostedForm,
    loaded: VisibleEventPage,
    event_id: int,
    user: OptionalUser,
    db: SessionDep,
) -> Response:
    role = str(form.get("role") or "") or None
    try:
        body = RegistrationIn.model_validate({"role": role})
        await registrations.register(db, loaded.access, body, settings_of(request))
    except ValidationError:  # not a role at all
        return await _event_page(request, loaded, role_error=CHOOSE_ROLE, status_code=422)
    except InvalidState as refused:
        return _not_open(request, loaded, refused)
    except Forbidden as refused:
        if not is_unverified(refused):
            raise
        unverified = unverified_sentence(loaded.access.user.email, "with the button below")
        return await _event_page(request, loaded, unverified=unverified, status_code=403)
    except ValidationFailed as refused:
        message = field_errors(refused.details, ["role"]).get("role", sentence(refused.message))
        return await _event_page(request, loaded, role_error=message, status_code=422)
    target = f"/events/{event_id}/answers" if loaded.has_questions else f"/events/{event_id}"
    return redirect(target, flash_key="registered")


async def _answers_page(
    request: Request,
    loaded: EventPage,
    *,
    values: dict[int, Any] | None = None,
    errors: dict[int, str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    access, db = loaded.access, loaded.db
    saved = await registrations.read_answers(db, access)
    questions = qform.ordered(await event_questions(db, access.event.id))
    return page(
        request,
        "answers.html",
        title=f"Questionnaire: {access.event.title}",
        user=access.user,
        status_code=status_code,
        current="events",
        event=access.event,
        questions=questions,
        values=values if values is not None else qform.stored_as_typed(questions, saved.answers),
        errors=errors or {},
        saved=saved,
        is_open=access.event.status is EventStatus.OPEN,
        field_name=qform.field_name,
    )


@router.get(EVENT + "/answers")
async def answers_form(request: Request, loaded: RegisteredEventPage) -> Response:
    return await _answers_page(request, loaded)


@router.post(EVENT + "/answers")
async def save_answers(
    request: Request,
    form: PostedForm,
    loaded: VisibleEventPage,
    event_id: int,
    db: SessionDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> Response:
    questions = qform.ordered(await event_questions(db, event_id))
    typed = qform.typed_values(questions, form)
    body = qform.answers_body(questions, typed)
    if not isinstance(body, dict):
        try:
            saved = await registrations.save_answers(db, loaded.access, body)
        except NotFound:  # not registered (any more)
            return redirect(f"/events/{event_id}")
        except InvalidState as refused:
            return _not_open(request, loaded, refused)
        except ValidationFailed as refused:
            body = qform.service_errors(refused.details)
        else:
            if saved.is_complete:  # as the API does: the organizers' summary, after the commit
                background.add_task(request_summary, jobs, saved.registration_id)
            return redirect(f"/events/{event_id}/answers", flash_key="saved")
    return await _answers_page(request, loaded, values=typed, errors=body, status_code=422)


@router.get(EVENT + "/withdraw")
async def withdraw_confirm(request: Request, loaded: RegisteredEventPage) -> Response:
    return page(
        request,
        "withdraw.html",
        title=f"Withdraw from {loaded.access.event.title}",
        user=loaded.access.user,
        current="events",
        event=loaded.access.event,
    )


@router.post(EVENT + "/withdraw")
async def withdraw(
    request: Request, form: PostedForm, loaded: VisibleEventPage, event_id: int, db: SessionDep
) -> Response:
    try:
        await registrations.withdraw(db, loaded.access)
    except NotFound:  # already withdrawn (a second tab): nothing to do
        return redirect(f"/events/{event_id}")
    except InvalidState as refused:
        return _not_open(request, loaded, refused)
    return redirect(f"/events/{event_id}", flash_key="withdrawn")

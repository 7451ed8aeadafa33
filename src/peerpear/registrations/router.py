"""Routes for the caller's own registration (thin: authorize, call a service, return).

Anyone who can see an event may register for it while it is open; everything here is about the
caller only (identity comes from the session, never from an id in the request).
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Response, status

from peerpear.deps import JobsDep, SessionDep, SettingsDep
from peerpear.events.deps import VisibleEvent
from peerpear.llm.summaries import request_summary
from peerpear.openapi import errors
from peerpear.registrations import avoid, service
from peerpear.registrations.schemas import (
    AnswersIn,
    AnswersOut,
    AvoidIn,
    AvoidOut,
    RegistrationIn,
    RegistrationOut,
)

router = APIRouter(tags=["registration"])

REGISTRATION = "/events/{event_id:int}/registration"
NOT_OPEN = {409: "Registration is not open: the event is not open (the message says its status)."}
UNVERIFIED = "The server requires a confirmed email address and the caller's is not."
NOT_REGISTERED = "Not found: the event, or the caller's registration for it."


@router.post(
    REGISTRATION,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": RegistrationOut, "description": "Already registered (role updated)."},
        **errors(403, 409, why={**NOT_OPEN, 403: UNVERIFIED}),
    },
)
async def register(
    body: RegistrationIn,
    access: VisibleEvent,
    db: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> RegistrationOut:
    """Register for an open event (201), choosing a role when the event has a role scheme.
    Registering again answers 200 with the registration, its role changed if one is given.
    403 when the server requires a confirmed email address
    (`PEERPEAR_REQUIRE_VERIFIED_EMAIL`) and the caller's is not (`details.reason`:
    `unverified`)."""
    registration, created = await service.register(db, access, body, settings)
    if not created:
        response.status_code = status.HTTP_200_OK
    return registration


@router.get(REGISTRATION, responses={404: {"description": NOT_REGISTERED}})
async def get_my_registration(access: VisibleEvent, db: SessionDep) -> RegistrationOut:
    """The caller's registration for the event: role and completeness (404 if not registered)."""
    return await service.read_mine(db, access)


@router.delete(REGISTRATION, status_code=204, responses=errors(409, why=NOT_OPEN))
async def withdraw(access: VisibleEvent, db: SessionDep) -> Response:
    """Withdraw while the event is open: the registration, its answers and the caller's avoid
    list are deleted."""
    await service.withdraw(db, access)
    return Response(status_code=204)


@router.get(REGISTRATION + "/answers", responses={404: {"description": NOT_REGISTERED}})
async def get_my_answers(access: VisibleEvent, db: SessionDep) -> AnswersOut:
    """The caller's answers, completeness and the required questions still unanswered."""
    return await service.read_answers(db, access)


@router.put(REGISTRATION + "/answers", responses=errors(409, why=NOT_OPEN))
async def put_my_answers(
    body: AnswersIn,
    access: VisibleEvent,
    db: SessionDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> AnswersOut:
    """Save answers while the event is open. Questions left out keep their answer; null
    clears one. Every value is checked against its question; if any fails, nothing is saved
    and the 422 lists each failing question (`details[].question_id`). Once the answers are
    complete, a summary for the organizers is made in the background."""
    saved = await service.save_answers(db, access, body)
    if saved.is_complete:
        # After the response, hence after the commit: the job must read these answers.
        background.add_task(request_summary, jobs, saved.registration_id)
    return saved


@router.get(REGISTRATION + "/avoid", responses={404: {"description": NOT_REGISTERED}})
async def get_my_avoid_list(access: VisibleEvent, db: SessionDep) -> AvoidOut:
    """The people the caller would rather not be grouped with (private to the caller)."""
    return await avoid.read_avoid(db, access)


@router.put(REGISTRATION + "/avoid", responses=errors(409, why=NOT_OPEN))
async def put_my_avoid_list(body: AvoidIn, access: VisibleEvent, db: SessionDep) -> AvoidOut:
    """Replace the caller's private list of people (by email, registered for the same event)
    they would rather not be grouped with. Admins see only how many such requests exist."""
    return await avoid.replace_avoid(db, access, body)

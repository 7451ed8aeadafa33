"""The organizer's registrations tab: the admin list (filtered, searched, paginated), one
registration's answers, setting a role and asking for the summaries again.

The routes call the registrations service the API's admin routes call (``admin.py``,
``llm.summaries``); a refused role (not of the event's scheme, or the event published) comes
back as the list with the reason in that person's row. The CSV import and export are in
``registration_files_router``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, BackgroundTasks, Depends, Request, status
from fastapi.responses import Response

from peerpear.deps import JobsDep, SessionDep
from peerpear.errors import InvalidState, ValidationFailed
from peerpear.llm import summaries
from peerpear.mail.delivery import enqueue_mail
from peerpear.mail.reminders import queue_reminders
from peerpear.models import EventStatus, Question, Registration, RegistrationRole, User
from peerpear.registrations import admin
from peerpear.registrations.service import ROLES_BY_SCHEME, event_questions
from peerpear.schemas_common import Pagination
from peerpear.web.deps import PostedForm, redirect, settings_of
from peerpear.web.flash import counted
from peerpear.web.manage_deps import (
    MANAGE_EVENT,
    ManagedEvent,
    ManagedEventDep,
    manage_page,
    part_of_event,
)
from peerpear.web.text import field_errors, sentence

router = APIRouter(include_in_schema=False)

REGISTRATIONS = MANAGE_EVENT + "/registrations"
ONE_REGISTRATION = REGISTRATIONS + "/{registration_id:int}"
PAGE_SIZE = 50
MAX_SEARCH = 200  # as the API's ``q``
MAX_OFFSET = 1_000_000
_COMPLETE = {"complete": True, "incomplete": False}


@dataclass(frozen=True)
class ListView:
    """Which part of the list is shown: the filters and the page, as the query string says."""

    complete: bool | None = None
    role: RegistrationRole | None = None
    q: str = ""
    offset: int = 0

    @classmethod
    def read(cls, params: Mapping[str, Any]) -> ListView:
        """From a query string or the hidden fields of a form; what is not understood is left
        out (a list is never refused for its filters)."""
        role = str(params.get("role") or "")
        offset = str(params.get("offset") or "0")
        return cls(
            complete=_COMPLETE.get(str(params.get("complete") or "")),
            role=RegistrationRole(role) if role in set(RegistrationRole) else None,
            q=str(params.get("q") or "").strip()[:MAX_SEARCH],
            offset=min(int(offset), MAX_OFFSET) if offset.isdigit() else 0,
        )

    @property
    def complete_key(self) -> str:
        return {True: "complete", False: "incomplete", None: ""}[self.complete]

    @property
    def is_filtered(self) -> bool:
        return self.complete is not None or self.role is not None or bool(self.q)

    def fields(self) -> dict[str, str]:
        """The view as (non-empty) query parameters."""
        found = {
            "complete": self.complete_key,
            "role": self.role.value if self.role else "",
            "q": self.q,
            "offset": str(self.offset) if self.offset else "",
        }
        return {key: value for key, value in found.items() if value}

    @property
    def query(self) -> str:
        return urlencode(self.fields())

    def url(self, base: str, **changes: Any) -> str:
        query = replace(self, **changes).query
        return base + ("?" + query if query else "")


def ordered(questions: list[Question]) -> list[Question]:
    return sorted(questions, key=lambda question: (question.position, question.id))


async def _list_page(
    request: Request,
    managed: ManagedEvent,
    view: ListView,
    *,
    row_errors: dict[int, str] | None = None,
    reminder_error: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    event = managed.access.event
    listed = await admin.list_registrations(
        managed.db,
        event.id,
        Pagination(limit=PAGE_SIZE, offset=view.offset),
        complete=view.complete,
        role=view.role,
        q=view.q or None,
    )
    base = managed.url + "/registrations"
    following = view.offset + PAGE_SIZE
    return manage_page(
        request,
        managed,
        "registrations.html",
        tab="registrations",
        title=f"Registrations · {event.title}",
        status_code=status_code,
        listed=listed,
        view=view,
        roles=sorted(ROLES_BY_SCHEME[event.role_scheme]),
        row_errors=row_errors or {},
        previous_url=view.url(base, offset=max(view.offset - PAGE_SIZE, 0))
        if view.offset
        else None,
        next_url=view.url(base, offset=following) if following < listed.total else None,
        import_error=None,
        reminder_error=reminder_error,
        can_remind=event.status == EventStatus.OPEN,
    )


@router.get(REGISTRATIONS)
async def registrations_page(request: Request, managed: ManagedEventDep) -> Response:
    return await _list_page(request, managed, ListView.read(request.query_params))


async def _registration_of(
    request: Request, registration_id: int, managed: ManagedEventDep
) -> Registration:
    return await part_of_event(request, managed, Registration, registration_id, "registration")


# One registration of an event its admins manage (after the form's token, where there is one).
ManagedRegistration = Annotated[Registration, Depends(_registration_of)]


@router.get(ONE_REGISTRATION)
async def registration_page(
    request: Request, managed: ManagedEventDep, registration: ManagedRegistration, db: SessionDep
) -> Response:
    person = await db.get_one(User, registration.user_id)
    values = await admin.answers_of(db, [registration.id])
    shown = admin.admin_out(registration, person, values.get(registration.id, {}))
    return manage_page(
        request,
        managed,
        "registration.html",
        tab="registrations",
        title=f"{person.first_name} {person.last_name} · {managed.access.event.title}".strip(),
        registration=shown,
        questions=ordered(await event_questions(db, managed.access.event.id)),
    )


@router.post(ONE_REGISTRATION + "/role")
async def set_role(
    request: Request,
    form: PostedForm,
    managed: ManagedEventDep,
    registration: ManagedRegistration,
    db: SessionDep,
) -> Response:
    # The list the form was on (its query string), to go back to.
    view = ListView.read(dict(parse_qsl(str(form.get("back") or ""))))
    chosen = str(form.get("role") or "")
    try:
        await admin.set_role(db, registration, managed.access, RegistrationRole(chosen))
    except ValueError:  # not a role at all
        return await _list_page(
            request,
            managed,
            view,
            row_errors={registration.id: "Choose one of the roles."},
            status_code=422,
        )
    except (InvalidState, ValidationFailed) as refused:
        reason = field_errors(refused.details, ["role"]).get("role", sentence(refused.message))
        return await _list_page(
            request,
            managed,
            view,
            row_errors={registration.id: reason},
            status_code=refused.status_code,
        )
    return redirect(view.url(managed.url + "/registrations"), flash_key="role-saved")


@router.post(REGISTRATIONS + "/summaries")
async def request_summaries(
    request: Request,
    form: PostedForm,
    managed: ManagedEventDep,
    event_id: int,
    db: SessionDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> Response:
    requested = await summaries.mark_pending(db, event_id, everyone=form.get("all") == "yes")
    if requested:
        # After the response, hence after the commit: the job reads the pending rows.
        background.add_task(summaries.request_event_summaries, jobs, event_id)
    flash = "summaries-requested" if requested else "summaries-none"
    return redirect(managed.url + "/registrations", flash_key=flash)


@router.post(REGISTRATIONS + "/reminders")
async def send_reminders(
    request: Request,
    _csrf: PostedForm,
    managed: ManagedEventDep,
    db: SessionDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> Response:
    """Remind now the people whose questionnaire is unfinished (as the API's POST .../reminders);
    a closed event's list comes back with the reason next to the button."""
    try:
        queued = await queue_reminders(db, settings_of(request), managed.access.event)
    except InvalidState as refused:
        return await _list_page(
            request,
            managed,
            ListView(),
            reminder_error=sentence(refused.message),
            status_code=status.HTTP_409_CONFLICT,
        )
    background.add_task(enqueue_mail, jobs, queued)  # after the commit, as every mail
    return redirect(
        managed.url + "/registrations", flash_key=counted("reminders-queued", len(queued))
    )

"""The questionnaire builder: an event's questions in order, adding one of each type, editing,
deleting, moving up or down, and copying the questions of another event of the organization.

Thin routes over ``questionnaires.service`` (the API's service): what is frozen once the event
is open (wording, type, options, bounds, required) and until publish (weight, mode) comes from
``questionnaires.rules``; the form shows those fields disabled with the reason, and a refused
change (409) or invalid input (422) comes back as the form with the reason.
"""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from peerpear.deps import SessionDep
from peerpear.errors import InvalidState, ValidationFailed
from peerpear.events import service as events
from peerpear.models import Question
from peerpear.questionnaires import service as questions
from peerpear.questionnaires.rules import locked_fields
from peerpear.questionnaires.schemas import QuestionIn, QuestionUpdate
from peerpear.registrations.service import event_questions
from peerpear.schemas_common import Pagination
from peerpear.web import question_form as qform
from peerpear.web.deps import PageInstead, PostedForm, redirect
from peerpear.web.events_access import MAX_ID
from peerpear.web.manage_deps import (
    MANAGE_EVENT,
    ManagedEvent,
    ManagedEventDep,
    manage_page,
)
from peerpear.web.text import sentence

router = APIRouter(include_in_schema=False)

QUESTIONS = MANAGE_EVENT + "/questions"
QUESTION = QUESTIONS + "/{question_id:int}"
# QuestionIn is an Annotated union, which mypy does not take as a type (cast: no type check).
_QUESTION_IN: TypeAdapter[Any] = TypeAdapter(cast(Any, QuestionIn))
# Events offered to copy from: the organization's most recent ones.
_COPY_CHOICES = 100


def _refusal(refused: InvalidState | ValidationFailed) -> dict[str, str]:
    """A service's refusal as form errors: per field when its details say which."""
    details = refused.details
    if isinstance(details, list):
        return qform.errors_of(details) or {"form": sentence(refused.message)}
    return {"form": sentence(refused.message)}


async def _ordered(managed: ManagedEvent) -> list[Question]:
    found = await event_questions(managed.db, managed.access.event.id)
    return sorted(found, key=lambda q: (q.position, q.id))


async def _copy_sources(managed: ManagedEvent) -> list[Any]:
    listed = await events.list_org_events(
        managed.db,
        managed.sessions,
        managed.organization.id,
        None,
        Pagination(limit=_COPY_CHOICES, offset=0),
    )
    return [event for event in listed.items if event.id != managed.access.event.id]


def _form_context(values: dict[str, str], errors: dict[str, str], locked: dict[str, str]) -> Any:
    return {
        "values": values,
        "errors": errors,
        "locked": locked,
        "types": qform.TYPES,
        "modes": qform.MODES,
    }


async def _builder(
    request: Request,
    managed: ManagedEvent,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    list_error: str | None = None,
    copy_error: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    event = managed.access.event
    locked = locked_fields(event.status)
    return manage_page(
        request,
        managed,
        "manage_questions.html",
        tab="questions",
        title=f"Questionnaire: {event.title}",
        status_code=status_code,
        questions=await _ordered(managed),
        type_labels=qform.TYPE_LABELS,
        editable=not locked.keys() & {"prompt"},
        frozen_reason=locked.get("prompt"),
        settings_reason=locked.get("weight"),
        sources=await _copy_sources(managed),
        list_error=list_error,
        copy_error=copy_error,
        **_form_context(values or dict(qform.BLANK), errors or {}, locked),
    )


@router.get(QUESTIONS)
async def builder(request: Request, managed: ManagedEventDep) -> Response:
    return await _builder(request, managed)


@router.post(QUESTIONS)
async def add_question(
    request: Request, form: PostedForm, managed: ManagedEventDep, db: SessionDep
) -> Response:
    typed = qform.read(form)
    shown = {**qform.BLANK, "required": "", **typed}
    try:
        body = _QUESTION_IN.validate_python(qform.body(typed))
        await questions.create_question(db, managed.access, body)
    except ValidationError as invalid:
        errors = qform.schema_errors(invalid)
        return await _builder(request, managed, values=shown, errors=errors, status_code=422)
    except InvalidState as refused:  # frozen, or full: about the questionnaire, not a field
        return await _builder(
            request, managed, values=shown, list_error=sentence(refused.message), status_code=409
        )
    return redirect(f"{managed.url}/questions", flash_key="question-added")


async def _question_of(
    request: Request, question_id: int, managed: ManagedEventDep, db: SessionDep
) -> tuple[ManagedEvent, Question]:
    """The event (as ``ManagedEventDep`` answers) and its question; a question of another
    event, or none, is the event's builder's 404."""
    question = await db.get(Question, question_id) if 1 <= question_id <= MAX_ID else None
    if question is None or question.event_id != managed.access.event.id:
        raise PageInstead(
            await _builder(
                request,
                managed,
                list_error="There is no such question in this event (it may have been deleted).",
                status_code=status.HTTP_404_NOT_FOUND,
            )
        )
    return managed, question


# One question of an event its admins manage (after the form's token, where there is a form).
ManagedQuestion = Annotated[tuple[ManagedEvent, Question], Depends(_question_of)]


def _edit_page(
    request: Request,
    managed: ManagedEvent,
    question: Question,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    locked = locked_fields(managed.access.event.status)
    return manage_page(
        request,
        managed,
        "manage_question_edit.html",
        tab="questions",
        title=f"Edit question: {question.prompt[:60]}",
        status_code=status_code,
        question=question,
        **_form_context(values or qform.values_of(question), errors or {}, locked),
    )


@router.get(QUESTION)
async def edit_question_form(request: Request, found: ManagedQuestion) -> Response:
    return _edit_page(request, *found)


@router.post(QUESTION)
async def edit_question(
    request: Request, form: PostedForm, found: ManagedQuestion, db: SessionDep
) -> Response:
    managed, question = found
    typed = qform.read(form)
    shown = {**qform.values_of(question), **typed}
    try:
        body = QuestionUpdate.model_validate(qform.body(typed, question.type.value))
        await questions.update_question(db, question, managed.access, body)
    except ValidationError as invalid:
        errors = qform.schema_errors(invalid)
        return _edit_page(request, managed, question, values=shown, errors=errors, status_code=422)
    except ValidationFailed as refused:
        errors = _refusal(refused)
        return _edit_page(request, managed, question, values=shown, errors=errors, status_code=422)
    except InvalidState as refused:
        errors = _refusal(refused)
        return _edit_page(request, managed, question, values=shown, errors=errors, status_code=409)
    return redirect(f"{managed.url}/questions", flash_key="question-saved")


@router.post(QUESTION + "/delete")
async def delete_question(
    request: Request, form: PostedForm, found: ManagedQuestion, db: SessionDep
) -> Response:
    managed, question = found
    try:
        await questions.delete_question(db, question, managed.access)
    except InvalidState as refused:
        return await _builder(
            request, managed, list_error=sentence(refused.message), status_code=409
        )
    return redirect(f"{managed.url}/questions", flash_key="question-deleted")


def _moved(order: list[int], question_id: int, direction: str) -> list[int]:
    """``order`` with the question one place up or down (unchanged at either end)."""
    at = order.index(question_id)
    to = at - 1 if direction == "up" else at + 1
    if not 0 <= to < len(order):
        return order
    moved = list(order)
    moved[at], moved[to] = moved[to], moved[at]
    return moved


@router.post(QUESTION + "/move")
async def move_question(
    request: Request, form: PostedForm, found: ManagedQuestion, db: SessionDep
) -> Response:
    managed, question = found
    direction = "up" if form.get("direction") == "up" else "down"
    order = [q.id for q in await _ordered(managed)]
    try:
        await questions.reorder(db, managed.access, _moved(order, question.id, direction))
    except (InvalidState, ValidationFailed) as refused:
        return await _builder(
            request, managed, list_error=sentence(refused.message), status_code=409
        )
    return redirect(
        f"{managed.url}/questions#question-{question.id}",
        flash_key="question-moved",
    )


@router.post(QUESTIONS + "/copy")
async def copy_questions(
    request: Request, form: PostedForm, managed: ManagedEventDep, db: SessionDep
) -> Response:
    source = str(form.get("from_event_id") or "").strip()
    if not source.isdigit() or not 1 <= int(source) <= MAX_ID:
        return await _builder(
            request, managed, copy_error="Choose an event to copy from.", status_code=422
        )
    try:
        await questions.copy_from(db, managed.access, int(source))
    except ValidationFailed as refused:
        return await _builder(
            request, managed, copy_error=sentence(refused.message), status_code=422
        )
    except InvalidState as refused:
        return await _builder(
            request, managed, copy_error=sentence(refused.message), status_code=409
        )
    return redirect(f"{managed.url}/questions", flash_key="questions-copied")

"""Routes for an event's questionnaire (thin: authorize, call a service, return).

Whoever can see an event can read its questions (a draft's only its admins); only admins see
the matching settings (``weight``, ``mode``: null for everyone else), since how answers are
weighed is the organizers' business and not needed to answer. Changes are for admins.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from peerpear.auth.deps import CurrentUser
from peerpear.deps import PageDep, SessionDep, SessionmakerDep, id_path
from peerpear.events.deps import AdminEvent, VisibleEvent
from peerpear.openapi import errors
from peerpear.questionnaires import service
from peerpear.questionnaires.schemas import (
    QuestionCopy,
    QuestionIn,
    QuestionOrder,
    QuestionOut,
    QuestionUpdate,
)
from peerpear.schemas_common import Page

router = APIRouter(tags=["questions"])

QuestionIdPath = Annotated[int, id_path("Question id.")]
FROZEN = {409: "The questionnaire is frozen: the event is past draft (the message says why)."}


@router.get("/events/{event_id:int}/questions")
async def list_questions(access: VisibleEvent, db: SessionDep, page: PageDep) -> Page[QuestionOut]:
    """The questionnaire in order (whoever can see the event; weights and modes for admins)."""
    return await service.list_questions(db, access, page)


@router.post(
    "/events/{event_id:int}/questions",
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, 409, why=FROZEN),
)
async def create_question(body: QuestionIn, access: AdminEvent, db: SessionDep) -> QuestionOut:
    """Add a question at the end (admins; drafts only)."""
    return await service.create_question(db, access, body)


@router.patch(
    "/questions/{question_id:int}",
    responses=errors(
        403, 409, why={409: "A frozen field changed (past draft), or weight/mode after publish."}
    ),
)
async def update_question(
    question_id: QuestionIdPath,
    body: QuestionUpdate,
    user: CurrentUser,
    db: SessionDep,
    sessions: SessionmakerDep,
) -> QuestionOut:
    """Change a question (admins). Wording, help text, type, options, bounds and `required`
    only while the event is a draft; weight and mode until it is published."""
    question, access = await service.question_access(db, sessions, user, question_id)
    return await service.update_question(db, question, access, body)


@router.delete(
    "/questions/{question_id:int}", status_code=204, responses=errors(403, 409, why=FROZEN)
)
async def delete_question(
    question_id: QuestionIdPath, user: CurrentUser, db: SessionDep, sessions: SessionmakerDep
) -> Response:
    """Remove a question (admins; drafts only)."""
    question, access = await service.question_access(db, sessions, user, question_id)
    await service.delete_question(db, question, access)
    return Response(status_code=204)


@router.put("/events/{event_id:int}/questions/order", responses=errors(403, 409, why=FROZEN))
async def reorder_questions(
    body: QuestionOrder, access: AdminEvent, db: SessionDep
) -> list[QuestionOut]:
    """Set the order of the questionnaire: every question id once (admins; drafts only)."""
    return await service.reorder(db, access, body.question_ids)


@router.post(
    "/events/{event_id:int}/questions/copy",
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, 409, why=FROZEN),
)
async def copy_questions(
    body: QuestionCopy, access: AdminEvent, db: SessionDep
) -> list[QuestionOut]:
    """Append copies of another event's questions, with their settings (admins; the source
    must be an event of the same organization, the target a draft)."""
    return await service.copy_from(db, access, body.from_event_id)

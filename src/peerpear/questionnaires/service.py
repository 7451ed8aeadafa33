"""Questions: list, create, update, delete, reorder, copy. SQL for questions lives here; when a
change is allowed is in rules.py."""

from __future__ import annotations

from typing import Any, cast

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear import audit
from peerpear.errors import InvalidState, ValidationFailed
from peerpear.events.access import EventAccess, admin_part_access
from peerpear.models import Event, Question, QuestionType, User
from peerpear.pagination import paginate
from peerpear.questionnaires.rules import ensure_changes_allowed, ensure_questionnaire_editable
from peerpear.questionnaires.schemas import (
    MAX_QUESTIONS,
    QuestionIn,
    QuestionOut,
    QuestionUpdate,
)
from peerpear.schemas_common import Page, Pagination

QUESTION_NOT_FOUND = "question not found"
_QUESTION_IN: TypeAdapter[Any] = TypeAdapter(cast(Any, QuestionIn))  # an Annotated union
# The columns a question body sets (besides type), by type.
_TYPE_FIELDS = {
    QuestionType.TEXT: (),
    QuestionType.SINGLE_CHOICE: ("options",),
    QuestionType.MULTI_CHOICE: ("options",),
    QuestionType.SCALE: ("scale_min", "scale_max"),
}
_COMMON = ("prompt", "help_text", "required", "weight", "mode")


def to_out(question: Question, *, admin: bool) -> QuestionOut:
    return QuestionOut(
        id=question.id,
        event_id=question.event_id,
        position=question.position,
        prompt=question.prompt,
        help_text=question.help_text,
        type=question.type,
        options=question.options,
        scale_min=question.scale_min,
        scale_max=question.scale_max,
        required=question.required,
        weight=question.weight if admin else None,
        mode=question.mode if admin else None,
    )


def _fields(data: Any) -> dict[str, Any]:
    """The columns of a validated question body, the other type's columns cleared."""
    values = {name: getattr(data, name) for name in _COMMON}
    values.update({"type": data.type, "options": None, "scale_min": None, "scale_max": None})
    values.update({name: getattr(data, name) for name in _TYPE_FIELDS[data.type]})
    return values


def _audit(db: AsyncSession, user: User, event: Event, action: str, **details: Any) -> None:
    audit.record(
        db,
        user,
        action,
        organization_id=event.organization_id,
        event_id=event.id,
        target_type="question",
        target_id=details.pop("question_id", None),
        details=details,
    )


async def _count(db: AsyncSession, event_id: int) -> int:
    return await db.scalar(select(func.count()).where(Question.event_id == event_id)) or 0


async def _next_position(db: AsyncSession, event_id: int) -> int:
    last = await db.scalar(select(func.max(Question.position)).where(Question.event_id == event_id))
    return 0 if last is None else last + 1


def _ensure_room(existing: int, adding: int) -> None:
    if existing + adding > MAX_QUESTIONS:
        raise InvalidState(
            f"an event has at most {MAX_QUESTIONS} questions ({existing} already)",
            details={"limit": MAX_QUESTIONS, "existing": existing},
        )


async def list_questions(
    db: AsyncSession, access: EventAccess, page: Pagination
) -> Page[QuestionOut]:
    stmt = select(Question).where(Question.event_id == access.event.id)
    admin = access.is_admin
    return await paginate(
        db,
        stmt,
        page,
        order_by=(Question.position, Question.id),
        to_item=lambda row: to_out(row[0], admin=admin),
    )


async def create_question(db: AsyncSession, access: EventAccess, data: Any) -> QuestionOut:
    event = access.event
    ensure_questionnaire_editable(event)
    _ensure_room(await _count(db, event.id), 1)
    question = Question(event_id=event.id, position=await _next_position(db, event.id))
    for name, value in _fields(data).items():
        setattr(question, name, value)
    db.add(question)
    await db.flush()
    _audit(db, access.user, event, "question.create", question_id=question.id, prompt=data.prompt)
    await db.flush()
    return to_out(question, admin=True)


async def question_access(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession], user: User, question_id: int
) -> tuple[Question, EventAccess]:
    """The question and the admin's access to its event (404 / 403 as for the event)."""
    return await admin_part_access(db, sessions, user, Question, question_id, QUESTION_NOT_FOUND)


def _merged(question: Question, changes: dict[str, Any]) -> Any:
    """The question as it would be after ``changes``, validated as a whole (422 otherwise)."""
    new_type = changes.get("type", question.type)
    current = {name: getattr(question, name) for name in (*_COMMON, "type")}
    for name in _TYPE_FIELDS[new_type]:
        current[name] = getattr(question, name)
    merged = {**current, **changes, "type": new_type}
    try:
        return _QUESTION_IN.validate_python(merged)
    except ValidationError as exc:
        details = [
            {"loc": ["body", *map(str, e["loc"][1:])], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        first = details[0]
        raise ValidationFailed(
            f"{'.'.join(first['loc'])}: {first['msg']}", details=details
        ) from None


async def update_question(
    db: AsyncSession, question: Question, access: EventAccess, data: QuestionUpdate
) -> QuestionOut:
    sent = data.model_dump(exclude_unset=True)
    changes = {k: v for k, v in sent.items() if v != getattr(question, k)}
    ensure_changes_allowed(access.event, set(changes))
    if changes:
        values = _fields(_merged(question, changes))
        for name, value in values.items():
            setattr(question, name, value)
        await db.flush()
        _audit(
            db,
            access.user,
            access.event,
            "question.update",
            question_id=question.id,
            fields=sorted(changes),
        )
        await db.flush()
    return to_out(question, admin=True)


async def delete_question(db: AsyncSession, question: Question, access: EventAccess) -> None:
    ensure_questionnaire_editable(access.event)
    _audit(
        db,
        access.user,
        access.event,
        "question.delete",
        question_id=question.id,
        prompt=question.prompt,
    )
    await db.delete(question)
    await db.flush()


async def reorder(
    db: AsyncSession, access: EventAccess, question_ids: list[int]
) -> list[QuestionOut]:
    event = access.event
    ensure_questionnaire_editable(event)
    questions = list(await db.scalars(select(Question).where(Question.event_id == event.id)))
    by_id = {q.id: q for q in questions}
    if len(question_ids) != len(set(question_ids)) or set(question_ids) != by_id.keys():
        raise ValidationFailed(
            "question_ids must list every question of the event exactly once",
            details=[
                {
                    "loc": ["body", "question_ids"],
                    "msg": f"expected a permutation of {sorted(by_id)}",
                    "type": "value_error",
                }
            ],
        )
    for position, question_id in enumerate(question_ids):
        by_id[question_id].position = position
    await db.flush()
    _audit(db, access.user, event, "question.reorder", order=question_ids)
    await db.flush()
    return [to_out(by_id[i], admin=True) for i in question_ids]


async def copy_from(db: AsyncSession, access: EventAccess, from_event_id: int) -> list[QuestionOut]:
    """Append the questionnaire of another event of the same organization (a draft only)."""
    event = access.event
    ensure_questionnaire_editable(event)
    source = await db.get(Event, from_event_id)
    if source is None or source.organization_id != event.organization_id or source.id == event.id:
        raise ValidationFailed(
            "from_event_id must be another event of the same organization",
            details=[
                {"loc": ["body", "from_event_id"], "msg": "no such event", "type": "value_error"}
            ],
        )
    originals = list(
        await db.scalars(
            select(Question)
            .where(Question.event_id == source.id)
            .order_by(Question.position, Question.id)
        )
    )
    _ensure_room(await _count(db, event.id), len(originals))
    start = await _next_position(db, event.id)
    copies = [
        Question(
            event_id=event.id,
            position=start + n,
            prompt=q.prompt,
            help_text=q.help_text,
            type=q.type,
            options=list(q.options) if q.options is not None else None,
            scale_min=q.scale_min,
            scale_max=q.scale_max,
            required=q.required,
            weight=q.weight,
            mode=q.mode,
        )
        for n, q in enumerate(originals)
    ]
    db.add_all(copies)
    await db.flush()
    _audit(db, access.user, event, "question.copy", from_event_id=source.id, count=len(copies))
    await db.flush()
    return [to_out(q, admin=True) for q in copies]

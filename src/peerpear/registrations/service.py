"""A student's own registration: register, read, withdraw, and their answers.

Registering and answering happen while the event is open (409 otherwise); a registration and
its answers stay readable afterwards. Registering twice returns the existing registration (and
changes its role when a new one is given): the insert is ``ON CONFLICT DO NOTHING`` on
(event, user), so concurrent requests never make two.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.verification import ensure_verified
from peerpear.config import Settings
from peerpear.db import upsert_insert, utcnow
from peerpear.errors import InvalidState, NotFound, ValidationFailed
from peerpear.events.access import EventAccess
from peerpear.models import (
    Answer,
    Event,
    EventStatus,
    PairRule,
    PairRuleKind,
    Question,
    Registration,
    RegistrationRole,
    RoleScheme,
    SummaryStatus,
)
from peerpear.registrations.answers import (
    InvalidAnswer,
    answers_by_key,
    clean_answer,
    missing_required,
)
from peerpear.registrations.schemas import AnswersIn, AnswersOut, RegistrationIn, RegistrationOut

NOT_REGISTERED = "you are not registered for this event"
# Answers per INSERT: 5 bound parameters each, well inside PostgreSQL's and SQLite's bounds.
ANSWER_BATCH = 1000
R = RegistrationRole
ROLES_BY_SCHEME: dict[RoleScheme, frozenset[RegistrationRole]] = {
    RoleScheme.NONE: frozenset(),
    RoleScheme.BIG_LITTLE: frozenset({R.BIG, R.LITTLE, R.EITHER}),
    RoleScheme.MENTOR: frozenset({R.MENTOR, R.MENTEE}),
}
# The role of a registration that gives none: "either" side of a big/little program; a
# mentoring program needs the person to choose.
DEFAULT_ROLE: dict[RoleScheme, RegistrationRole | None] = {
    RoleScheme.NONE: None,
    RoleScheme.BIG_LITTLE: R.EITHER,
    RoleScheme.MENTOR: None,
}


def field_error(loc: list[str | int], message: str) -> ValidationFailed:
    """A 422 about one field of the body, in the shape of every validation error."""
    return ValidationFailed(
        f"{'.'.join(map(str, loc))}: {message}",
        details=[{"loc": loc, "msg": message, "type": "value_error"}],
    )


def check_role(event: Event, role: RegistrationRole | None) -> RegistrationRole | None:
    """The role a registration of ``event`` gets for ``role`` (the default when None); 422
    when the event's role scheme does not offer it."""
    allowed = ROLES_BY_SCHEME[event.role_scheme]
    if role is None:
        role = DEFAULT_ROLE[event.role_scheme]
        if role is None and allowed:
            choices = " or ".join(sorted(allowed))
            raise field_error(["body", "role"], f"this event needs a role: {choices}")
        return role
    if role not in allowed:
        offered = ", ".join(sorted(allowed)) if allowed else "none (it has no roles)"
        raise field_error(
            ["body", "role"], f"{role.value!r} is not a role of this event; its roles: {offered}"
        )
    return role


def ensure_open(event: Event, doing: str) -> None:
    if event.status is not EventStatus.OPEN:
        raise InvalidState(
            f"cannot {doing}: registration is not open (the event is {event.status.value})",
            details={"status": event.status.value},
        )


async def event_questions(db: AsyncSession, event_id: int) -> list[Question]:
    return list(await db.scalars(select(Question).where(Question.event_id == event_id)))


async def answer_values(db: AsyncSession, registration_id: int) -> dict[int, Any]:
    rows = await db.execute(
        select(Answer.question_id, Answer.value).where(Answer.registration_id == registration_id)
    )
    return dict(rows.tuples().all())


def to_out(registration: Registration, missing: list[int]) -> RegistrationOut:
    return RegistrationOut(
        id=registration.id,
        event_id=registration.event_id,
        user_id=registration.user_id,
        role=registration.role,
        is_complete=registration.is_complete,
        missing_required=missing,
        created_at=registration.created_at,
        updated_at=registration.updated_at,
    )


async def find_mine(db: AsyncSession, access: EventAccess) -> Registration | None:
    found: Registration | None = await db.scalar(
        select(Registration).where(
            Registration.event_id == access.event.id, Registration.user_id == access.user.id
        )
    )
    return found


async def require_mine(db: AsyncSession, access: EventAccess) -> Registration:
    registration = await find_mine(db, access)
    if registration is None:
        raise NotFound(NOT_REGISTERED)
    return registration


async def register(
    db: AsyncSession, access: EventAccess, data: RegistrationIn, settings: Settings
) -> tuple[RegistrationOut, bool]:
    """The caller's registration and whether it was created now. 403 when the server requires
    a verified address (``settings``) and the caller's is not."""
    event = access.event
    ensure_open(event, "register")
    ensure_verified(access.user, settings)
    questions = await event_questions(db, event.id)
    existing = await find_mine(db, access)
    if existing is None:
        role = check_role(event, data.role)
        now = utcnow()
        inserted = await db.scalar(
            upsert_insert(db, Registration)
            .values(
                event_id=event.id,
                user_id=access.user.id,
                role=role,
                is_complete=not missing_required(questions, ()),
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=[Registration.event_id, Registration.user_id])
            .returning(Registration.id)
        )
        existing = await require_mine(db, access)
        if inserted is not None:
            return to_out(existing, missing_required(questions, ())), True
    if data.role is not None and data.role != existing.role:
        existing.role = check_role(event, data.role)
        await db.flush()
    answered = await answer_values(db, existing.id)
    return to_out(existing, missing_required(questions, answered)), False


async def read_mine(db: AsyncSession, access: EventAccess) -> RegistrationOut:
    registration = await require_mine(db, access)
    questions = await event_questions(db, access.event.id)
    answered = await answer_values(db, registration.id)
    return to_out(registration, missing_required(questions, answered))


async def withdraw(db: AsyncSession, access: EventAccess) -> None:
    """Delete the caller's registration (its answers go with it) and their avoid requests."""
    registration = await require_mine(db, access)
    ensure_open(access.event, "withdraw")
    await db.execute(
        delete(PairRule).where(
            PairRule.event_id == access.event.id,
            PairRule.kind == PairRuleKind.AVOID,
            PairRule.user_a_id == access.user.id,
        )
    )
    await db.delete(registration)
    await db.flush()


async def read_answers(db: AsyncSession, access: EventAccess) -> AnswersOut:
    registration = await require_mine(db, access)
    questions = await event_questions(db, access.event.id)
    values = await answer_values(db, registration.id)
    return AnswersOut(
        registration_id=registration.id,
        is_complete=registration.is_complete,
        missing_required=missing_required(questions, values),
        answers=answers_by_key(values),
    )


def _checked(questions: list[Question], sent: dict[str, Any]) -> dict[int, Any]:
    """Every sent answer as stored (None: clear it); 422 listing each failing question."""
    by_id = {q.id: q for q in questions}
    cleaned: dict[int, Any] = {}
    errors: list[dict[str, Any]] = []
    for key, value in sent.items():
        question = by_id.get(int(key))
        try:
            if question is None:
                raise InvalidAnswer("no such question in this event")
            cleaned[question.id] = clean_answer(question, value)
        except InvalidAnswer as exc:
            errors.append(
                {
                    "loc": ["body", "answers", key],
                    "msg": str(exc),
                    "type": "value_error",
                    "question_id": int(key),
                }
            )
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ValidationFailed(
            f"question {first['question_id']}: {first['msg']}{more}; nothing was saved",
            details=errors,
        )
    return cleaned


async def upsert_answers(db: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Store answers, each row a ``registration_id``, ``question_id`` and ``value`` (not None),
    over any earlier answer to the same question. Upserts, so two saves at once cannot collide
    on (registration, question); a row may appear once per call (one statement per batch)."""
    now = utcnow()
    for start in range(0, len(rows), ANSWER_BATCH):
        stmt = upsert_insert(db, Answer).values(
            [{**row, "created_at": now, "updated_at": now}
             for row in rows[start : start + ANSWER_BATCH]]
        )  # fmt: skip
        await db.execute(
            stmt.on_conflict_do_update(
                index_elements=[Answer.registration_id, Answer.question_id],
                set_={"value": stmt.excluded.value, "updated_at": now},
            )
        )


def settle_completeness(
    registration: Registration, questions: list[Question], current: dict[int, Any]
) -> None:
    """Mark the registration complete when ``current`` (all its answers) leaves no required
    question unanswered; it changed now."""
    registration.is_complete = not missing_required(questions, current)
    registration.updated_at = utcnow()


async def write_answers(
    db: AsyncSession, registration: Registration, questions: list[Question], values: dict[int, Any]
) -> dict[int, Any]:
    """Store ``values`` (None clears an answer) and recompute completeness; all the answers
    now."""
    kept = [
        {"registration_id": registration.id, "question_id": q, "value": v}
        for q, v in values.items()
        if v is not None
    ]
    await upsert_answers(db, kept)
    cleared = [q for q, v in values.items() if v is None]
    if cleared:
        await db.execute(
            delete(Answer).where(
                Answer.registration_id == registration.id, Answer.question_id.in_(cleared)
            )
        )
    current = await answer_values(db, registration.id)
    settle_completeness(registration, questions, current)
    await db.flush()
    return current


async def save_answers(db: AsyncSession, access: EventAccess, data: AnswersIn) -> AnswersOut:
    registration = await require_mine(db, access)
    ensure_open(access.event, "change answers")
    questions = await event_questions(db, access.event.id)
    values = await write_answers(db, registration, questions, _checked(questions, data.answers))
    if registration.is_complete:
        # The route enqueues its summary once this commits (llm/summaries.py).
        registration.summary_status = SummaryStatus.PENDING
        await db.flush()
    return AnswersOut(
        registration_id=registration.id,
        is_complete=registration.is_complete,
        missing_required=missing_required(questions, values),
        answers=answers_by_key(values),
    )

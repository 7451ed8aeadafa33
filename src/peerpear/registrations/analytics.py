"""An event's analytics for its admins: totals, registrations per day, the role balance, and a
summary of the answers to each question (option counts, a scale histogram and mean, the most
frequent words of text answers).

Three statements whatever the number of registrations and questions: the questions, the
registrations (id, role, creation, completeness), and every answer of the event's registrations
in one join. The counting happens here rather than in SQL: answers are JSON whose shape follows the
question type (a string, a list of picks, a number), which the two databases cannot take apart
and group with the same SQL. The cost is reading one small row per answer.

Answers are checked against their question when they are written (answers.py), so every stored
value fits. Should one not (a row written some other way), it still counts as answered but is
left out of the breakdown instead of failing the whole request.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import Answer, Event, Question, QuestionType, Registration, RegistrationRole
from peerpear.registrations.analytics_schemas import (
    DayCount,
    EventAnalytics,
    OptionCount,
    QuestionAnalytics,
    RoleCount,
    ScaleCount,
    WordCount,
)
from peerpear.registrations.service import ROLES_BY_SCHEME

TOP_WORDS = 10
# A word: a run of three or more letters of any alphabet (no digits, no underscore), so
# "trail-running" gives "trail" and "running", and "café" stays whole.
_WORD = re.compile(r"[^\W\d_]{3,}")
_CHOICE = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE})


async def event_analytics(db: AsyncSession, event: Event) -> EventAnalytics:
    questions = list(
        await db.scalars(
            select(Question)
            .where(Question.event_id == event.id)
            .order_by(Question.position, Question.id)
        )
    )
    rows = await db.execute(
        select(
            Registration.id, Registration.role, Registration.created_at, Registration.is_complete
        ).where(Registration.event_id == event.id)
    )
    registrations = rows.tuples().all()
    answers = await db.execute(
        select(Answer.registration_id, Answer.question_id, Answer.value)
        .join(Registration, Registration.id == Answer.registration_id)
        .where(Registration.event_id == event.id)
    )
    # A read runs without a transaction, so someone may register and answer between the two
    # statements: only the answers of the registrations counted above count, or a question
    # could have more answers than the event has registrations.
    counted = {registration_id for registration_id, *_ in registrations}
    values: dict[int, list[Any]] = defaultdict(list)
    for registration_id, question_id, value in answers.tuples():
        if registration_id in counted:
            values[question_id].append(value)

    total = len(registrations)
    return EventAnalytics(
        event_id=event.id,
        registrations=total,
        complete=sum(1 for *_, complete in registrations if complete),
        registrations_over_time=_per_day(created for _, _, created, _ in registrations),
        roles=_roles(event, [role for _, role, _, _ in registrations]),
        questions=[_question(q, values.get(q.id, []), total) for q in questions],
    )


def _per_day(created: Iterable[datetime]) -> list[DayCount]:
    counts = Counter(moment.astimezone(UTC).date() for moment in created)
    days: list[DayCount] = []
    cumulative = 0
    for day in sorted(counts):
        cumulative += counts[day]
        days.append(DayCount(date=day, count=counts[day], cumulative=cumulative))
    return days


def _roles(event: Event, roles: Sequence[RegistrationRole | None]) -> list[RoleCount]:
    """Every role of the event's scheme in the enum's order, which is fixed (a frozenset's
    iteration order is not)."""
    offered = ROLES_BY_SCHEME[event.role_scheme]
    counts = Counter(roles)
    return [RoleCount(role=r, count=counts[r]) for r in RegistrationRole if r in offered]


def _question(question: Question, values: list[Any], registrations: int) -> QuestionAnalytics:
    answered = len(values)  # one answer per (registration, question): a unique constraint
    options = histogram = top_words = mean = None
    if question.type in _CHOICE:
        options = _option_counts(question, values)
    elif question.type is QuestionType.SCALE:
        histogram, mean = _scale(question, values)
    else:
        top_words = _top_words(values)
    return QuestionAnalytics(
        question_id=question.id,
        prompt=question.prompt,
        type=question.type,
        answered=answered,
        response_rate=answered / registrations if registrations else 0.0,
        options=options,
        histogram=histogram,
        mean=mean,
        top_words=top_words,
    )


def _option_counts(question: Question, values: list[Any]) -> list[OptionCount]:
    """How many answers picked each option (a multiple-choice answer counts each pick)."""
    counts: Counter[str] = Counter()
    for value in values:
        picks = value if isinstance(value, list) else [value]
        counts.update({pick for pick in picks if isinstance(pick, str)})
    return [OptionCount(option=option, count=counts[option]) for option in question.options or []]


def _scale(question: Question, values: list[Any]) -> tuple[list[ScaleCount], float | None]:
    low, high = question.scale_min, question.scale_max
    if low is None or high is None:  # not a valid scale question; nothing to place values on
        return [], None
    fitting = [
        v for v in values if isinstance(v, int) and not isinstance(v, bool) and low <= v <= high
    ]
    counts = Counter(fitting)
    histogram = [ScaleCount(value=v, count=counts[v]) for v in range(low, high + 1)]
    return histogram, (sum(fitting) / len(fitting) if fitting else None)


def _top_words(values: list[Any]) -> list[WordCount]:
    # Imported here, not at the top: scikit-learn takes about a second to import, which every
    # start of the server (and of the CLI) would pay for a list of words few requests need.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    counts = Counter(
        word
        for value in values
        if isinstance(value, str)
        for word in _WORD.findall(value.lower())
        if word not in ENGLISH_STOP_WORDS
    )
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [WordCount(word=word, count=count) for word, count in ranked[:TOP_WORDS]]

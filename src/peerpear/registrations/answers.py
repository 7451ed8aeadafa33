"""What a valid answer is, per question type, and when a registration is complete (DESIGN §2).

Pure functions (no database): the answers route, the CSV import and the engine snapshot of the
next issue all check values here, so one rule decides everywhere.

- ``text``: a string of at most 5,000 characters once surrounding whitespace is dropped;
  empty means no answer.
- ``single_choice``: exactly one of the options, as written.
- ``multi_choice``: a list of distinct options; empty means no answer.
- ``scale``: an integer between the bounds (inclusive).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from peerpear.models import Question, QuestionType
from peerpear.registrations.schemas import MAX_TEXT_ANSWER
from peerpear.schemas_common import WHITESPACE


class InvalidAnswer(ValueError):
    """The value does not fit the question; the message says why, for people."""


def clean_answer(question: Question, value: Any) -> Any:
    """The value as stored, or None for "no answer"; InvalidAnswer when it does not fit."""
    if value is None:
        return None
    kind = question.type
    if kind is QuestionType.TEXT:
        if not isinstance(value, str):
            raise InvalidAnswer("a text question takes a string")
        # The API's schema bounds the length too; a CSV import has no schema in front of it.
        text = value.strip(WHITESPACE)
        if len(text) > MAX_TEXT_ANSWER:
            raise InvalidAnswer(f"longer than {MAX_TEXT_ANSWER} characters")
        return text or None
    if kind is QuestionType.SINGLE_CHOICE:
        if not isinstance(value, str):
            raise InvalidAnswer("a single-choice question takes one option, as a string")
        if value == "":
            return None
        _check_options(question, [value])
        return value
    if kind is QuestionType.MULTI_CHOICE:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidAnswer("a multiple-choice question takes a list of options")
        if len(set(value)) != len(value):
            raise InvalidAnswer("an option is picked twice")
        _check_options(question, value)
        return list(value) or None
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidAnswer("a scale question takes an integer")
    low, high = question.scale_min, question.scale_max
    if low is not None and high is not None and not low <= value <= high:
        raise InvalidAnswer(f"must be between {low} and {high}")
    return value


def _check_options(question: Question, picks: list[str]) -> None:
    options = question.options or []
    unknown = [pick for pick in picks if pick not in options]
    if unknown:
        shown = ", ".join(repr(o) for o in options[:10]) + (", ..." if len(options) > 10 else "")
        raise InvalidAnswer(f"{unknown[0]!r} is not one of the options ({shown})")


def missing_required(questions: Iterable[Question], answered: Iterable[int]) -> list[int]:
    """The ids of required questions without an answer, in questionnaire order."""
    done = set(answered)
    ordered = sorted(questions, key=lambda q: (q.position, q.id))
    return [q.id for q in ordered if q.required and q.id not in done]


def answers_by_key(values: Mapping[int, Any]) -> dict[str, Any]:
    """Answers keyed as the API shows them: the question id as a string."""
    return {str(question_id): value for question_id, value in sorted(values.items())}

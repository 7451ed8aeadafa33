"""The questionnaire as an HTML form: reading what a browser posts into the API's answers body,
and the answers service's refusals back into one message per question.

One field per question, named ``q<id>``: text and single choice post a string (empty: no
answer), multiple choice posts its checked options (none: no answer), a scale posts a number.
The whole questionnaire is posted each time, so a field left empty clears that answer, as
``null`` does in the API. What a value may be is decided only by the answers service.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import ValidationError

from peerpear.models import Question, QuestionType
from peerpear.registrations.schemas import AnswersIn
from peerpear.web.text import sentence

# The schema refuses only extremes (a text longer than the API takes, a NUL character, a number
# far outside any scale); the service explains everything else per question.
SCHEMA_REFUSED = "This answer cannot be saved: it is too long or has characters it may not have."


class PostedForm(Protocol):
    """What is read of a posted form (Starlette's ``FormData``; kept structural so this module
    stays free of the web framework, like every non-edge module)."""

    def getlist(self, key: str) -> list[Any]: ...


def field_name(question: Question) -> str:
    return f"q{question.id}"


def ordered(questions: list[Question]) -> list[Question]:
    return sorted(questions, key=lambda q: (q.position, q.id))


def typed_values(questions: list[Question], form: PostedForm) -> dict[int, Any]:
    """What the person typed, per question, as the form shows it again (strings, or a list of
    strings for multiple choice)."""
    values: dict[int, Any] = {}
    for question in questions:
        name = field_name(question)
        posted = [str(v) for v in form.getlist(name)]
        if question.type is QuestionType.MULTI_CHOICE:
            values[question.id] = posted
        else:
            values[question.id] = posted[0] if posted else ""
    return values


def _as_answer(question: Question, typed: Any) -> Any:
    """The API's value for a typed one: None for "no answer"; a scale's digits as an integer
    (anything else is passed on as typed, for the service to refuse with its reason)."""
    if question.type is QuestionType.MULTI_CHOICE:
        return typed or None
    if typed.strip() == "":
        return None
    if question.type is QuestionType.SCALE:
        try:
            return int(typed.strip())
        except ValueError:
            return typed
    return typed


def answers_body(questions: list[Question], typed: dict[int, Any]) -> AnswersIn | dict[int, str]:
    """The API's answers body for the typed values, or the schema's refusals per question."""
    sent = {str(q.id): _as_answer(q, typed[q.id]) for q in questions}
    try:
        return AnswersIn.model_validate({"answers": sent})
    except ValidationError as invalid:
        errors: dict[int, str] = {}
        for error in invalid.errors():
            loc = error["loc"]
            if len(loc) > 1 and loc[0] == "answers" and str(loc[1]).isdigit():
                errors.setdefault(int(loc[1]), SCHEMA_REFUSED)
        return errors or {questions[0].id: SCHEMA_REFUSED}


def service_errors(details: Any) -> dict[int, str]:
    """The answers service's 422 details (one per failing question) as messages by question."""
    errors: dict[int, str] = {}
    for item in details if isinstance(details, list) else []:
        if isinstance(item, dict) and isinstance(item.get("question_id"), int):
            errors.setdefault(item["question_id"], sentence(str(item.get("msg", "not valid"))))
    return errors


def stored_as_typed(questions: list[Question], answers: dict[str, Any]) -> dict[int, Any]:
    """Saved answers (the API's shape, keyed by id as a string) as the form shows them."""
    values: dict[int, Any] = {}
    for question in questions:
        value = answers.get(str(question.id))
        if question.type is QuestionType.MULTI_CHOICE:
            values[question.id] = list(value or [])
        else:
            values[question.id] = "" if value is None else str(value)
    return values

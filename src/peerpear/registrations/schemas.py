"""Request and response bodies for registrations, answers, avoid lists, pair rules and the
report of a CSV import.

Answers travel as one JSON object keyed by question id (``{"12": "Tea", "13": ["A", "B"]}``):
each question appears at most once by construction, which a list could not promise. A value's
shape follows the question's type (text and single choice: a string; multiple choice: a list of
strings; scale: an integer); which type each question has is only known to the server, so a
value of the wrong shape for its question is refused there (422, per question).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints
from pydantic.types import StrictInt

from peerpear.models import RegistrationRole, SummaryStatus
from peerpear.organizations.schemas import EmailText
from peerpear.questionnaires.schemas import MAX_OPTIONS, MAX_QUESTIONS
from peerpear.schemas_common import NO_NUL_PATTERN, DbIdField, InputModel

MAX_TEXT_ANSWER = 5000
MAX_AVOID = 10
MAX_RULES = 500

QuestionKey = Annotated[
    str,
    StringConstraints(pattern=r"^[1-9][0-9]{0,9}$"),
]
AnswerText = Annotated[str, StringConstraints(max_length=MAX_TEXT_ANSWER, pattern=NO_NUL_PATTERN)]
Pick = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL_PATTERN)]
Picks = Annotated[list[Pick], Field(max_length=MAX_OPTIONS)]


def _integral(value: object) -> object:
    # JSON Schema's "integer" includes 3.0; a boolean stays refused (StrictInt).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


ScaleValue = Annotated[StrictInt, BeforeValidator(_integral), Field(ge=-1000, le=1000)]
AnswerValue = AnswerText | Picks | ScaleValue


class AnswersIn(InputModel):
    """Answers to set, by question id. A question left out keeps its answer; ``null`` (or an
    empty text or list) clears it. Every value is checked against its question (the type, the
    options, the scale's bounds); if any fails, nothing is saved and the 422 lists each failing
    question."""

    answers: Annotated[
        dict[QuestionKey, AnswerValue | None],
        Field(
            max_length=MAX_QUESTIONS,
            description="Question id → answer: a string (text, single choice), a list of "
            "strings (multiple choice), an integer (scale), or null to clear.",
            # Keys other than question ids are refused; without this the schema would allow
            # them (patternProperties alone only describes the keys that match).
            json_schema_extra={"additionalProperties": False},
        ),
    ]


class AnswersOut(BaseModel):
    registration_id: int
    is_complete: bool = Field(description="Every required question has an answer.")
    missing_required: list[int] = Field(description="Required questions not answered yet.")
    answers: dict[str, AnswerValue] = Field(description="Question id → answer.")


class RegistrationIn(InputModel):
    """Registering for an event with a role scheme takes a role: ``big``, ``little`` or
    ``either`` (the default) for big/little events, ``mentor`` or ``mentee`` (required) for
    mentoring ones; events without roles take none."""

    role: RegistrationRole | None = None


class RegistrationOut(BaseModel):
    id: int
    event_id: int
    user_id: int
    role: RegistrationRole | None
    is_complete: bool
    missing_required: list[int] = Field(description="Required questions not answered yet.")
    created_at: datetime
    updated_at: datetime


class Person(BaseModel):
    user_id: int
    email: str
    first_name: str
    last_name: str


class AvoidIn(InputModel):
    """The whole list (it replaces the previous one): addresses of people registered for the
    event whom you would rather not be grouped with. Only the event's admins learn that such
    requests exist, as a count; nobody learns who asked."""

    emails: Annotated[list[EmailText], Field(max_length=MAX_AVOID)]


class AvoidOut(BaseModel):
    people: list[Person]
    max_people: int = MAX_AVOID


class RegistrationAdminOut(BaseModel):
    id: int
    event_id: int
    user: Person
    role: RegistrationRole | None
    is_complete: bool
    created_at: datetime
    updated_at: datetime
    answers: dict[str, AnswerValue] = Field(description="Question id → answer.")
    summary: str | None = Field(
        description="A short summary of the answers for the organizers (made in the "
        "background once the answers are complete; extractive when no LLM is configured)."
    )
    summary_status: SummaryStatus | None = Field(
        description="pending (being made), ready, or failed (the LLM call failed; `summary` "
        "keeps the previous or an extractive one); null: never requested."
    )


class SummariesRequested(BaseModel):
    requested: int = Field(description="Registrations whose summary is now being (re)made.")


class RegistrationPatch(InputModel):
    role: RegistrationRole = Field(description="Must be one of the event's role scheme.")


UserPair = Annotated[
    list[DbIdField],
    Field(min_length=2, max_length=2, description="Two user ids of registered participants."),
]


class PairRulesIn(InputModel):
    """The event's whole rule set (it replaces the previous one). Every id must be a registered
    participant; a pair is never both must-pair and never-pair, and nobody is paired with
    themself. Order inside a pair, and repeats, do not matter."""

    must_pair: Annotated[list[UserPair], Field(max_length=MAX_RULES)] = []
    never_pair: Annotated[list[UserPair], Field(max_length=MAX_RULES)] = []


class PairRuleOut(BaseModel):
    users: list[Person] = Field(description="The two people, by user id.")


class PairRulesOut(BaseModel):
    must_pair: list[PairRuleOut]
    never_pair: list[PairRuleOut]
    avoid_requests: int = Field(
        description="How many private 'please don't group me with' requests participants made "
        "(the engine keeps them apart; who asked is never shown)."
    )


ColumnUse = Literal["email", "name", "role", "question", "ignored"]
RowResult = Literal["created", "updated", "rejected"]


class ImportColumn(BaseModel):
    header: str
    use: ColumnUse
    question_id: int | None = Field(
        description="The question the column answers; null for other columns and for questions "
        "a dry run would create."
    )
    detail: str = Field(description="How the column was recognized, or why it is ignored.")


class ImportRow(BaseModel):
    row: int = Field(description="The row's number in a spreadsheet (the header is row 1).")
    email: str = Field(description="The address as stored, or as given when it is refused.")
    result: RowResult
    reason: str | None = Field(description="Why the row is rejected; null otherwise.")


class ImportReport(BaseModel):
    """What an import did (or, for a dry run, would do): the same report either way."""

    dry_run: bool
    rows: int = Field(description="Rows of responses in the file (the header not counted).")
    accepted: int
    rejected: int
    registrations_created: int
    registrations_updated: int
    accounts_created: int = Field(description="Invitation accounts made for new addresses.")
    members_added: int = Field(
        description="People made members of the organization (members-only events only)."
    )
    questions_created: list[str] = Field(
        description="Prompts of the questions created from the header (an event without any)."
    )
    columns: list[ImportColumn]
    row_results: list[ImportRow]

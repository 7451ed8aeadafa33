"""The response of an event's analytics (``GET /events/{id}/analytics``): totals, registrations
per day, the role balance and a summary of the answers to each question.

Every question has the same fields whatever its type, so a client reads one shape; the fields
that do not apply to a question's type are null (and say so below).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from peerpear.models import QuestionType, RegistrationRole


class DayCount(BaseModel):
    date: dt.date = Field(description="A UTC day on which at least one person registered.")
    count: int = Field(description="Registrations made that day.")
    cumulative: int = Field(description="Registrations made up to and including that day.")


class RoleCount(BaseModel):
    role: RegistrationRole
    count: int


class OptionCount(BaseModel):
    option: str
    count: int = Field(description="Registrations that picked this option.")


class ScaleCount(BaseModel):
    value: int
    count: int = Field(description="Registrations that answered this value.")


class WordCount(BaseModel):
    word: str
    count: int = Field(description="Occurrences of the word across all the answers.")


class QuestionAnalytics(BaseModel):
    question_id: int
    prompt: str
    type: QuestionType
    answered: int = Field(description="Registrations with an answer to this question.")
    response_rate: float = Field(
        ge=0,
        le=1,
        description="answered / registrations; 0.0 when the event has no registrations.",
    )
    options: list[OptionCount] | None = Field(
        description="Choice questions: every option in the question's order, with how many "
        "registrations picked it (zeros included; a multiple-choice answer counts each of its "
        "picks). Null for scale and text questions."
    )
    histogram: list[ScaleCount] | None = Field(
        description="Scale questions: every integer from scale_min to scale_max with how many "
        "registrations answered it (zeros included). Null for other types."
    )
    mean: float | None = Field(
        description="Scale questions: the mean of the answers; null when nobody answered, and "
        "for other types."
    )
    top_words: list[WordCount] | None = Field(
        description="Text questions: at most 10 words, most frequent first (ties "
        "alphabetically): lower-cased words of three or more letters, English stop words left "
        "out. Null for other types."
    )


class EventAnalytics(BaseModel):
    event_id: int
    registrations: int = Field(description="Registrations for the event.")
    complete: int = Field(description="Registrations with every required question answered.")
    registrations_over_time: list[DayCount] = Field(
        description="Per UTC day with at least one registration, oldest first (from each "
        "registration's creation; withdrawn registrations are not counted)."
    )
    roles: list[RoleCount] = Field(
        description="For events with a role scheme, every role of the scheme in a fixed order "
        "(big, little, either; mentor, mentee) with its count, zeros included; empty for events "
        "without roles."
    )
    questions: list[QuestionAnalytics] = Field(
        description="One per question, in questionnaire order."
    )

"""Request and response bodies for questions.

A question body is one of three shapes, told apart by ``type`` (a discriminated union, so the
OpenAPI schema states which fields each type takes): text; single or multiple choice with
``options``; scale with ``scale_min`` < ``scale_max``. Two rules JSON Schema cannot state are
in the descriptions and checked here: a scale's minimum is below its maximum. Options are sent
trimmed and distinct, which the schema does state (a pattern and ``uniqueItems``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from peerpear.models import QuestionMode, QuestionType
from peerpear.schemas_common import (
    NUL_MESSAGE,
    STRIPPED_PATTERN,
    DbIdField,
    InputModel,
    TrimmedText,
)

MAX_QUESTIONS = 200
MAX_OPTIONS = 50

Prompt = Annotated[str, TrimmedText(min_length=1, max_length=2000)]
HelpText = Annotated[str, TrimmedText(max_length=2000)]
OptionText = Annotated[str, StringConstraints(max_length=200, pattern=STRIPPED_PATTERN)]
Options = Annotated[
    list[OptionText],
    Field(
        min_length=1,
        max_length=MAX_OPTIONS,
        json_schema_extra={"uniqueItems": True},
        description=f"1 to {MAX_OPTIONS} distinct choices, each without surrounding whitespace.",
    ),
]
ScaleBound = Annotated[int, Field(ge=-1000, le=1000)]
Weight = Annotated[
    float,
    Field(ge=0, le=100, allow_inf_nan=False, description="Matching weight; 0 ignores it."),
]


def _refuse_nul(value: object) -> object:
    texts = value if isinstance(value, list) else [value]
    if any(isinstance(text, str) and "\x00" in text for text in texts):
        raise ValueError(NUL_MESSAGE)
    return value


def unique_options(options: list[str]) -> list[str]:
    # Exactly what the schema's uniqueItems states (options are compared as sent: answers must
    # match them exactly, so no trimming or case folding happens behind the client's back).
    seen: set[str] = set()
    for option in options:
        if option in seen:
            raise ValueError(f"options must be distinct; {option!r} is repeated")
        seen.add(option)
    return options


def ordered_bounds(low: int | None, high: int | None) -> None:
    if low is not None and high is not None and low >= high:
        raise ValueError(f"scale_min ({low}) must be below scale_max ({high})")


class _QuestionIn(InputModel):
    # InputModel refuses NUL with a "before" validator on every field, which pydantic does not
    # allow on the discriminator ``type``; it is a literal, so a NUL cannot pass it anyway.
    @field_validator("prompt", "help_text", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        return _refuse_nul(value)

    prompt: Prompt
    help_text: HelpText = ""
    required: bool = True
    weight: Weight = 1.0
    mode: QuestionMode = QuestionMode.SIMILAR


class TextQuestionIn(_QuestionIn):
    type: Literal[QuestionType.TEXT]


class ChoiceQuestionIn(_QuestionIn):
    type: Literal[QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE]
    options: Options

    @field_validator("options", mode="before")
    @classmethod
    def _no_nul_in_options(cls, value: object) -> object:
        return _refuse_nul(value)

    @field_validator("options")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return unique_options(value)


class ScaleQuestionIn(_QuestionIn):
    type: Literal[QuestionType.SCALE]
    scale_min: ScaleBound = Field(description="The lowest answer; below `scale_max`.")
    scale_max: ScaleBound = Field(description="The highest answer; above `scale_min`.")

    @model_validator(mode="after")
    def _ordered(self) -> ScaleQuestionIn:
        ordered_bounds(self.scale_min, self.scale_max)
        return self


QuestionIn = Annotated[
    TextQuestionIn | ChoiceQuestionIn | ScaleQuestionIn, Field(discriminator="type")
]


class QuestionUpdate(InputModel):
    """Fields to change; omitted fields stay. Everything but ``weight`` and ``mode`` is frozen
    once the event has been opened (409); those two stay editable until it is published. The
    result must be a valid question of its (new) type: changing to a choice type needs
    ``options``, to a scale ``scale_min`` and ``scale_max``."""

    prompt: Prompt | SkipJsonSchema[None] = None
    help_text: HelpText | SkipJsonSchema[None] = None
    type: QuestionType | SkipJsonSchema[None] = None
    options: Options | SkipJsonSchema[None] = None
    scale_min: ScaleBound | SkipJsonSchema[None] = None
    scale_max: ScaleBound | SkipJsonSchema[None] = None
    required: bool | SkipJsonSchema[None] = None
    weight: Weight | SkipJsonSchema[None] = None
    mode: QuestionMode | SkipJsonSchema[None] = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep it")
        return value

    @field_validator("options")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return unique_options(value)


class QuestionOrder(InputModel):
    question_ids: Annotated[
        list[DbIdField],
        Field(
            max_length=MAX_QUESTIONS,
            json_schema_extra={"uniqueItems": True},
            description="Every question of the event, each once, in the new order.",
        ),
    ]


class QuestionCopy(InputModel):
    from_event_id: DbIdField = Field(
        description="An earlier event of the same organization whose questions are appended."
    )


class QuestionOut(BaseModel):
    id: int
    event_id: int
    position: int
    prompt: str
    help_text: str
    type: QuestionType
    options: list[str] | None
    scale_min: int | None
    scale_max: int | None
    required: bool
    weight: float | None = Field(description="Admins only; null for everyone else.")
    mode: QuestionMode | None = Field(description="Admins only; null for everyone else.")

"""What an admin may set for a pairing run, and how it becomes the engine's settings.

Left out, a setting follows the event: the mode from its role scheme (big/little, mentoring,
else pairs for groups of two and groups otherwise) and the group size from its default.

``no_isolation`` rules name an option of a choice question: a group then has nobody who chose
it or at least two (no lone artist). The engine reads such rules from each participant's
``attributes``; the snapshot gives every participant one attribute per rule
(``no_isolation_attribute``), "yes" when their answer holds the option.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from peerpear.models import Event, Question, QuestionMode, QuestionType, RoleScheme
from peerpear.registrations.schemas import Pick, QuestionKey
from peerpear.schemas_common import DbIdField, InputModel

Mode = Literal["pairs", "groups", "big_little", "mentor"]
Size = Annotated[int, Field(ge=2, le=50)]
MAX_TIME_LIMIT_S = 600.0


class QuestionOverride(InputModel):
    weight: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    mode: QuestionMode | None = None


class NoIsolationRule(InputModel):
    question_id: DbIdField = Field(description="A single or multiple choice question.")
    option: Pick = Field(description="One of its options.")


MAX_NO_ISOLATION = 20
CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE})


class RunParameters(InputModel):
    """A run's settings; everything is optional (see each field for its default)."""

    strategy: Literal["optimizer", "llm"] = Field(
        default="optimizer",
        description="optimizer: the engine groups (the default); llm: the language model "
        "proposes the groups and the engine repairs them, reporting what it repaired (needs a "
        "configured model; at most 300 people).",
    )

    mode: Mode | None = Field(
        default=None,
        description="Default: big_little or mentor for events with that role scheme; else "
        "pairs when the event's group size is 2, groups otherwise.",
    )
    group_size: Size | None = Field(default=None, description="Default: the event's.")
    min_size: Size | None = Field(default=None, description="With max_size: any size between.")
    max_size: Size | None = None
    capacity: Annotated[int, Field(ge=1, le=50)] | None = Field(
        default=None, description="Mentees per mentor (mentor mode; default 1)."
    )
    objective: Literal["fair", "total"] = Field(
        default="fair",
        description="fair: protect the worst-off first (the default); total: the highest mean.",
    )
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    time_limit_s: Annotated[float, Field(gt=0, le=MAX_TIME_LIMIT_S, allow_inf_nan=False)] | None = (
        Field(default=None, description="Default: 2 s plus 1 s per 1,000 people, at most 10 s.")
    )
    history_penalty: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] | None = Field(
        default=None,
        description="How much pairing people who were grouped in the organization's earlier "
        "published events costs (default 0.5; 0 ignores history).",
    )
    use_profile: bool = Field(
        default=True,
        description="Also match on profiles: hobbies, major and bio, with small weights.",
    )
    questions: Annotated[
        dict[QuestionKey, QuestionOverride],
        Field(
            max_length=200,
            description="Question id → weight and/or mode for this run (the event's otherwise).",
            json_schema_extra={"additionalProperties": False},
        ),
    ] = {}

    no_isolation: Annotated[list[NoIsolationRule], Field(max_length=MAX_NO_ISOLATION)] = Field(
        default=[],
        description="No one isolated: each group has nobody whose answer to the question holds "
        "the option, or at least two such people.",
    )

    @model_validator(mode="after")
    def _sizes(self) -> RunParameters:
        low, high = self.min_size, self.max_size
        if low is not None and high is not None and low > high:
            raise ValueError(f"min_size ({low}) must not exceed max_size ({high})")
        return self


def default_mode(event: Event) -> Mode:
    if event.role_scheme is RoleScheme.BIG_LITTLE:
        return "big_little"
    if event.role_scheme is RoleScheme.MENTOR:
        return "mentor"
    return "pairs" if event.default_group_size == 2 else "groups"


def engine_settings(event: Event, params: RunParameters) -> dict[str, Any]:
    """The engine's ``settings`` object for ``params`` on ``event`` (rules are added later)."""
    mode = params.mode or default_mode(event)
    settings: dict[str, Any] = {
        "mode": mode,
        "objective": params.objective,
        "seed": params.seed,
    }
    if params.min_size is not None or params.max_size is not None:
        settings["min_size"], settings["max_size"] = params.min_size, params.max_size
    if (params.min_size is None and params.max_size is None) or params.group_size is not None:
        settings["group_size"] = params.group_size or event.default_group_size
    if mode == "mentor":
        settings["capacity"] = params.capacity or 1
    if params.time_limit_s is not None:
        settings["time_limit_s"] = params.time_limit_s
    if params.history_penalty is not None:
        settings["history_penalty"] = params.history_penalty
    return {k: v for k, v in settings.items() if v is not None}


def no_isolation_attribute(rule: NoIsolationRule) -> str:
    """The participant attribute (value "yes") that the engine's rule for ``rule`` reads."""
    return f"q{rule.question_id}:{rule.option}"


def holds(value: Any, option: str) -> bool:
    """Whether a stored choice answer holds ``option``."""
    return option in value if isinstance(value, list) else value == option


def unknown_to_event(params: RunParameters, questions: list[Question]) -> list[dict[str, Any]]:
    """What in ``params`` names no question or option of the event: validation details
    (``loc``, ``msg``, ``type``), empty when everything is known."""
    by_id = {q.id: q for q in questions}
    found: list[dict[str, Any]] = []

    def problem(loc: list[str | int], msg: str) -> None:
        found.append({"loc": ["body", *loc], "msg": msg, "type": "value_error"})

    for key in params.questions:
        if int(key) not in by_id:
            problem(["questions", key], "no such question in this event")
    for n, rule in enumerate(params.no_isolation):
        question = by_id.get(rule.question_id)
        if question is None:
            problem(["no_isolation", n, "question_id"], "no such question in this event")
        elif question.type not in CHOICE_TYPES:
            problem(["no_isolation", n, "question_id"], "not a choice question")
        elif question.options is not None and rule.option not in question.options:
            problem(["no_isolation", n, "option"], "not an option of this question")
    return found

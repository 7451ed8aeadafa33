"""The start form of a pairing run: what a browser posts, read into the API's ``RunParameters``
body, and the refusals (the schema's and the runs service's) back into one message per field.

Fields: ``strategy``, ``mode`` (empty: the event's), ``group_size``, ``min_size``, ``max_size``,
``capacity``, ``objective``, ``seed``, ``time_limit_s``, ``history_penalty`` (empty: the
default), the ``use_profile`` checkbox, per question ``q<id>_weight`` and ``q<id>_mode``
(empty: the question's own) and ``no_isolation`` checkboxes valued ``<question id>:<option>``.
Values go to the schema as typed (it parses "4" as 4 and says why "four" is no number), so
what a value may be is decided only by ``RunParameters`` and the runs service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from peerpear.models import Question
from peerpear.pairing.parameters import CHOICE_TYPES, RunParameters
from peerpear.web.text import readable, sentence

# Plain inputs, in the form's order; empty ones are left out (the parameter's default).
SCALARS = (
    "strategy",
    "mode",
    "group_size",
    "min_size",
    "max_size",
    "capacity",
    "objective",
    "seed",
    "time_limit_s",
    "history_penalty",
)
GENERAL = "form"  # errors that concern no one field
_MAX_VALUE = 100  # longer than any number the schema takes: shown back cut, refused anyway


class PostedForm(Protocol):
    """What is read of a posted form (Starlette's ``FormData``, kept structural so this module
    stays free of the web framework, like every non-edge module)."""

    def get(self, key: str) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


@dataclass
class StartForm:
    """The start form as shown: the values typed, the rules ticked and the errors per field."""

    values: dict[str, str] = field(default_factory=dict)
    no_isolation: set[str] = field(default_factory=set)
    use_profile: bool = True
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")


def weight_field(question: Question) -> str:
    return f"q{question.id}_weight"


def mode_field(question: Question) -> str:
    return f"q{question.id}_mode"


def rule_value(question: Question, option: str) -> str:
    return f"{question.id}:{option}"


def choice_questions(questions: list[Question]) -> list[Question]:
    """The questions a no-isolation rule may name."""
    return [q for q in questions if q.type in CHOICE_TYPES and q.options]


def questions_set(start: StartForm, questions: list[Question]) -> bool:
    """Whether a question's weight or mode was set (or refused): its part of the form opens."""
    names = [f(q) for q in questions for f in (weight_field, mode_field)]
    return any(start.value(name) or name in start.errors for name in names)


def initial() -> StartForm:
    """The form before anything is typed: the schema's defaults."""
    return StartForm(values={"strategy": "optimizer", "objective": "fair", "seed": "0"})


def from_parameters(params: RunParameters, questions: list[Question]) -> StartForm:
    """The form filled with ``params`` (a suggestion to review before starting)."""
    dumped = params.model_dump(mode="json")
    values = {name: "" if dumped[name] is None else str(dumped[name]) for name in SCALARS}
    by_id = {q.id: q for q in questions}
    for key, override in params.questions.items():
        question = by_id.get(int(key))
        if question is None:
            continue
        if override.weight is not None:
            values[weight_field(question)] = f"{override.weight:g}"
        if override.mode is not None:
            values[mode_field(question)] = override.mode.value
    rules = {f"{rule.question_id}:{rule.option}" for rule in params.no_isolation}
    return StartForm(values=values, no_isolation=rules, use_profile=params.use_profile)


def read(form: PostedForm, questions: list[Question]) -> StartForm:
    """What was posted, as typed (trimmed), to validate and to show again."""
    names = [*SCALARS, *(f(q) for q in questions for f in (weight_field, mode_field))]
    values = {name: str(form.get(name) or "").strip()[:_MAX_VALUE] for name in names}
    return StartForm(
        values=values,
        no_isolation={str(v) for v in form.getlist("no_isolation")},
        use_profile=form.get("use_profile") is not None,
    )


def _body(start: StartForm, questions: list[Question]) -> dict[str, Any]:
    body: dict[str, Any] = {n: start.values[n] for n in SCALARS if start.values.get(n)}
    body["use_profile"] = start.use_profile
    overrides: dict[str, dict[str, str]] = {}
    for question in questions:
        weight, mode = start.value(weight_field(question)), start.value(mode_field(question))
        override = {k: v for k, v in (("weight", weight), ("mode", mode)) if v}
        if override:
            overrides[str(question.id)] = override
    body["questions"] = overrides
    rules = []
    for ticked in sorted(start.no_isolation):
        question_id, _, option = ticked.partition(":")
        rules.append({"question_id": question_id, "option": option})
    body["no_isolation"] = rules
    return body


def field_of(loc: list[Any] | tuple[Any, ...]) -> str:
    """The form field an error's location (the schema's, or the service's ``["body", ...]``)
    is about."""
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"]:
        parts = parts[1:]
    if parts[:1] == ["no_isolation"]:
        return "no_isolation"
    if len(parts) >= 3 and parts[0] == "questions":
        return f"q{parts[1]}_{parts[2]}"
    return parts[0] if parts and parts[0] in SCALARS else GENERAL


def errors_of(details: Any) -> dict[str, str]:
    """The first message per field from validation details (pydantic's, or a service's)."""
    found: dict[str, str] = {}
    for item in details if isinstance(details, list) else []:
        if not isinstance(item, dict):
            continue
        name = field_of(item.get("loc") or ())
        message = sentence(readable(item))
        if name == GENERAL and "min_size" in message.lower():  # the check of the two sizes
            name = "min_size"
        found.setdefault(name, message)
    return found


def parameters(start: StartForm, questions: list[Question]) -> RunParameters | None:
    """The run's parameters, or None with ``start.errors`` set."""
    try:
        return RunParameters.model_validate(_body(start, questions))
    except ValidationError as refused:
        start.errors = errors_of(refused.errors(include_url=False))
        start.errors = start.errors or {GENERAL: "These settings cannot be used."}
        return None


_LABELS = {
    "strategy": "strategy",
    "mode": "mode",
    "group_size": "group size",
    "min_size": "at least",
    "max_size": "at most",
    "capacity": "mentees per mentor",
    "objective": "objective",
    "seed": "seed",
    "time_limit_s": "time limit (s)",
    "history_penalty": "history penalty",
}


def describe(stored: dict[str, Any]) -> str:
    """A run's stored parameters (the defaults left out) in one line for a table."""
    parts = [f"{label} {stored[name]}" for name, label in _LABELS.items() if name in stored]
    if stored.get("use_profile") is False:
        parts.append("profiles ignored")
    if stored.get("questions"):
        count = len(stored["questions"])
        parts.append(f"{count} question setting{'s' if count != 1 else ''}")
    if stored.get("no_isolation"):
        count = len(stored["no_isolation"])
        parts.append(f"{count} no-isolation rule{'s' if count != 1 else ''}")
    return ", ".join(parts) if parts else "the event's defaults"

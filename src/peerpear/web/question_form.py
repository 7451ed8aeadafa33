"""The question builder's form: what a browser posts, read into the API's question bodies
(``QuestionIn`` to add, ``QuestionUpdate`` to edit), and the refusals back into one message
per field.

Options are typed one per line (blank lines skipped, each line trimmed, as the API wants them
sent); the ``required`` checkbox follows a hidden ``0`` so that an unchecked box still says
"not required", while a disabled (locked) one posts nothing and stays as it is. What a value may
be is decided by the schemas and the questionnaire service. Framework-free.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import ValidationError

from peerpear.models import Question, QuestionMode, QuestionType
from peerpear.web.text import readable, sentence

TYPES = (
    (QuestionType.SINGLE_CHOICE.value, "Single choice"),
    (QuestionType.MULTI_CHOICE.value, "Multiple choice"),
    (QuestionType.SCALE.value, "Scale"),
    (QuestionType.TEXT.value, "Text"),
)
TYPE_LABELS = dict(TYPES)
MODES = (
    (QuestionMode.SIMILAR.value, "Similar: pair people who answer alike"),
    (QuestionMode.DIFFERENT.value, "Different: pair people who answer differently"),
)
FIELDS = (
    "prompt", "help_text", "type", "options", "scale_min", "scale_max", "required", "weight",
    "mode",
)  # fmt: skip
# The fields each type takes besides the common ones.
_TYPE_FIELDS = {
    QuestionType.TEXT.value: (),
    QuestionType.SINGLE_CHOICE.value: ("options",),
    QuestionType.MULTI_CHOICE.value: ("options",),
    QuestionType.SCALE.value: ("scale_min", "scale_max"),
}
BLANK = {
    "prompt": "",
    "help_text": "",
    "type": QuestionType.SINGLE_CHOICE.value,
    "options": "",
    "scale_min": "1",
    "scale_max": "5",
    "required": "1",
    "weight": "1",
    "mode": QuestionMode.SIMILAR.value,
}
_MAX_TYPED = 20_000


class PostedForm(Protocol):
    def get(self, key: str) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...

    def __contains__(self, key: object) -> bool: ...


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def values_of(question: Question) -> dict[str, str]:
    """The edit form's values for a stored question."""
    return {
        "prompt": question.prompt,
        "help_text": question.help_text,
        "type": question.type.value,
        "options": "\n".join(question.options or []),
        "scale_min": "" if question.scale_min is None else str(question.scale_min),
        "scale_max": "" if question.scale_max is None else str(question.scale_max),
        "required": "1" if question.required else "",
        "weight": _number(question.weight),
        "mode": question.mode.value,
    }


def read(form: PostedForm) -> dict[str, str]:
    """What was typed, per posted field (``required``: "1" when checked, "" when not)."""
    typed: dict[str, str] = {}
    for name in FIELDS:
        if name not in form:
            continue
        if name == "required":
            typed[name] = "1" if "1" in [str(v) for v in form.getlist(name)] else ""
        else:
            typed[name] = str(form.get(name) or "")[:_MAX_TYPED]
    return typed


def _options(typed: str) -> list[str]:
    return [line.strip() for line in typed.splitlines() if line.strip()]


def _value(name: str, typed: str) -> Any:
    if name == "options":
        return _options(typed)
    if name == "required":
        return typed == "1"
    return typed.strip() if name in ("scale_min", "scale_max", "weight") else typed


def body(typed: dict[str, str], current_type: str | None = None) -> dict[str, Any]:
    """The API's body for the typed values: the common fields posted, and the fields of the
    question's type (the posted type, else ``current_type``) only, as the schemas take them."""
    kind = typed.get("type", current_type or "")
    wanted = {"prompt", "help_text", "type", "required", "weight", "mode"}
    wanted.update(_TYPE_FIELDS.get(kind, ()))
    return {name: _value(name, value) for name, value in typed.items() if name in wanted}


def errors_of(details: list[dict[str, Any]]) -> dict[str, str]:
    """The first message per field from pydantic-style details (a schema's ``errors()`` or a
    service's ``ValidationFailed.details``); one about no single field goes under "form"."""
    errors: dict[str, str] = {}
    for item in details:
        loc = [str(part) for part in item.get("loc", ())]
        name = next((part for part in loc if part in FIELDS), None)
        if name is None:
            name = "type" if str(item.get("type", "")).startswith("union_tag") else "form"
        errors.setdefault(name, sentence(readable(item)))
    return errors


def schema_errors(invalid: ValidationError) -> dict[str, str]:
    return errors_of([dict(error) for error in invalid.errors()])

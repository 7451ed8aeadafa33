"""How to read a form export: which columns are ids, roles, names, attributes, and questions.

The same options come from `peerpear pair` flags or from a small JSON/TOML file, so they are one
Pydantic model; flags are merged over the file with `CsvOptions.merged_with`.

A config file looks like (TOML; the README documents every key)::

    id_column = "rownames"
    attribute_columns = ["gender"]
    ignore_columns = ["education", "age"]
    delimiter = ";"           # default: detected from the file

    [role_values]             # form labels of the role column, on top of the defaults
    "Big Sib" = "big"

    [questions.A1]            # a header text or the question id derived from it
    type = "scale"
    min = 1
    max = 6
    weight = 2
    mode = "different"

    [settings]                # optional defaults for the problem's settings
    mode = "groups"
    group_size = 4
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from peerpear.engine.errors import EngineError
from peerpear.engine.problem import Role

QuestionKind = Literal["text", "single_choice", "multi_choice", "scale"]
MatchMode = Literal["similar", "different"]
# What sign-up forms call the roles; a config's `role_values` adds to (or overrides) these.
DEFAULT_ROLE_VALUES: dict[str, Role] = {
    "big": "big",
    "big sibling": "big",
    "big sib": "big",
    "little": "little",
    "little sibling": "little",
    "little sib": "little",
    "either": "either",
    "no preference": "either",
    "mentor": "mentor",
    "mentee": "mentee",
}
# Names people type for the delimiter flag.
DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def role_label_key(label: str) -> str:
    """Role labels match case- and space-insensitively: ' Big  SIBLING' is 'big sibling'."""
    return " ".join(label.split()).casefold()


class CsvConfigError(EngineError):
    """A config file or a flag that cannot be used; the message is one line for the CLI."""


class CsvReadError(EngineError):
    """The file cannot become a problem; the message is one line naming the row and column."""


class QuestionOverride(BaseModel):
    """What the admin says about one question; anything left out is inferred from the data."""

    model_config = ConfigDict(extra="forbid")

    type: QuestionKind | None = None
    weight: float | None = Field(default=None, ge=0)
    mode: MatchMode | None = None
    options: list[str] | None = None
    min: float | None = None
    max: float | None = None

    def merged_with(self, other: QuestionOverride) -> QuestionOverride:
        """Fields set in `other` win over ours."""
        return self.model_copy(update=other.model_dump(exclude_none=True))


class CsvOptions(BaseModel):
    """Everything the CSV reader needs to know beyond the file itself."""

    model_config = ConfigDict(extra="forbid")

    id_column: str | None = None
    role_column: str | None = None
    name_column: str | None = None
    attribute_columns: list[str] = Field(default_factory=list)
    ignore_columns: list[str] = Field(default_factory=list)
    # One character; None = detected from the file (a .tsv is tab-separated).
    delimiter: str | None = None
    # Form label -> role, over DEFAULT_ROLE_VALUES; keys are compared by `role_label_key`.
    role_values: dict[str, Role] = Field(default_factory=dict)
    # Keyed by header text or by the slug id the reader derives from it.
    questions: dict[str, QuestionOverride] = Field(default_factory=dict)
    # Defaults for the problem's settings block (mode, group_size, ...); CLI flags win over them.
    settings: dict[str, Any] = Field(default_factory=dict)

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = DELIMITER_NAMES.get(value.casefold(), value)
        if len(value) != 1 or value in '"\r\n':
            raise ValueError(f"the delimiter must be one character (or 'tab'), got {value!r}")
        return value

    def role_map(self) -> dict[str, Role]:
        """Every accepted role label (normalized) and the role it stands for."""
        labels = DEFAULT_ROLE_VALUES | self.role_values
        return {role_label_key(label): role for label, role in labels.items()}

    def merged_with(self, other: CsvOptions) -> CsvOptions:
        """Return these options with `other`'s explicit values on top (lists are added)."""
        questions = dict(self.questions)
        for key, override in other.questions.items():
            questions[key] = questions[key].merged_with(override) if key in questions else override
        return CsvOptions(
            id_column=other.id_column or self.id_column,
            role_column=other.role_column or self.role_column,
            name_column=other.name_column or self.name_column,
            attribute_columns=_unique(self.attribute_columns + other.attribute_columns),
            ignore_columns=_unique(self.ignore_columns + other.ignore_columns),
            delimiter=other.delimiter or self.delimiter,
            role_values={**self.role_values, **other.role_values},
            questions=questions,
            settings={**self.settings, **other.settings},
        )


def load_csv_options(path: Path) -> CsvOptions:
    """Read a `.json` or `.toml` config file into options, with a one-line error when it is bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CsvConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    try:
        raw: Any = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise CsvConfigError(f"config file {path} is not valid {path.suffix[1:]}: {exc}") from exc
    if not isinstance(raw, dict):
        raise CsvConfigError(f"config file {path} must hold an object/table at the top level")
    try:
        return CsvOptions.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CsvConfigError(f"config file {path}: {where}: {first['msg']}") from exc


def parse_assignments(pairs: list[str], flag: str) -> dict[str, str]:
    """Turn repeated `--flag COLUMN=VALUE` values into a dict (the column may contain '=')."""
    parsed: dict[str, str] = {}
    for item in pairs:
        column, sep, value = item.rpartition("=")
        if not sep or not column.strip() or not value.strip():
            raise CsvConfigError(f"{flag} expects COLUMN=VALUE, got {item!r}")
        parsed[column.strip()] = value.strip()
    return parsed


def overrides_from_flags(
    types: list[str], weights: list[str], modes: list[str]
) -> dict[str, QuestionOverride]:
    """Build per-question overrides from `--type`, `--weight` and `--question-mode` flag values."""
    fields: dict[str, dict[str, Any]] = {}
    for flag, values, name in (
        ("--type", types, "type"),
        ("--weight", weights, "weight"),
        ("--question-mode", modes, "mode"),
    ):
        for column, value in parse_assignments(values, flag).items():
            fields.setdefault(column, {})[name] = value
    try:
        return {column: QuestionOverride.model_validate(f) for column, f in fields.items()}
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CsvConfigError(
            f"bad question override {first['loc'][-1]}={first.get('input')!r}: {first['msg']}"
        ) from exc


def options_from_flags(
    columns: dict[str, Any], types: list[str], weights: list[str], modes: list[str]
) -> CsvOptions:
    """Options from `peerpear pair` flags: column flags by field name, then question overrides."""
    questions = overrides_from_flags(types, weights, modes)
    try:
        return CsvOptions.model_validate({**columns, "questions": questions})
    except ValidationError as exc:
        first = exc.errors()[0]
        flag = "--" + str(first["loc"][0]).replace("_", "-")
        raise CsvConfigError(f"{flag}: {first['msg']}") from exc


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))

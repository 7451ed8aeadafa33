"""Read a form export (one row per respondent, a header row of question texts) into a Problem.

Columns are sorted into: the id, an optional role and name, attributes (for "no one isolated"
rules), ignored columns, and questions. A question's type, weight and mode come from the options
when given; otherwise the type is inferred from the answers (see `infer_question`) and the report
says what was guessed so the CLI can show it. Empty cells are missing answers: no signal.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peerpear.engine.csv_config import CsvOptions, QuestionKind, QuestionOverride
from peerpear.engine.errors import EngineError
from peerpear.engine.problem import Problem, parse_problem

# Google Forms puts this first; it is never a matching signal.
AUTO_IGNORED = ("timestamp",)
# Headers taken as the id column when none is named (row numbers are used otherwise).
AUTO_ID_HEADERS = ("id", "participant_id", "email", "email_address", "username", "rownames")
# Inference thresholds: a choice question rarely offers more options, or longer labels; integers
# from 0 to MAX_RATING are a rating scale (1..5, 1..7, 0..10).
MAX_CHOICE_OPTIONS = 15
MAX_OPTION_LENGTH = 60
MAX_RATING = 10
ROLES = ("big", "little", "either", "mentor", "mentee")


class CsvReadError(EngineError):
    """The file cannot become a problem; the message is one line naming the row and column."""


@dataclass(frozen=True)
class ColumnReport:
    """What the reader did with one column, for the CLI's summary."""

    header: str
    use: str  # id | role | name | attribute | ignored | question
    question_id: str | None = None
    type: QuestionKind | None = None
    detail: str = ""
    inferred: bool = False


@dataclass(frozen=True)
class CsvProblem:
    problem: Problem
    columns: list[ColumnReport]


@dataclass(frozen=True)
class Inference:
    type: QuestionKind
    reason: str
    options: list[str] | None = None
    min: float | None = None
    max: float | None = None


def read_csv_problem(path: Path, options: CsvOptions | None = None) -> CsvProblem:
    """Read `path` into a Problem; settings come from `options.settings`."""
    options = options or CsvOptions()
    header, rows = _read_rows(path)
    slugs = _unique_slugs(header)
    index = {name: i for i, name in enumerate(header)} | {s: i for i, s in enumerate(slugs)}
    lower = {name.casefold(): i for i, name in enumerate(header)}

    def column(name: str, what: str) -> int:
        found = index.get(name, lower.get(name.casefold()))
        if found is None:
            shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
            raise CsvReadError(f"{what} {name!r} is not a column of {path.name} ({shown})")
        return found

    id_col = column(options.id_column, "id column") if options.id_column else _auto_id(slugs)
    role_col = column(options.role_column, "role column") if options.role_column else None
    name_col = column(options.name_column, "name column") if options.name_column else None
    attr_cols = [column(name, "attribute column") for name in options.attribute_columns]
    ignored = {column(name, "ignored column") for name in options.ignore_columns}
    ignored |= {i for i, slug in enumerate(slugs) if slug in AUTO_IGNORED}
    special = {id_col, role_col, name_col, *attr_cols}
    overrides: dict[int, QuestionOverride] = {}
    for key, override in options.questions.items():
        overrides[column(key, "question")] = override

    roles = [(id_col, "id"), (role_col, "role"), (name_col, "name")]
    roles += [(c, "attribute") for c in attr_cols] + [(c, "ignored") for c in sorted(ignored)]
    reports = [ColumnReport(header[c], use) for c, use in roles if c is not None]

    questions: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = [{} for _ in rows]
    for col, text in enumerate(header):
        if col in special or col in ignored:
            continue
        cells = [(r, row[col].strip()) for r, row in enumerate(rows) if row[col].strip()]
        values = [value for _, value in cells]
        spec, report = _question_spec(slugs[col], text, values, overrides.get(col))
        questions.append(spec)
        reports.append(report)
        semicolons = _uses_semicolons(values)
        for r, value in cells:
            where = f"row {r + 2}, column {text!r}"
            answers[r][slugs[col]] = _answer(value, spec, where, semicolons)

    participants = []
    for r, row in enumerate(rows):
        participant: dict[str, Any] = {"id": _cell_id(row, r, id_col), "answers": answers[r]}
        if role_col is not None:
            participant["role"] = _role(row[role_col], f"row {r + 2}")
        if name_col is not None and row[name_col].strip():
            participant["name"] = row[name_col].strip()
        attributes = {header[c]: row[c].strip() for c in attr_cols if row[c].strip()}
        if attributes:
            participant["attributes"] = attributes
        participants.append(participant)
    _check_unique_ids([p["id"] for p in participants])

    data = {"questions": questions, "participants": participants, "settings": options.settings}
    return CsvProblem(parse_problem(data), reports)


def infer_question(values: list[str]) -> Inference:
    """Guess a column's type from its non-empty answers: simple rules an admin can predict.

    numbers → scale; separators with recurring pieces → multi choice; few recurring short values
    → single choice; anything else → free text.
    """
    if not values:
        return Inference("text", "no answers in the column")
    numbers = [_number(value) for value in values]
    if all(number is not None for number in numbers):
        return _infer_scale([number for number in numbers if number is not None])
    if any(";" in value or ", " in value for value in values):
        semicolons = _uses_semicolons(values)
        picks = [set(split_choices(value, semicolons)) for value in values]
        if _looks_like_options([pick for row in picks for pick in row]):
            choices = sorted(set().union(*picks))
            sep = "';'" if semicolons else "', '"
            return Inference("multi_choice", f"{sep}-separated picks of {len(choices)}", choices)
    distinct = sorted(set(values))
    if _looks_like_options(values):
        return Inference("single_choice", f"{len(distinct)} distinct values", distinct)
    return Inference("text", f"{len(distinct)} distinct free-text answers")


def split_choices(value: str, semicolons: bool) -> list[str]:
    """Split a checkbox answer: Google Forms joins picks with ', ', other tools with ';'."""
    return [piece for piece in re.split(r"\s*;\s*" if semicolons else r"\s*,\s*", value) if piece]


def _uses_semicolons(values: list[str]) -> bool:
    # One separator per column: once a ';' appears, commas belong to the option labels.
    return any(";" in value for value in values)


def _infer_scale(numbers: list[float]) -> Inference:
    low, high = min(numbers), max(numbers)
    if all(n.is_integer() for n in numbers) and low >= 0 and high <= MAX_RATING:
        # Rating scales start at 1 (or 0): a sample that never used the bottom point must not
        # shrink the range, or two neighbours would look further apart than they are.
        start = min(low, 1.0)
        reason = f"small integers {_fmt(low)}..{_fmt(high)}"
        return Inference("scale", reason, None, start, max(high, start + 1))
    # Other numbers (years, ages, hours) still compare best by distance, over the data's range.
    return Inference("scale", f"numbers {_fmt(low)}..{_fmt(high)}", None, low, max(high, low + 1))


def _looks_like_options(items: list[str]) -> bool:
    """Few short labels that recur: what a form's option list produces."""
    counts = Counter(items)
    if not counts or len(counts) > MAX_CHOICE_OPTIONS:
        return False
    if any(len(item) > MAX_OPTION_LENGTH for item in counts):
        return False
    recurring = sum(1 for count in counts.values() if count >= 2)
    # Half the labels recurring tells an option list from short sentences.
    return len(counts) == 1 or recurring * 2 >= len(counts)


def _question_spec(
    qid: str, header: str, values: list[str], override: QuestionOverride | None
) -> tuple[dict[str, Any], ColumnReport]:
    override = override or QuestionOverride()
    guess = infer_question(values)
    kind = override.type or guess.type
    spec: dict[str, Any] = {"id": qid, "type": kind, "prompt": header}
    if kind in ("single_choice", "multi_choice"):
        if override.options is not None:
            spec["options"] = override.options
        elif kind == guess.type:
            spec["options"] = guess.options
        else:  # the admin chose a choice type the data did not suggest: take the options as seen
            spec["options"] = _observed_options(values, kind)
    elif kind == "scale":
        if guess.type != "scale":  # the admin says scale: take the range of the numbers given,
            numbers = [n for n in map(_number, values) if n is not None]  # flag the rest per cell
            guess = _infer_scale(numbers) if numbers else guess
        low = override.min if override.min is not None else guess.min
        high = override.max if override.max is not None else guess.max
        if low is None or high is None:
            raise CsvReadError(f"column {header!r}: a scale needs numbers or min and max given")
        spec["min"], spec["max"] = low, max(high, low)
    if override.weight is not None:
        spec["weight"] = override.weight
    if override.mode is not None:
        spec["mode"] = override.mode
    inferred = override.type is None
    detail = guess.reason if inferred else "given"
    scale_range = f"{_fmt(spec['min'])}..{_fmt(spec['max'])}" if kind == "scale" else ""
    if scale_range and scale_range not in detail:  # say the range when it is not the data's
        detail += f"; range {scale_range}"
    report = ColumnReport(header, "question", qid, kind, detail, inferred)
    return spec, report


def _observed_options(values: list[str], kind: str) -> list[str]:
    if kind == "multi_choice":
        semicolons = _uses_semicolons(values)
        return sorted({pick for value in values for pick in split_choices(value, semicolons)})
    return sorted(set(values))


def _answer(value: str, spec: dict[str, Any], where: str, semicolons: bool) -> Any:
    kind = spec["type"]
    if kind == "scale":
        number = _number(value)
        if number is None:
            raise CsvReadError(f"{where}: {value!r} is not a number (question is a scale)")
        if not spec["min"] <= number <= spec["max"]:
            bounds = f"{_fmt(spec['min'])}..{_fmt(spec['max'])}"
            raise CsvReadError(f"{where}: {_fmt(number)} is outside the scale {bounds}")
        return int(number) if number.is_integer() else number
    if kind == "multi_choice":
        picks = list(dict.fromkeys(split_choices(value, semicolons)))
        _check_options(picks, spec, where)
        return picks
    if kind == "single_choice":
        _check_options([value], spec, where)
    return value


def _check_options(picks: list[str], spec: dict[str, Any], where: str) -> None:
    unknown = [pick for pick in picks if pick not in spec["options"]]
    if unknown:
        raise CsvReadError(f"{where}: {unknown[0]!r} is not one of the options of {spec['id']!r}")


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        # utf-8-sig: spreadsheet exports often start with a byte-order mark.
        with path.open(newline="", encoding="utf-8-sig") as handle:
            table = list(csv.reader(handle, delimiter="\t" if path.suffix == ".tsv" else ","))
    except OSError as exc:
        raise CsvReadError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CsvReadError(f"{path.name} is not a readable UTF-8 CSV file: {exc}") from exc
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise CsvReadError(f"{path.name} is empty")
    header = [cell.strip() for cell in table[0]]
    for number, row in enumerate(table[1:], start=2):
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            raise CsvReadError(f"row {number} has {len(row)} cells but the header {len(header)}")
        row.extend([""] * (len(header) - len(row)))
    return header, [row[: len(header)] for row in table[1:]]


def _unique_slugs(header: list[str]) -> list[str]:
    slugs: list[str] = []
    for position, text in enumerate(header, start=1):
        base = re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")[:40].rstrip("_")
        base = base or f"q{position}"
        slug, n = base, 2
        while slug in slugs:
            slug, n = f"{base}_{n}", n + 1
        slugs.append(slug)
    return slugs


def _auto_id(slugs: list[str]) -> int | None:
    return next((i for i, slug in enumerate(slugs) if slug in AUTO_ID_HEADERS), None)


def _cell_id(row: list[str], r: int, id_col: int | None) -> str:
    if id_col is None:
        return f"row{r + 2}"
    value = row[id_col].strip()
    if not value:
        raise CsvReadError(f"row {r + 2}: the id cell is empty")
    return value


def _role(value: str, where: str) -> str:
    role = value.strip().casefold()
    if role not in ROLES:
        raise CsvReadError(f"{where}: role {value!r} is not one of {', '.join(ROLES)}")
    return role


def _check_unique_ids(ids: list[str]) -> None:
    repeated = [pid for pid, count in Counter(ids).items() if count > 1]
    if repeated:
        raise CsvReadError(f"id {repeated[0]!r} appears {ids.count(repeated[0])} times")


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"

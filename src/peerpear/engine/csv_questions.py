"""One CSV column of answers as a question: its type (given or inferred) and its answers.

Inference follows simple rules an admin can predict (see `infer_question`); what was guessed is
returned with the reason so the CLI can show it. Bad cells raise `CsvReadError` naming the row
and the column.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from peerpear.engine.csv_config import CsvReadError, QuestionKind, QuestionOverride

# A choice question rarely offers more options, or longer labels; integers from 0 to MAX_RATING
# are a rating scale (1..5, 1..7, 0..10).
MAX_CHOICE_OPTIONS = 15
MAX_OPTION_LENGTH = 60
MAX_RATING = 10
# An answer this long is prose, not an option label ("Prefer not to say" has 4 words).
PROSE_WORDS = 7
PROSE_LENGTH = 50


@dataclass(frozen=True)
class Inference:
    type: QuestionKind
    reason: str
    options: list[str] | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class QuestionColumn:
    """The question spec (a `Question` as a dict) and how it was decided."""

    spec: dict[str, Any]
    detail: str
    inferred: bool
    semicolons: bool


def infer_question(values: list[str]) -> Inference:
    """Guess a column's type from its non-empty answers.

    numbers → scale; mostly long answers → free text, however few distinct ones there are;
    separators with recurring pieces → multi choice; few recurring short values → single
    choice; anything else → free text.
    """
    if not values:
        return Inference("text", "no answers in the column")
    numbers = [number(value) for value in values]
    if all(n is not None for n in numbers):
        return _infer_scale([n for n in numbers if n is not None])
    distinct = sorted(set(values))
    if any(";" in value or ", " in value for value in values):
        semicolons = uses_semicolons(values)
        picks = [set(split_choices(value, semicolons)) for value in values]
        if _looks_like_options([pick for row in picks for pick in row]):
            choices = sorted(set().union(*picks))
            sep = "';'" if semicolons else "', '"
            return Inference("multi_choice", f"{sep}-separated picks of {len(choices)}", choices)
    if _looks_like_options(values):
        return Inference("single_choice", f"{len(distinct)} distinct values", distinct)
    if _mostly_prose(values):
        words = statistics.median(len(value.split()) for value in values)
        return Inference("text", f"long free-form answers (median {words:g} words)")
    return Inference("text", f"{len(distinct)} distinct free-text answers")


def split_choices(value: str, semicolons: bool) -> list[str]:
    """Split a checkbox answer: Google Forms joins picks with ', ', other tools with ';'."""
    return [piece for piece in re.split(r"\s*;\s*" if semicolons else r"\s*,\s*", value) if piece]


def uses_semicolons(values: list[str]) -> bool:
    # One separator per column: once a ';' appears, commas belong to the option labels.
    return any(";" in value for value in values)


def question_column(
    qid: str, header: str, values: list[str], override: QuestionOverride | None
) -> QuestionColumn:
    """The question for column `header` with answers `values`, the override winning."""
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
            numbers = [n for n in map(number, values) if n is not None]  # flag the rest per cell
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
    scale_range = f"{fmt(spec['min'])}..{fmt(spec['max'])}" if kind == "scale" else ""
    if scale_range and scale_range not in detail:  # say the range when it is not the data's
        detail += f"; range {scale_range}"
    return QuestionColumn(spec, detail, inferred, uses_semicolons(values))


def convert_answer(value: str, column: QuestionColumn, where: str) -> Any:
    """One non-empty cell as the answer its question expects."""
    spec = column.spec
    kind = spec["type"]
    if kind == "scale":
        answer = number(value)
        if answer is None:
            raise CsvReadError(f"{where}: {value!r} is not a number (question is a scale)")
        if not spec["min"] <= answer <= spec["max"]:
            bounds = f"{fmt(spec['min'])}..{fmt(spec['max'])}"
            raise CsvReadError(f"{where}: {fmt(answer)} is outside the scale {bounds}")
        return int(answer) if answer.is_integer() else answer
    if kind == "multi_choice":
        picks = list(dict.fromkeys(split_choices(value, column.semicolons)))
        _check_options(picks, spec, where)
        return picks
    if kind == "single_choice":
        _check_options([value], spec, where)
    return value


def number(value: str) -> float | None:
    try:
        parsed = float(value)
    except ValueError:
        return None
    return parsed if math.isfinite(parsed) else None


def fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _infer_scale(numbers: list[float]) -> Inference:
    low, high = min(numbers), max(numbers)
    if all(n.is_integer() for n in numbers) and low >= 0 and high <= MAX_RATING:
        # Rating scales start at 1 (or 0): a sample that never used the bottom point must not
        # shrink the range, or two neighbours would look further apart than they are.
        start = min(low, 1.0)
        reason = f"small integers {fmt(low)}..{fmt(high)}"
        return Inference("scale", reason, None, start, max(high, start + 1))
    # Other numbers (years, ages, hours) still compare best by distance, over the data's range.
    return Inference("scale", f"numbers {fmt(low)}..{fmt(high)}", None, low, max(high, low + 1))


def _is_prose(item: str) -> bool:
    return len(item) > PROSE_LENGTH or len(item.split()) >= PROSE_WORDS


def _mostly_prose(items: list[str]) -> bool:
    return sum(1 for item in items if _is_prose(item)) * 2 >= len(items)


def _looks_like_options(items: list[str]) -> bool:
    """Few short labels that recur: what a form's option list produces."""
    counts = Counter(items)
    if not counts or len(counts) > MAX_CHOICE_OPTIONS:
        return False
    if any(len(item) > MAX_OPTION_LENGTH for item in counts) or _mostly_prose(items):
        return False
    recurring = sum(1 for count in counts.values() if count >= 2)
    # Half the labels recurring tells an option list from short sentences.
    return len(counts) == 1 or recurring * 2 >= len(counts)


def _observed_options(values: list[str], kind: str) -> list[str]:
    if kind == "multi_choice":
        semicolons = uses_semicolons(values)
        return sorted({pick for value in values for pick in split_choices(value, semicolons)})
    return sorted(set(values))


def _check_options(picks: list[str], spec: dict[str, Any], where: str) -> None:
    unknown = [pick for pick in picks if pick not in spec["options"]]
    if unknown:
        raise CsvReadError(f"{where}: {unknown[0]!r} is not one of the options of {spec['id']!r}")

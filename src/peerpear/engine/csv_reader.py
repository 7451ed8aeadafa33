"""Read a form export (one row per respondent, a header row of question texts) into a Problem.

Columns are sorted into: the id, an optional role and name, attributes (for "no one isolated"
rules), ignored columns, and questions (typed by `csv_questions`). Where the options say nothing,
the reader recognizes what forms always have: a timestamp (ignored), an id or email header (the
id), a name header (the display name), other name or email columns (kept out of the questions,
unless a question override names them) and, in role modes, the column of role labels. The report
says what was recognized or guessed so the CLI can show it. Empty cells are missing answers.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peerpear.engine.csv_columns import ColumnReport, plan_columns
from peerpear.engine.csv_config import CsvOptions, CsvReadError, role_label_key
from peerpear.engine.csv_questions import convert_answer, question_column
from peerpear.engine.problem import ROLES_BY_MODE, Problem, Role, parse_problem

__all__ = ["ColumnReport", "CsvProblem", "CsvReadError", "read_csv_problem"]

DELIMITERS = ",;\t|"
SNIFF_CHARS = 64 * 1024


@dataclass(frozen=True)
class CsvProblem:
    problem: Problem
    columns: list[ColumnReport]
    delimiter: str
    delimiter_detected: bool


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]  # every row as long as the header
    numbers: list[int]  # each row's row number in a spreadsheet (the header is row 1 or later)
    delimiter: str
    detected: bool
    header_number: int = 1  # the header's row number (blank lines before it are skipped)


def read_csv_problem(path: Path, options: CsvOptions | None = None) -> CsvProblem:
    """Read `path` into a Problem; settings come from `options.settings`."""
    options = options or CsvOptions()
    table = read_table(path, options.delimiter)
    layout = plan_columns(path.name, table.header, table.rows, options)
    rows, numbers = table.rows, table.numbers

    questions: list[dict[str, Any]] = []
    reports = dict(layout.reports)
    answers: list[dict[str, Any]] = [{} for _ in rows]
    for col in layout.questions:
        text, qid = table.header[col], layout.slugs[col]
        cells = [(r, row[col].strip()) for r, row in enumerate(rows) if row[col].strip()]
        values = [value for _, value in cells]
        question = question_column(qid, text, values, layout.overrides.get(col))
        questions.append(question.spec)
        kind = question.spec["type"]
        reports[col] = ColumnReport(text, "question", qid, kind, question.detail, question.inferred)
        for r, value in cells:
            where = f"row {numbers[r]}, column {text!r}"
            answers[r][qid] = convert_answer(value, question, where)

    mode = options.settings.get("mode")
    roles = RoleReader(options.role_map(), mode if isinstance(mode, str) else None)
    participants = []
    for r, row in enumerate(rows):
        pid = _cell_id(row, numbers[r], layout.id)
        participant: dict[str, Any] = {"id": pid, "answers": answers[r]}
        if layout.role is not None:
            role = roles.read(row[layout.role], f"row {numbers[r]}")
            if role is not None:
                participant["role"] = role
        name = " ".join(row[c].strip() for c in layout.name if row[c].strip())
        if name:
            participant["name"] = name
        attributes = {table.header[c]: row[c].strip() for c in layout.attributes if row[c].strip()}
        if attributes:
            participant["attributes"] = attributes
        participants.append(participant)
    _check_unique_ids([p["id"] for p in participants])

    data = {"questions": questions, "participants": participants, "settings": options.settings}
    columns = [reports[col] for col in sorted(reports)]  # in the file's order
    return CsvProblem(parse_problem(data), columns, table.delimiter, table.detected)


class RoleReader:
    """Role cells through the label map; an unknown label names itself and the accepted ones."""

    def __init__(self, labels: dict[str, Role], mode: str | None) -> None:
        self.labels, self.allowed = labels, ROLES_BY_MODE.get(mode or "")
        self.mode = mode
        accepted = [k for k, role in labels.items() if self.allowed is None or role in self.allowed]
        self.accepted = ", ".join(repr(label) for label in sorted(accepted))

    def read(self, value: str, where: str) -> Role | None:
        if not value.strip():
            return None  # no answer: big_little treats it as either, mentor mode refuses it
        role = self.labels.get(role_label_key(value))
        if role is None:
            raise CsvReadError(
                f"{where}: role {value.strip()!r} is not a known role label; accepted: "
                f"{self.accepted} (map other labels with role_values in the config)"
            )
        if self.allowed is not None and role not in self.allowed:
            raise CsvReadError(
                f"{where}: role {value.strip()!r} means {role!r}, which {self.mode} mode does "
                f"not use; accepted: {self.accepted}"
            )
        return role


def read_table(path: Path, delimiter: str | None = None) -> Table:
    """The header and the non-blank rows of the file at `path` (see :func:`parse_table`)."""
    try:
        # utf-8-sig: spreadsheet exports often start with a byte-order mark. Bytes, not
        # read_text: the csv module handles the line endings (also inside quoted cells).
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise CsvReadError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise CsvReadError(f"{path.name} is not a readable UTF-8 CSV file: {exc}") from exc
    return parse_table(text, path.name, delimiter)


def parse_table(text: str, name: str, delimiter: str | None = None) -> Table:
    """The header and the non-blank rows of CSV `text` (from a file called `name`, whose suffix
    says ".tsv" or not), each row checked to have as many cells as the header."""
    detected = delimiter is None
    if delimiter is None:
        delimiter, detected = _detect_delimiter(text[:SNIFF_CHARS], Path(name).suffix)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        records = list(enumerate(reader, start=1))
    except csv.Error as exc:
        raise CsvReadError(f"{name} is not a readable UTF-8 CSV file: {exc}") from exc
    records = [(number, row) for number, row in records if any(cell.strip() for cell in row)]
    if not records:
        raise CsvReadError(f"{name} is empty")
    header = [cell.strip() for cell in records[0][1]]
    rows, numbers = [], []
    for number, row in records[1:]:
        extra = row[len(header) :]
        if len(row) < len(header) or any(cell.strip() for cell in extra):
            raise CsvReadError(
                f"row {number} has {len(row)} cells but the header {len(header)}"
                + (f" (delimiter {delimiter!r} was detected)" if detected else "")
            )
        rows.append(row[: len(header)])
        numbers.append(number)
    return Table(header, rows, numbers, delimiter, detected, header_number=records[0][0])


def _detect_delimiter(sample: str, suffix: str) -> tuple[str, bool]:
    """The sniffed delimiter of `sample` (only the delimiter: quoting stays standard)."""
    if suffix.lower() == ".tsv":
        return "\t", False
    if "\n" in sample:  # a cut-off last line would blur the per-line counts
        sample = sample[: sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter, True
    except csv.Error:  # a single column, or nothing that tells: the standard comma
        return ",", False


def _cell_id(row: list[str], number: int, id_col: int | None) -> str:
    if id_col is None:
        return f"row{number}"
    value = row[id_col].strip()
    if not value:
        raise CsvReadError(f"row {number}: the id cell is empty")
    return value


def _check_unique_ids(ids: list[str]) -> None:
    repeated = [pid for pid, count in Counter(ids).items() if count > 1]
    if repeated:
        raise CsvReadError(f"id {repeated[0]!r} appears {ids.count(repeated[0])} times")

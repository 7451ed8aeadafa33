"""Each row of an uploaded form export, read for an event: the person's address and name, the
role, and the answers, each checked as the answers route checks it (``clean_answer``).

A row is accepted whole or rejected whole: an address that is empty, invalid or the same as an
earlier row's, an unknown role label (or none in a mentoring event), or any cell that does not
fit its question rejects it, with every reason ("column 'X': why"). An empty cell is no answer:
it leaves an earlier answer as it was. Pure (no database): the importer reads and writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from peerpear.engine.csv_config import CsvOptions, CsvReadError
from peerpear.engine.csv_questions import number, split_choices
from peerpear.engine.csv_reader import RoleReader, Table
from peerpear.models import Event, Question, QuestionType, RegistrationRole, RoleScheme
from peerpear.organizations.member_import import normalized_address
from peerpear.registrations.answers import InvalidAnswer, clean_answer
from peerpear.registrations.import_columns import AnswerColumn, Columns, key
from peerpear.registrations.service import DEFAULT_ROLE, ROLES_BY_SCHEME

NAME_LENGTH = 100  # users.first_name and users.last_name are VARCHAR(100)


@dataclass
class RowPlan:
    row: int  # the spreadsheet row number
    email: str  # the stored form of the address, or the cell as given when it is refused
    address: str | None = None  # None: the row is rejected
    reasons: list[str] = field(default_factory=list)
    names: tuple[str, str] = ("", "")  # (first, last), for an account the import creates
    role: RegistrationRole | None = None  # the role the file gives (None: none)
    answers: list[tuple[Question, Any]] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.address is not None and not self.reasons


def read_rows(event: Event, table: Table, columns: Columns) -> list[RowPlan]:
    scheme = event.role_scheme
    mode = scheme.value if scheme is not RoleScheme.NONE else None
    roles = RoleReader(CsvOptions().role_map(), mode)
    first_row: dict[str, int] = {}  # address -> the row that first gave it
    plans = []
    for number_, row in zip(table.numbers, table.rows, strict=True):
        given = row[columns.email].strip()
        plan = RowPlan(number_, given)
        address, why = normalized_address(given)
        if address is None:
            plan.reasons.append(f"column {table.header[columns.email]!r}: {why}")
        elif address in first_row:
            plan.email = address
            plan.reasons.append(f"the same address as row {first_row[address]}")
        else:
            plan.email = plan.address = address
            first_row[address] = number_
        plan.names = _names(row, columns)
        if columns.role is not None:
            where = f"column {table.header[columns.role]!r}"
            try:
                plan.role = _role(roles.read(row[columns.role], where), scheme, where)
            except CsvReadError as exc:
                # The engine's advice on mapping labels names a config file the API has not.
                plan.reasons.append(str(exc).partition(" (map other labels")[0])
            except InvalidAnswer as exc:
                plan.reasons.append(str(exc))
        for column in columns.answers:
            cell = row[column.index].strip()
            if not cell:
                continue  # no answer: an earlier one stays
            try:
                value = clean_answer(column.question, cell_value(column, cell))
            except InvalidAnswer as exc:
                plan.reasons.append(f"column {column.header!r}: {exc}")
                continue
            if value is not None:
                plan.answers.append((column.question, value))
        plans.append(plan)
    return plans


def _role(label: str | None, scheme: RoleScheme, where: str) -> RegistrationRole | None:
    if label is not None:
        return RegistrationRole(label)
    if DEFAULT_ROLE[scheme] is None and ROLES_BY_SCHEME[scheme]:
        choices = " or ".join(sorted(ROLES_BY_SCHEME[scheme]))
        raise InvalidAnswer(f"{where}: empty; this event needs a role: {choices}")
    return None  # the default, for a new registration; an existing one keeps its role


def _names(row: list[str], columns: Columns) -> tuple[str, str]:
    first = last = ""
    for col, kind in columns.name:
        text = " ".join(row[col].split())
        if kind == "full":  # the last word is the last name: "Mary Ann Smith"
            first, _, last = text.rpartition(" ")
            first, last = (first, last) if first else (last, "")
        elif kind == "first":
            first = text
        else:
            last = text
    return first[:NAME_LENGTH], last[:NAME_LENGTH]


def cell_value(column: AnswerColumn, cell: str) -> Any:
    """A non-empty cell as the value its question takes, for ``clean_answer`` to check:
    options matched without case (as the question writes them), picks split as the column
    joins them, a scale's whole number."""
    question = column.question
    if question.type is QuestionType.SINGLE_CHOICE:
        return _option(question, cell)
    if question.type is QuestionType.MULTI_CHOICE:
        picks = split_choices(cell, column.semicolons)
        return list(dict.fromkeys(_option(question, pick) for pick in picks))
    if question.type is QuestionType.SCALE:
        value = number(cell)
        if value is None or not value.is_integer():
            raise InvalidAnswer(f"{cell!r} is not a whole number")
        return int(value)
    return cell


def _option(question: Question, given: str) -> str:
    options = question.options or []
    if given in options:
        return given
    return next((o for o in options if key(o) == key(given)), given)

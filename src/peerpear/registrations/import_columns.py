"""What each column of an uploaded form export is for an event: the email, the name, the role,
the question it answers, or ignored (and why).

The engine's form reader sorts the columns (``plan_columns``: a Timestamp ignored, the name
columns, the role column of a big/little or mentoring event, other email and name columns kept
out of the questions); this module adds what the event knows. An event with questions takes
the columns whose header is a question's prompt (compared without case and with whitespace
collapsed); the others are ignored, with the reason. An event without questions gets one per
column, typed by the engine's inference (``question_column``) where the type fits our limits,
else as text; nobody can have answered a question that did not exist, so this is allowed
whatever the event's status.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from peerpear.csv_cells import unguard
from peerpear.engine.csv_columns import (
    EMAIL,
    FIRST_NAME,
    HEADER_FILLER,
    LAST_NAME,
    plan_columns,
    unique_slugs,
)
from peerpear.engine.csv_config import CsvOptions, CsvReadError
from peerpear.engine.csv_questions import QuestionColumn, number, question_column, uses_semicolons
from peerpear.engine.csv_reader import Table
from peerpear.errors import ValidationFailed
from peerpear.models import Event, Question, QuestionMode, QuestionType, RoleScheme
from peerpear.organizations.member_import import EMAIL_HEADERS
from peerpear.questionnaires.schemas import MAX_OPTIONS, MAX_QUESTIONS
from peerpear.registrations.export import IMPORT_IGNORES
from peerpear.registrations.schemas import ImportColumn

# What a question body may hold (questionnaires/schemas.py: Prompt, OptionText, ScaleBound);
# a question made here holds no more than an admin could write.
MAX_PROMPT = 2000
MAX_OPTION = 200
SCALE_LIMIT = 1000  # bounds within -1000..1000
# What Microsoft Forms records besides the answers (the engine knows a Timestamp already).
FORM_METADATA = frozenset({"id", "start time", "completion time", "last modified time"})
ENGINE_USES = {"id": "email", "name": "name", "role": "role", "ignored": "ignored"}


def key(text: str) -> str:
    """Headers match prompts (and options) whatever their case and spacing."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class AnswerColumn:
    index: int
    header: str
    question: Question  # not yet in the database when the import creates it
    semicolons: bool  # multiple-choice picks are joined by ';' in this column (else ', ')


@dataclass
class Columns:
    email: int
    name: list[tuple[int, str]] = field(default_factory=list)  # (column, full|first|last)
    role: int | None = None
    answers: list[AnswerColumn] = field(default_factory=list)
    new_questions: list[Question] = field(default_factory=list)
    reports: dict[int, ImportColumn] = field(default_factory=dict)


def unguarded(table: Table) -> Table:
    """The table with the apostrophe our export puts before formula-like cells taken off."""
    return replace(
        table,
        header=[unguard(cell) for cell in table.header],
        rows=[[unguard(cell) for cell in row] for row in table.rows],
    )


def plan(
    event: Event,
    questions: list[Question],
    table: Table,
    filename: str,
    email_column: str | None,
    role_column: str | None,
) -> Columns:
    """Sort the columns (422 with the reason when the email or role column is missing)."""
    header = table.header
    email = _find(header, email_column, "email_column") if email_column else _email(table)
    role = _find(header, role_column, "role_column") if role_column else None
    scheme = event.role_scheme
    if role is not None and scheme is RoleScheme.NONE:
        raise ValidationFailed("role_column was given, but this event has no roles")
    if role == email:
        raise ValidationFailed("email_column and role_column name the same column")
    slugs = unique_slugs(header)  # unique where two headers are the same
    metadata = [
        slugs[i]
        for i, text in enumerate(header)
        if key(text) in FORM_METADATA and i not in (email, role)
    ]
    options = CsvOptions(
        id_column=slugs[email],
        role_column=slugs[role] if role is not None else None,
        ignore_columns=metadata,
        settings={"mode": scheme.value} if scheme is not RoleScheme.NONE else {},
    )
    try:
        layout = plan_columns(filename or "upload.csv", header, table.rows, options)
    except CsvReadError as exc:
        raise ValidationFailed(str(exc)) from exc
    columns = Columns(email=email, role=layout.role)
    for col, report in layout.reports.items():
        # The engine's hints name CLI flags ("a question only with --type"): cut them off.
        detail = report.detail.partition(";")[0] or "recognized: a form's own column"
        columns.reports[col] = ImportColumn(
            header=report.header, use=ENGINE_USES[report.use], question_id=None, detail=detail
        )
    columns.name = _name_kinds(layout.name, slugs)
    columns.reports[email].detail = (
        "given: email_column"
        if email_column
        else "recognized: an email header"
        if key(header[email]) in EMAIL_HEADERS
        else "recognized: email addresses"
    )
    if role is not None:
        columns.reports[role].detail = "given: role_column"
    if questions:
        _match(columns, layout.questions, table, questions, scheme)
    else:
        _create(columns, layout.questions, table, event, scheme)
    return columns


def _find(header: list[str], name: str, parameter: str) -> int:
    found = [i for i, text in enumerate(header) if key(text) == key(name)]
    if not found:
        shown = ", ".join(repr(h) for h in header[:8]) + (", ..." if len(header) > 8 else "")
        raise ValidationFailed(f"{parameter} {name!r} is not a column of the file ({shown})")
    return found[0]


def _values(table: Table, col: int) -> list[str]:
    return [row[col].strip() for row in table.rows if row[col].strip()]


def _email(table: Table) -> int:
    """A header such as ``Email Address``, else the one column of addresses."""
    by_header = [i for i, text in enumerate(table.header) if key(text) in EMAIL_HEADERS]
    if by_header:
        return by_header[0]
    by_values = [
        i
        for i in range(len(table.header))
        if (values := _values(table, i)) and all(EMAIL.match(v) for v in values)
    ]
    if len(by_values) == 1:
        return by_values[0]
    if by_values:
        names = ", ".join(repr(table.header[i]) for i in by_values)
        raise ValidationFailed(f"{names} all hold email addresses: name one with email_column")
    raise ValidationFailed(
        "no email column: name it 'email' or 'Email Address', or give email_column",
        details={"header": table.header},
    )


def _name_kinds(cols: list[int], slugs: list[str]) -> list[tuple[int, str]]:
    if len(cols) == 2:  # the engine pairs a first-name column with a last-name one
        return [(cols[0], "first"), (cols[1], "last")]
    kinds = []
    for col in cols:
        core = HEADER_FILLER.sub("", slugs[col])
        kind = "first" if core in FIRST_NAME else "last" if core in LAST_NAME else "full"
        kinds.append((col, kind))
    return kinds


def _not_a_question(header: str, scheme: RoleScheme) -> str | None:
    if key(header) in IMPORT_IGNORES:
        return "an export's own column (not imported)"
    if key(header) == "role" and scheme is RoleScheme.NONE:
        return "this event has no roles"
    return None


def _ignore(columns: Columns, col: int, header: str, why: str) -> None:
    columns.reports[col] = ImportColumn(header=header, use="ignored", question_id=None, detail=why)


def _match(
    columns: Columns,
    cols: list[int],
    table: Table,
    questions: list[Question],
    scheme: RoleScheme,
) -> None:
    by_prompt: dict[str, Question] = {}
    for asked in sorted(questions, key=lambda q: (q.position, q.id)):
        by_prompt.setdefault(key(asked.prompt), asked)
    taken: dict[int, str] = {}  # question id -> the header of the column that answers it
    for col in cols:
        text = table.header[col]
        question = by_prompt.get(key(text))
        if question is None:
            why = _not_a_question(text, scheme) or "no question of this event has this prompt"
            _ignore(columns, col, text, why)
        elif question.id in taken:
            _ignore(columns, col, text, f"question {question.id} is answered by an earlier column")
        else:
            taken[question.id] = text
            semicolons = uses_semicolons(_values(table, col))
            columns.answers.append(AnswerColumn(col, text, question, semicolons))
            columns.reports[col] = ImportColumn(
                header=text,
                use="question",
                question_id=question.id,
                detail=f"answers question {question.id} ({question.type.value})",
            )


def _create(
    columns: Columns, cols: list[int], table: Table, event: Event, scheme: RoleScheme
) -> None:
    seen: dict[str, str] = {}
    for col in cols:
        text = table.header[col]
        why = _not_a_question(text, scheme)
        if why is None and not text:
            why = "no header to make a question of"
        if why is None and len(text) > MAX_PROMPT:
            why = f"the header is longer than {MAX_PROMPT} characters, too long for a prompt"
        if why is None and key(text) in seen:
            why = f"the same header as column {seen[key(text)]!r}"
        if why is not None:
            _ignore(columns, col, text, why)
            continue
        seen[key(text)] = text
        values = _values(table, col)
        inferred = question_column(f"q{col}", text, values, None)
        question, detail = new_question(event, inferred, values)
        question.position = len(columns.new_questions)
        columns.new_questions.append(question)
        columns.answers.append(AnswerColumn(col, text, question, uses_semicolons(values)))
        columns.reports[col] = ImportColumn(
            header=text, use="question", question_id=None, detail=detail
        )
    if len(columns.new_questions) > MAX_QUESTIONS:
        raise ValidationFailed(
            f"the file has {len(columns.new_questions)} question columns; an event has at most "
            f"{MAX_QUESTIONS} questions"
        )


def new_question(event: Event, column: QuestionColumn, values: list[str]) -> tuple[Question, str]:
    """The question the engine infers for a column, within our limits (else a text question),
    and what the report says about it. Not added to any session: a dry run only shows it."""
    spec, kind = column.spec, column.spec["type"]
    question = Question(
        event_id=event.id,
        prompt=spec["prompt"],
        help_text="",
        type=QuestionType.TEXT,
        required=False,
        weight=1.0,
        mode=QuestionMode.SIMILAR,
    )
    why = ""
    if kind in ("single_choice", "multi_choice"):
        # One option per spelling whatever its case ("Hiking", "hiking"); the capitalized
        # one is kept (sorted first), and answers match it whatever their case.
        kept: dict[str, str] = {}
        for option in spec["options"]:
            kept.setdefault(key(option), option)
        options = list(kept.values())
        if len(options) <= MAX_OPTIONS and all(len(o) <= MAX_OPTION for o in options):
            question.type, question.options = QuestionType(kind), list(options)
        else:
            why = f"; text: a choice has at most {MAX_OPTIONS} options of {MAX_OPTION} characters"
    elif kind == "scale":
        low, high = spec["min"], spec["max"]
        whole = all((n := number(v)) is not None and n.is_integer() for v in values)
        bounds_fit = low >= -SCALE_LIMIT and high <= SCALE_LIMIT
        if whole and float(low).is_integer() and float(high).is_integer() and bounds_fit:
            question.type = QuestionType.SCALE
            question.scale_min, question.scale_max = int(low), int(high)
        else:
            why = f"; text: a scale takes whole numbers within -{SCALE_LIMIT}..{SCALE_LIMIT}"
    return question, f"new {question.type.value} question ({column.detail}){why}"

"""What each column of a form export is: id, role, name, attribute, ignored, or a question.

The options name columns by header text or by the question id derived from it (`unique_slugs`).
Columns they leave unnamed are recognized by rules an admin can predict, and the report says
so ("recognized: ..."): a Timestamp is ignored; an id-like header (or, failing that, a column
of unique email addresses) is the id; a name header (or first + last name) is the display name;
other name and email columns stay out of the questions, since matching on them is meaningless
and they are personal data; in big_little and mentor mode the column of role labels (or headed
"role") is the role column, and a file without one is refused. A column named by a question
override is a question, whatever it looks like.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from peerpear.engine.csv_config import (
    CsvOptions,
    CsvReadError,
    QuestionKind,
    QuestionOverride,
    role_label_key,
)

AUTO_IGNORED = ("timestamp",)
AUTO_ID_HEADERS = ("id", "participant_id", "email", "email_address", "username", "rownames")
# Headers of a person's name once the filler ("what is your", "student", ...) is dropped.
FULL_NAME = ("name", "full_name", "first_and_last_name", "name_and_surname", "preferred_name")
FIRST_NAME = ("first_name", "given_name", "forename")
LAST_NAME = ("last_name", "family_name", "surname")
OTHER_NAME = ("nickname", "middle_name")
HEADER_FILLER = re.compile(r"^(what_is_|what_s_|whats_)?(your_|student_|participant_|member_)?")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ROLE_MODES = ("big_little", "mentor")


@dataclass(frozen=True)
class ColumnReport:
    """What the reader did with one column, for the CLI's summary."""

    header: str
    use: str  # id | role | name | attribute | ignored | question
    question_id: str | None = None
    type: QuestionKind | None = None
    detail: str = ""
    inferred: bool = False


@dataclass
class Layout:
    """Column indexes by use; `reports` covers every column that is not a question."""

    slugs: list[str]
    id: int | None = None
    role: int | None = None
    name: list[int] = field(default_factory=list)  # joined with spaces: first + last name
    attributes: list[int] = field(default_factory=list)
    questions: list[int] = field(default_factory=list)
    overrides: dict[int, QuestionOverride] = field(default_factory=dict)
    reports: dict[int, ColumnReport] = field(default_factory=dict)


def plan_columns(
    filename: str, header: list[str], rows: list[list[str]], options: CsvOptions
) -> Layout:
    slugs = unique_slugs(header)
    layout = Layout(slugs)
    column = _lookup(filename, header, slugs)

    def use(col: int, what: str, detail: str = "", recognized: bool = False) -> None:
        layout.reports[col] = ColumnReport(header[col], what, detail=detail, inferred=recognized)

    if options.id_column:
        layout.id = column(options.id_column, "id column")
    if options.role_column:
        layout.role = column(options.role_column, "role column")
    if options.name_column:
        layout.name = [column(options.name_column, "name column")]
    layout.attributes = [column(name, "attribute column") for name in options.attribute_columns]
    for name in options.ignore_columns:
        use(column(name, "ignored column"), "ignored")
    layout.overrides = {column(key, "question"): o for key, o in options.questions.items()}
    for col in (layout.id, layout.role, *layout.name):
        if col is not None:
            use(col, {layout.id: "id", layout.role: "role"}.get(col, "name"))
    for col in layout.attributes:
        use(col, "attribute")

    def free() -> list[int]:
        return [
            c for c in range(len(header)) if c not in layout.reports and c not in layout.overrides
        ]

    def values(col: int) -> list[str]:
        return [row[col].strip() for row in rows if row[col].strip()]

    for col in free():
        if slugs[col] in AUTO_IGNORED:
            use(col, "ignored", "recognized: a form's timestamp", True)
    emails = [c for c in free() if "email" in slugs[c] or _all_emails(values(c))]
    if layout.id is None:
        by_header = [c for c in free() if slugs[c] in AUTO_ID_HEADERS]
        unique = [c for c in emails if _fills_uniquely(values(c), len(rows))]
        if by_header or unique:
            layout.id = (by_header or unique)[0]
            what = "an id header" if by_header else "unique email addresses"
            use(layout.id, "id", f"recognized: {what}", True)
    if not layout.name:
        layout.name = _name_columns({c: _name_kind(slugs[c]) for c in free()})
        for col in layout.name:
            use(col, "name", "recognized: a name header (the display name)", True)
    for col in free():
        if col in emails or _name_kind(slugs[col]):
            what = "email addresses" if col in emails else "a name"
            use(col, "ignored", f"recognized: {what}; a question only with --type", True)

    mode = options.settings.get("mode")
    if layout.role is None and mode in ROLE_MODES:
        layout.role = _role_column(filename, header, free(), values, options, str(mode))
        use(layout.role, "role", "recognized: role labels", True)
    layout.questions = [c for c in range(len(header)) if c not in layout.reports]
    return layout


def unique_slugs(header: list[str]) -> list[str]:
    """Question ids from header texts: lower-case words joined by '_', made unique."""
    slugs: list[str] = []
    for position, text in enumerate(header, start=1):
        base = re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")[:40].rstrip("_")
        base = base or f"q{position}"
        slug, n = base, 2
        while slug in slugs:
            slug, n = f"{base}_{n}", n + 1
        slugs.append(slug)
    return slugs


def _lookup(filename: str, header: list[str], slugs: list[str]) -> Callable[[str, str], int]:
    index = {name: i for i, name in enumerate(header)} | {s: i for i, s in enumerate(slugs)}
    lower = {name.casefold(): i for i, name in enumerate(header)}

    def column(name: str, what: str) -> int:
        found = index.get(name, lower.get(name.casefold()))
        if found is None:
            shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
            raise CsvReadError(f"{what} {name!r} is not a column of {filename} ({shown})")
        return found

    return column


def _name_kind(slug: str) -> str | None:
    core = HEADER_FILLER.sub("", slug)
    for kind, headers in (
        ("full", FULL_NAME),
        ("first", FIRST_NAME),
        ("last", LAST_NAME),
        ("other", OTHER_NAME),
    ):
        if core in headers:
            return kind
    return None


def _name_columns(kinds: dict[int, str | None]) -> list[int]:
    """A full-name column, else first name then last name (either alone will do)."""
    by_kind: dict[str, int] = {}
    for col, kind in kinds.items():
        if kind is not None:
            by_kind.setdefault(kind, col)
    if "full" in by_kind:
        return [by_kind["full"]]
    return [by_kind[kind] for kind in ("first", "last") if kind in by_kind]


def _all_emails(values: list[str]) -> bool:
    return bool(values) and all(EMAIL.match(value) for value in values)


def _fills_uniquely(values: list[str], rows: int) -> bool:
    return len(values) == rows and len(set(values)) == rows


def _role_column(
    filename: str,
    header: list[str],
    candidates: list[int],
    values: Callable[[int], list[str]],
    options: CsvOptions,
    mode: str,
) -> int:
    labels = options.role_map()

    def known_share(col: int) -> float:
        answers = {role_label_key(value) for value in values(col)}
        return sum(1 for answer in answers if answer in labels) / max(1, len(answers))

    # All answers role labels, else mostly (a typo or a label to map: the cell's error says so),
    # else a header with the word "role".
    every = [c for c in candidates if values(c) and known_share(c) == 1]
    most = [c for c in candidates if values(c) and known_share(c) >= 0.5]
    by_header = [c for c in candidates if "role" in re.findall(r"[a-z]+", header[c].casefold())]
    found = [c for c in every if c in by_header] or every or most or by_header
    if len(found) == 1:
        return found[0]
    hint = "name it with --role-column (or role_column in the config)"
    if not found:
        shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
        raise CsvReadError(
            f"{mode} mode needs a role column, and {filename} has none ({shown}): {hint}"
        )
    names = ", ".join(repr(header[c]) for c in found)
    raise CsvReadError(f"{mode} mode needs one role column; {names} could each be it: {hint}")

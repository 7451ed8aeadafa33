"""Importing an event's registrations from a form export (Google Forms, Microsoft Forms, a
spreadsheet): a plan, then, unless it is a dry run, the plan applied.

The plan reads only: the file's columns (import_columns.py) and rows (import_rows.py), and who
already has an account, a registration and (for a members-only event) a membership, which says
what applying it would do. A dry run answers that; an import then writes it, in the request's
one transaction: the questions the header makes (an event without any), invitation accounts
and memberships as the member import makes them, registrations (a new one takes the role of the
row, else the scheme's default; an existing one changes role only when the row gives one), the
answers of the file's columns (an empty cell leaves an answer as it was) and completeness.
Inserts are ``ON CONFLICT DO NOTHING`` and answers upserts, so a concurrent registration or
sign-up cannot make it fail; the report counts what was really written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear import audit
from peerpear.db import upsert_insert, utcnow
from peerpear.errors import ValidationFailed
from peerpear.events.access import EventAccess
from peerpear.models import Event, EventVisibility, Membership, Question, Registration, User
from peerpear.organizations.member_import import (
    BATCH,
    MAX_CSV_ROWS,
    add_memberships,
    read_csv_upload,
    user_ids,
)
from peerpear.registrations import import_columns
from peerpear.registrations.admin import answers_of, ensure_setup_editable
from peerpear.registrations.import_rows import RowPlan, read_rows
from peerpear.registrations.schemas import ImportReport, ImportRow, RowResult
from peerpear.registrations.service import (
    DEFAULT_ROLE,
    event_questions,
    settle_completeness,
    upsert_answers,
)

# The report's counts go to the audit log; the rows stay in the answer.
AUDITED = {
    "rows",
    "accepted",
    "rejected",
    "registrations_created",
    "registrations_updated",
    "accounts_created",
    "members_added",
    "questions_created",
}


@dataclass(frozen=True)
class ImportOptions:
    filename: str = ""
    dry_run: bool = False
    email_column: str | None = None  # header text; detected when None
    role_column: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What applying the plan does (or did): by address."""

    accounts_created: frozenset[str]
    registrations_created: frozenset[str]
    members_added: frozenset[str]


@dataclass
class Plan:
    event: Event
    columns: import_columns.Columns
    questions: list[Question]  # the event's, and those the import creates
    rows: list[RowPlan]
    predicted: Outcome

    @property
    def accepted(self) -> list[RowPlan]:
        return [row for row in self.rows if row.accepted]


async def import_file(
    db: AsyncSession, access: EventAccess, data: bytes, options: ImportOptions
) -> ImportReport:
    event = access.event
    ensure_setup_editable(event, "import registrations")
    plan = await make_plan(db, event, data, options)
    if options.dry_run:
        return report(plan, plan.predicted, dry_run=True)
    done = report(plan, await apply(db, plan), dry_run=False)
    audit.record(
        db,
        access.user,
        "registrations.import",
        organization_id=event.organization_id,
        event_id=event.id,
        target_type="event",
        target_id=event.id,
        details=done.model_dump(include=AUDITED),
    )
    await db.flush()
    return done


async def make_plan(db: AsyncSession, event: Event, data: bytes, options: ImportOptions) -> Plan:
    """Read the file against the event and the database; writes nothing."""
    table = import_columns.unguarded(read_csv_upload(data, options.filename))
    if any("\x00" in cell for row in (table.header, *table.rows) for cell in row):
        # PostgreSQL cannot store it in text; no form writes one.
        raise ValidationFailed("the file contains a NUL character; it is not a form export")
    if len(table.rows) > MAX_CSV_ROWS:
        raise ValidationFailed(
            f"the file has {len(table.rows)} rows; at most {MAX_CSV_ROWS} per upload",
            details={"rows": len(table.rows), "max_rows": MAX_CSV_ROWS},
        )
    questions = await event_questions(db, event.id)
    columns = import_columns.plan(
        event, questions, table, options.filename, options.email_column, options.role_column
    )
    rows = read_rows(event, table, columns)
    addresses = [row.address for row in rows if row.accepted and row.address is not None]
    found = await _in_batches(db, select(User.email, User.id), User.email, addresses)
    users: dict[str, int] = {email: user_id for email, user_id in found}
    known = list(users.values())
    of_event = select(Registration.user_id).where(Registration.event_id == event.id)
    registered = {r for (r,) in await _in_batches(db, of_event, Registration.user_id, known)}
    members: set[int] = set()
    if event.visibility is EventVisibility.MEMBERS_ONLY:
        of_org = select(Membership.user_id).where(
            Membership.organization_id == event.organization_id
        )
        members = {m for (m,) in await _in_batches(db, of_org, Membership.user_id, known)}
    predicted = Outcome(
        accounts_created=frozenset(a for a in addresses if a not in users),
        registrations_created=frozenset(a for a in addresses if users.get(a) not in registered),
        members_added=frozenset(
            a
            for a in addresses
            if event.visibility is EventVisibility.MEMBERS_ONLY and users.get(a) not in members
        ),
    )
    return Plan(event, columns, [*questions, *columns.new_questions], rows, predicted)


async def _in_batches(
    db: AsyncSession, stmt: Select[Any], column: Any, values: Sequence[Any]
) -> list[Row[Any]]:
    """The rows of ``stmt`` where ``column`` is one of ``values``, a batch of values at a time
    (the number of bound parameters has a limit)."""
    found: list[Row[Any]] = []
    for start in range(0, len(values), BATCH):
        result = await db.execute(stmt.where(column.in_(values[start : start + BATCH])))
        found.extend(result.all())
    return found


async def apply(db: AsyncSession, plan: Plan) -> Outcome:
    """Write the plan; what was really created (a concurrent request may have done some)."""
    event, accepted = plan.event, plan.accepted
    db.add_all(plan.columns.new_questions)
    await db.flush()  # the new questions' ids
    addresses = [row.address for row in accepted if row.address is not None]
    names = {row.address: row.names for row in accepted if row.address is not None}
    ids, accounts = await user_ids(db, addresses, names)
    added: set[int] = set()
    if event.visibility is EventVisibility.MEMBERS_ONLY:
        added = await add_memberships(db, event.organization_id, [ids[a] for a in addresses])
    created = await _insert_registrations(db, event, accepted, ids)
    of_event = select(Registration).where(Registration.event_id == event.id)
    found = await _in_batches(db, of_event, Registration.user_id, [ids[a] for a in addresses])
    registrations: dict[int, Registration] = {r.user_id: r for (r,) in found}
    answers: list[dict[str, Any]] = []
    for row in accepted:
        registration = registrations[ids[row.address or ""]]
        if row.role is not None:
            registration.role = row.role
        answers += [
            {"registration_id": registration.id, "question_id": q.id, "value": value}
            for q, value in row.answers
        ]
    await upsert_answers(db, answers)
    every = list(registrations.values())
    for start in range(0, len(every), BATCH):
        batch = every[start : start + BATCH]
        current = await answers_of(db, [r.id for r in batch])
        for registration in batch:
            settle_completeness(registration, plan.questions, current.get(registration.id, {}))
    await db.flush()
    by_id = {ids[a]: a for a in addresses}
    return Outcome(
        accounts_created=frozenset(accounts),
        registrations_created=frozenset(by_id[i] for i in created),
        members_added=frozenset(by_id[i] for i in added),
    )


async def _insert_registrations(
    db: AsyncSession, event: Event, rows: list[RowPlan], ids: dict[str, int]
) -> set[int]:
    """Insert the registrations that do not exist yet; the user ids inserted."""
    now = utcnow()
    default = DEFAULT_ROLE[event.role_scheme]
    values = [
        {
            "event_id": event.id,
            "user_id": ids[row.address or ""],
            "role": row.role or default,
            "is_complete": False,  # settled once the answers are in
            "created_at": now,
            "updated_at": now,
        }
        for row in rows
    ]
    created: set[int] = set()
    for start in range(0, len(values), BATCH):
        stmt = (
            upsert_insert(db, Registration)
            .values(values[start : start + BATCH])
            .on_conflict_do_nothing(index_elements=[Registration.event_id, Registration.user_id])
            .returning(Registration.user_id)
        )
        created.update(await db.scalars(stmt))
    return created


def report(plan: Plan, outcome: Outcome, *, dry_run: bool) -> ImportReport:
    results = []
    for row in plan.rows:
        result: RowResult = "rejected"
        if row.accepted:
            result = "created" if row.address in outcome.registrations_created else "updated"
        reason = "; ".join(row.reasons) or None
        results.append(ImportRow(row=row.row, email=row.email, result=result, reason=reason))
    created = sum(r.result == "created" for r in results)
    updated = sum(r.result == "updated" for r in results)
    columns = plan.columns
    return ImportReport(
        dry_run=dry_run,
        rows=len(plan.rows),
        accepted=created + updated,
        rejected=len(results) - created - updated,
        registrations_created=created,
        registrations_updated=updated,
        accounts_created=len(outcome.accounts_created),
        members_added=len(outcome.members_added),
        questions_created=[q.prompt for q in columns.new_questions],
        columns=[
            columns.reports[col].model_copy(update={"question_id": _question_id(columns, col)})
            for col in sorted(columns.reports)
        ],
        row_results=results,
    )


def _question_id(columns: import_columns.Columns, col: int) -> int | None:
    """The id of the question a column answers (known once a created question is written)."""
    answering = next((a for a in columns.answers if a.index == col), None)
    return answering.question.id if answering is not None else None

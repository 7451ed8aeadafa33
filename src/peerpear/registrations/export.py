"""An event's registrations as a CSV file, streamed: one row per registration (by last name,
first name, id) with the person, role, completeness, date and one column per question.

The file is written while it is sent, so the request's session is long closed when the body
runs: the rows are read through a session of their own, in batches (keyset on the order, so a
batch costs the same wherever it is), with the answers of each batch in one statement.

Text cells are guarded against spreadsheet formula injection (``peerpear.csv_cells``); the
import (``registration_import``) takes the guard off again, so an exported file imports back as
it was. Scale answers are written as plain integers: a number is never a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.csv_cells import guard
from peerpear.models import Question, Registration, User
from peerpear.registrations.admin import answers_of

# The columns before the questions'. An import recognizes email, first_name, last_name and role
# like any form's; the bookkeeping columns after them are ignored there (IMPORT_IGNORES).
FIXED_COLUMNS = ("email", "first_name", "last_name", "role", "complete", "registered_at")
IMPORT_IGNORES = frozenset({"complete", "registered_at"})
# How a multiple-choice answer's picks are joined; the import splits them on ';'.
PICKS_SEPARATOR = "; "
EXPORT_BATCH = 500
# Excel reads a UTF-8 CSV as UTF-8 only when it starts with a byte-order mark; other tools (and
# the import) skip it.
BOM = "\ufeff"


def filename(event_id: int) -> str:
    return f"event-{event_id}-registrations.csv"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return guard(PICKS_SEPARATOR.join(str(pick) for pick in value))
    return guard(str(value))


def _line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()


async def _questions(db: AsyncSession, event_id: int) -> list[Question]:
    return list(
        await db.scalars(
            select(Question)
            .where(Question.event_id == event_id)
            .order_by(Question.position, Question.id)
        )
    )


async def csv_lines(
    sessions: async_sessionmaker[AsyncSession], event_id: int, batch: int | None = None
) -> AsyncIterator[str]:
    """The file, a batch of lines at a time (the first: the byte-order mark and the header)."""
    batch = batch or EXPORT_BATCH
    async with sessions() as db:
        questions = await _questions(db, event_id)
        header = [*FIXED_COLUMNS, *(q.prompt for q in questions)]
        yield BOM + _line([guard(cell) for cell in header])
        order = (User.last_name, User.first_name, Registration.id)
        after: tuple[str, str, int] | None = None
        while True:
            # Columns, not entities: the session keeps no object of a batch once it is sent.
            stmt = (
                select(
                    *order,
                    User.email,
                    Registration.role,
                    Registration.is_complete,
                    Registration.created_at,
                )
                .join(User, User.id == Registration.user_id)
                .where(Registration.event_id == event_id)
                .order_by(*order)
                .limit(batch)
            )
            if after is not None:
                stmt = stmt.where(tuple_(*order) > tuple_(*map(literal, after)))
            rows = (await db.execute(stmt)).tuples().all()
            if not rows:
                return
            values = await answers_of(db, [row[2] for row in rows])
            chunk = io.StringIO()
            writer = csv.writer(chunk)
            for last, first, registration_id, email, role, complete, registered in rows:
                answers = values.get(registration_id, {})
                writer.writerow(
                    [
                        _cell(email),
                        _cell(first),
                        _cell(last),
                        role.value if role else "",
                        "yes" if complete else "no",
                        registered.isoformat(),
                        *(_cell(answers.get(q.id)) for q in questions),
                    ]
                )
            yield chunk.getvalue()
            after = rows[-1][:3]
            if len(rows) < batch:
                return

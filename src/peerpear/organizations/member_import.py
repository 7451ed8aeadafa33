"""Admins add members by email: a JSON list, or a CSV file of addresses.

Every row is reported: ``added``, ``already_member`` (their role is kept), ``duplicate`` (the
same address earlier in the request) or ``invalid`` with the reason. An address without an
account gets one as an *invitation*: a user with no sign-in identity at all, as
``peerpear users create --no-password`` makes. Its first CAS sign-in with that email links to it
(:func:`peerpear.auth.cas.find_or_create_user`). A local sign-up with the address cannot claim it:
sign-up leaves an existing address unchanged (until email verification exists, issue 12).

Everything is one transaction (the request's): users, memberships and the audit entry commit
together, or nothing does. Inserts are ``INSERT ... ON CONFLICT DO NOTHING``, so a concurrent
sign-up, CAS sign-in or second upload with the same addresses cannot make this one fail: the rows
that lost the race are read back and reported like the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear import audit
from peerpear.db import upsert_insert, utcnow
from peerpear.engine.csv_reader import CsvReadError, Table, parse_table
from peerpear.errors import ValidationFailed
from peerpear.models import Membership, MembershipRole, User, normalize_email
from peerpear.models.user import EMAIL_LENGTH
from peerpear.organizations.access import OrgAccess
from peerpear.organizations.schemas import MemberAddReport, MemberAddRow

MAX_CSV_ROWS = 5000
MAX_CSV_BYTES = 1024 * 1024
# Header names of the email column (compared trimmed and lower-cased): a plain list, a Google
# Forms export ("Email Address"), a Microsoft Forms one ("Email"), a spreadsheet's "E-mail".
EMAIL_HEADERS = frozenset({"email", "email address", "e-mail", "e-mail address", "mail"})
# Rows per INSERT: well inside PostgreSQL's 32,767 and SQLite's 32,766 bound parameters.
BATCH = 1000


@dataclass(frozen=True)
class Candidate:
    row: int  # position in the list (from 1), or the CSV row number
    given: str


def candidates_from_list(emails: Sequence[str]) -> list[Candidate]:
    return [Candidate(n, email) for n, email in enumerate(emails, start=1)]


def read_csv_upload(data: bytes, filename: str) -> Table:
    """An uploaded CSV's header and rows (the engine's :func:`parse_table`: the delimiter
    detected, every row as long as the header); 422 with the reason when it cannot be read."""
    try:
        text = data.decode("utf-8-sig")  # spreadsheet exports often start with a BOM
    except UnicodeDecodeError as exc:
        raise ValidationFailed("the file is not UTF-8 text; export it as CSV (UTF-8)") from exc
    try:
        return parse_table(text, filename or "upload.csv")
    except CsvReadError as exc:
        raise ValidationFailed(f"the file is not a readable CSV: {exc}") from exc


def candidates_from_csv(data: bytes, filename: str) -> list[Candidate]:
    """The addresses of an uploaded CSV: its ``email`` / ``Email Address`` column, or its one
    column (then the first row is an address too, unless it is such a header). 422 when the
    file cannot be read, has no email column, or has more than :data:`MAX_CSV_ROWS` rows."""
    table = read_csv_upload(data, filename)
    keys = [cell.strip().lower() for cell in table.header]
    column = next((i for i, key in enumerate(keys) if key in EMAIL_HEADERS), None)
    cells = zip(table.numbers, (row[column or 0] for row in table.rows), strict=True)
    found = [Candidate(number, cell) for number, cell in cells]
    if column is None:
        if len(keys) != 1:
            raise ValidationFailed(
                "no email column: name it 'email' or 'Email Address', or upload a single "
                "column of addresses",
                details={"header": table.header},
            )
        found.insert(0, Candidate(table.header_number, table.header[0]))
    if len(found) > MAX_CSV_ROWS:
        raise ValidationFailed(
            f"the file has {len(found)} rows; at most {MAX_CSV_ROWS} per upload",
            details={"rows": len(found), "max_rows": MAX_CSV_ROWS},
        )
    return found


def normalized_address(given: str) -> tuple[str | None, str | None]:
    """(the stored form of the address, None) or (None, why it is refused)."""
    if not given:
        return None, "empty"
    try:
        address = normalize_email(validate_email(given, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        return None, str(exc)
    if len(address) > EMAIL_LENGTH:
        return None, f"longer than {EMAIL_LENGTH} characters"
    return address, None


async def user_ids(
    db: AsyncSession, addresses: list[str], names: Mapping[str, tuple[str, str]] | None = None
) -> tuple[dict[str, int], set[str]]:
    """Each address's user id, creating invitation accounts for the missing (named by
    ``names``, address -> (first, last), when given; existing accounts keep their names); and
    which were created here."""
    names = names or {}
    ids: dict[str, int] = {}
    for start in range(0, len(addresses), BATCH):
        batch = addresses[start : start + BATCH]
        rows = await db.execute(select(User.email, User.id).where(User.email.in_(batch)))
        ids.update(rows.tuples().all())
    missing = [a for a in addresses if a not in ids]
    created: set[str] = set()
    now = utcnow()
    for start in range(0, len(missing), BATCH):
        batch = missing[start : start + BATCH]
        values = [
            {
                "email": a,
                "first_name": names.get(a, ("", ""))[0],
                "last_name": names.get(a, ("", ""))[1],
                "created_at": now,
                "updated_at": now,
            }
            for a in batch
        ]
        stmt = (
            upsert_insert(db, User)
            .values(values)
            .on_conflict_do_nothing(index_elements=[User.email])
        )
        inserted = dict((await db.execute(stmt.returning(User.email, User.id))).tuples().all())
        ids.update(inserted)
        created.update(inserted)
        lost = [a for a in batch if a not in inserted]  # created concurrently: read them back
        if lost:
            rows = await db.execute(select(User.email, User.id).where(User.email.in_(lost)))
            ids.update(rows.tuples().all())
    return ids, created


async def add_memberships(db: AsyncSession, org_id: int, people: list[int]) -> set[int]:
    """Insert member rows for the users ``people`` who are not in the organization; the ids
    added."""
    added: set[int] = set()
    now = utcnow()
    for start in range(0, len(people), BATCH):
        values = [
            {
                "user_id": user_id,
                "organization_id": org_id,
                "role": MembershipRole.MEMBER,
                "created_at": now,
            }
            for user_id in people[start : start + BATCH]
        ]
        stmt = (
            upsert_insert(db, Membership)
            .values(values)
            .on_conflict_do_nothing(index_elements=[Membership.user_id, Membership.organization_id])
            .returning(Membership.user_id)
        )
        added.update(await db.scalars(stmt))
    return added


async def add_members(
    db: AsyncSession, access: OrgAccess, candidates: list[Candidate], source: str
) -> MemberAddReport:
    """Add every valid address as a member (see the module docstring); report each row."""
    rows: list[MemberAddRow] = []
    first_row: dict[str, int] = {}  # address -> the row that first named it
    for candidate in candidates:
        given = candidate.given.strip()
        address, reason = normalized_address(given)
        if address is None:
            rows.append(MemberAddRow(**_row(candidate, given, "invalid", reason)))
        elif address in first_row:
            why = f"the same address as row {first_row[address]}"
            rows.append(MemberAddRow(**_row(candidate, address, "duplicate", why)))
        else:
            first_row[address] = candidate.row
            rows.append(MemberAddRow(**_row(candidate, address, "added", None)))
    addresses = list(first_row)
    ids, created = await user_ids(db, addresses)
    added = await add_memberships(db, access.organization.id, [ids[a] for a in addresses])
    for row in rows:
        if row.result == "added":
            row.user_id = ids[row.email]
            row.account_created = row.email in created
            if row.user_id not in added:
                row.result = "already_member"
    report = MemberAddReport(
        added=sum(r.result == "added" for r in rows),
        already_member=sum(r.result == "already_member" for r in rows),
        duplicate=sum(r.result == "duplicate" for r in rows),
        invalid=sum(r.result == "invalid" for r in rows),
        accounts_created=len(created),
        rows=rows,
    )
    audit.record(
        db,
        access.user,
        "membership.add",
        organization_id=access.organization.id,
        target_type="organization",
        target_id=access.organization.id,
        details={
            "source": source,
            **report.model_dump(exclude={"rows"}),
            "user_ids": sorted(added),
        },
    )
    await db.flush()
    return report


def _row(candidate: Candidate, email: str, result: str, reason: str | None) -> dict[str, object]:
    return {
        "row": candidate.row,
        "email": email,
        "result": result,
        "reason": reason,
        "user_id": None,
        "account_created": False,
    }

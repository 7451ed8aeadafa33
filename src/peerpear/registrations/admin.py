"""What an event's admins do with its registrations: list them (filtered, paginated, with their
answers) and set a participant's role.

The list is two statements whatever its length (the page of registrations with their users, then
the answers of that page), and a count only when the page cannot tell the total.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear import audit
from peerpear.errors import InvalidState
from peerpear.events.access import EventAccess, admin_part_access
from peerpear.models import Answer, Event, EventStatus, Registration, RegistrationRole, User
from peerpear.organizations.members import user_search
from peerpear.pagination import paginate
from peerpear.registrations.answers import answers_by_key
from peerpear.registrations.avoid import person
from peerpear.registrations.schemas import RegistrationAdminOut
from peerpear.registrations.service import check_role
from peerpear.schemas_common import Page, Pagination

REGISTRATION_NOT_FOUND = "registration not found"
# Where the people, their roles and the rules between them may still change: not once the
# pairing is published (unpublish first) nor archived.
SETUP_EDITABLE = frozenset({EventStatus.DRAFT, EventStatus.OPEN, EventStatus.CLOSED})


def ensure_setup_editable(event: Event, doing: str) -> None:
    if event.status not in SETUP_EDITABLE:
        hint = "; unpublish it first" if event.status is EventStatus.PUBLISHED else ""
        raise InvalidState(
            f"cannot {doing} once the event is {event.status.value}{hint}",
            details={"status": event.status.value},
        )


def admin_out(
    registration: Registration, user: User, values: dict[int, Any]
) -> RegistrationAdminOut:
    return RegistrationAdminOut(
        id=registration.id,
        event_id=registration.event_id,
        user=person(user),
        role=registration.role,
        is_complete=registration.is_complete,
        created_at=registration.created_at,
        updated_at=registration.updated_at,
        answers=answers_by_key(values),
        summary=registration.summary,
        summary_status=registration.summary_status,
    )


async def answers_of(db: AsyncSession, registration_ids: list[int]) -> dict[int, dict[int, Any]]:
    """Each registration's answers (question id → value), in one statement."""
    found: dict[int, dict[int, Any]] = defaultdict(dict)
    if registration_ids:
        rows = await db.execute(
            select(Answer.registration_id, Answer.question_id, Answer.value).where(
                Answer.registration_id.in_(registration_ids)
            )
        )
        for registration_id, question_id, value in rows.tuples():
            found[registration_id][question_id] = value
    return found


async def list_registrations(
    db: AsyncSession,
    event_id: int,
    page: Pagination,
    *,
    complete: bool | None = None,
    role: RegistrationRole | None = None,
    q: str | None = None,
) -> Page[RegistrationAdminOut]:
    stmt = (
        select(Registration, User)
        .join(User, User.id == Registration.user_id)
        .where(Registration.event_id == event_id)
    )
    if complete is not None:
        stmt = stmt.where(Registration.is_complete == complete)
    if role is not None:
        stmt = stmt.where(Registration.role == role)
    if q:
        stmt = stmt.where(user_search(q))
    listed = await paginate(
        db,
        stmt,
        page,
        order_by=(User.last_name, User.first_name, Registration.id),
        to_item=lambda row: (row[0], row[1]),
    )
    values = await answers_of(db, [registration.id for registration, _ in listed.items])
    return Page(
        items=[admin_out(r, u, values.get(r.id, {})) for r, u in listed.items],
        total=listed.total,
        limit=listed.limit,
        offset=listed.offset,
    )


async def registration_access(
    db: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    user: User,
    registration_id: int,
) -> tuple[Registration, EventAccess]:
    """The registration and the admin's access to its event (404 / 403 as for the event)."""
    return await admin_part_access(
        db, sessions, user, Registration, registration_id, REGISTRATION_NOT_FOUND
    )


async def set_role(
    db: AsyncSession, registration: Registration, access: EventAccess, role: RegistrationRole
) -> RegistrationAdminOut:
    event = access.event
    ensure_setup_editable(event, "change roles")
    role = check_role(event, role) or role
    participant = await db.get_one(User, registration.user_id)
    before = registration.role
    if role != before:
        registration.role = role
        await db.flush()
        audit.record(
            db,
            access.user,
            "registration.role",
            organization_id=event.organization_id,
            event_id=event.id,
            target_type="registration",
            target_id=registration.id,
            details={
                "user_id": participant.id,
                "email": participant.email,
                "from": before.value if before else None,
                "to": role.value,
            },
        )
        await db.flush()
    values = await answers_of(db, [registration.id])
    return admin_out(registration, participant, values.get(registration.id, {}))

"""Events: create, read, list, update, delete. SQL for events lives here (lifecycle actions in
lifecycle.py, deadlines in deadlines.py, images in images.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear import audit
from peerpear.db import utcnow
from peerpear.errors import InvalidState
from peerpear.events.access import EventAccess
from peerpear.events.deadlines import expired, settle_listed
from peerpear.events.schemas import AuditEntryOut, EventCreate, EventOut, EventUpdate
from peerpear.models import (
    AuditLogEntry,
    Event,
    EventStatus,
    EventVisibility,
    Membership,
    Registration,
    User,
)
from peerpear.organizations.access import OrgAccess
from peerpear.pagination import paginate
from peerpear.rounds import recurrence
from peerpear.schemas_common import Page, Pagination

IMAGE_PATH = "/api/v1/events/{event_id}/image"
# What an admin sets on an event (EventCreate / EventUpdate) in the console's event form too;
# ``recurrence`` (rounds/recurrence.py) is set through the API only.
EVENT_FIELDS = (
    "title", "description", "registration_deadline", "visibility", "role_scheme",
    "default_group_size",
)  # fmt: skip


def image_version(key: str) -> str:
    """The part of a media key that changes with every upload (its file name without suffix)."""
    return key.rsplit("/", 1)[-1].split(".", 1)[0]


_OUT_FIELDS = (
    "id", "organization_id", "title", "description", "status", "registration_deadline",
    "visibility", "role_scheme", "default_group_size", "opened_at", "closed_at", "published_at",
    "created_at", "updated_at",
)  # fmt: skip


def event_out(values: dict[str, Any]) -> EventOut:
    """The answer for an event given as its column values (a row of the events table)."""
    key = values["image_key"]
    url = None
    if key is not None:
        url = IMAGE_PATH.format(event_id=values["id"]) + f"?v={image_version(key)}"
    return EventOut(
        **{name: values[name] for name in _OUT_FIELDS},
        has_image=key is not None,
        image_url=url,
        recurrence=recurrence.read(values["recurrence"]),
    )


def to_out(event: Event) -> EventOut:
    return event_out(
        {name: getattr(event, name) for name in (*_OUT_FIELDS, "image_key", "recurrence")}
    )


def audit_event(
    db: AsyncSession, actor: User | None, event: Event, action: str, **details: Any
) -> None:
    """Record ``action`` on ``event`` in the audit log."""
    audit.record(
        db,
        actor,
        action,
        organization_id=event.organization_id,
        event_id=event.id,
        target_type="event",
        target_id=event.id,
        details=details,
    )


async def create_event(db: AsyncSession, access: OrgAccess, data: EventCreate) -> EventOut:
    event = Event(
        organization_id=access.organization.id,
        created_by_id=access.user.id,
        status=EventStatus.DRAFT,
        **data.model_dump(exclude={"recurrence"}),
        recurrence=recurrence.stored(data.recurrence),
    )
    db.add(event)
    await db.flush()
    audit_event(db, access.user, event, "event.create", title=event.title)
    await db.flush()
    await db.refresh(event)
    return to_out(event)


async def list_org_events(
    db: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    org_id: int,
    status: EventStatus | None,
    page: Pagination,
) -> Page[EventOut]:
    await settle_listed(db, sessions, utcnow(), organization_id=org_id)
    stmt = select(Event).where(Event.organization_id == org_id)
    if status is not None:
        stmt = stmt.where(Event.status == status)
    return await paginate(
        db,
        stmt,
        page,
        order_by=(Event.created_at.desc(), Event.id.desc()),
        to_item=lambda row: to_out(row[0]),
    )


async def list_open_to(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession], user: User, page: Pagination
) -> Page[EventOut]:
    """Open events the caller may register for: public ones, and members-only ones of the
    organizations they belong to; soonest deadline first (no deadline last)."""
    now = utcnow()
    await settle_listed(db, sessions, now)
    my_orgs = select(Membership.organization_id).where(Membership.user_id == user.id)
    stmt = select(Event).where(
        Event.status == EventStatus.OPEN,
        ~expired(now),
        or_(Event.visibility == EventVisibility.PUBLIC, Event.organization_id.in_(my_orgs)),
    )
    return await paginate(
        db,
        stmt,
        page,
        order_by=(
            Event.registration_deadline.is_(None),
            Event.registration_deadline,
            Event.id,
        ),
        to_item=lambda row: to_out(row[0]),
    )


async def list_registered_for(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession], user: User, page: Pagination
) -> Page[EventOut]:
    """The events the caller is registered for and may still see, whatever their status since
    (closed, published: where a student finds their group), newest first; archived ones are
    left out."""
    await settle_listed(db, sessions, utcnow())
    my_orgs = select(Membership.organization_id).where(Membership.user_id == user.id)
    mine = select(Registration.event_id).where(Registration.user_id == user.id)
    stmt = select(Event).where(
        Event.id.in_(mine),
        Event.status.not_in((EventStatus.DRAFT, EventStatus.ARCHIVED)),
        or_(Event.visibility == EventVisibility.PUBLIC, Event.organization_id.in_(my_orgs)),
    )
    return await paginate(
        db,
        stmt,
        page,
        order_by=(Event.created_at.desc(), Event.id.desc()),
        to_item=lambda row: to_out(row[0]),
    )


def _changes(event: Event, fields: dict[str, Any], name: str) -> bool:
    return name in fields and fields[name] != getattr(event, name)


ARCHIVED_READ_ONLY = "an archived event cannot be changed"


def locked_fields(status: EventStatus) -> dict[str, str]:
    """The fields of an event in ``status`` that cannot change, each with the reason (shared by
    ``update_event`` and the console's edit form). An archived event is wholly read-only."""
    if status is EventStatus.ARCHIVED:
        return dict.fromkeys(EVENT_FIELDS, ARCHIVED_READ_ONLY)
    locked: dict[str, str] = {}
    if status is not EventStatus.DRAFT:
        locked["role_scheme"] = (
            f"the role scheme is fixed once the event has been opened (it is {status.value})"
        )
    if status is EventStatus.PUBLISHED:
        locked["default_group_size"] = (
            "the group size cannot change while the pairing is published; unpublish first"
        )
    return locked


def _check_update(event: Event, fields: dict[str, Any], now: datetime) -> None:
    status = event.status
    if status is EventStatus.ARCHIVED:
        raise InvalidState(ARCHIVED_READ_ONLY, details={"status": status})
    locked = locked_fields(status)
    for name in ("role_scheme", "default_group_size"):
        if name in locked and _changes(event, fields, name):
            raise InvalidState(locked[name], details={"status": status, "field": name})
    deadline = fields.get("registration_deadline")
    if status is EventStatus.OPEN and deadline is not None and deadline <= now:
        raise InvalidState(
            "an open event's registration deadline must be in the future; close the event to "
            "end registration now",
            details={"status": status, "field": "registration_deadline"},
        )


async def update_event(db: AsyncSession, access: EventAccess, data: EventUpdate) -> EventOut:
    event = access.event
    fields = data.model_dump(exclude_unset=True)
    if "recurrence" in fields:
        fields["recurrence"] = recurrence.stored(data.recurrence)
    _check_update(event, fields, utcnow())
    changes: dict[str, dict[str, Any]] = {}
    for name, value in fields.items():
        old = getattr(event, name)
        if value != old:
            changes[name] = {"from": _plain(old), "to": _plain(value)}
            setattr(event, name, value)
    if changes:
        await db.flush()
        audit_event(db, access.user, event, "event.update", **changes)
        await db.flush()
        await db.refresh(event)
    return to_out(event)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def delete_refusal(event: Event) -> str | None:
    """Why ``event`` cannot be deleted (None: it can): only drafts can."""
    if event.status is EventStatus.DRAFT:
        return None
    return f"only a draft can be deleted; this event is {event.status} (archive it instead)"


async def delete_event(db: AsyncSession, access: EventAccess) -> str | None:
    """Delete a draft (409 otherwise); the media key of its image, to remove once committed."""
    event = access.event
    refusal = delete_refusal(event)
    if refusal is not None:
        raise InvalidState(refusal, details={"status": event.status})
    audit.record(
        db,
        access.user,
        "event.delete",
        organization_id=event.organization_id,
        target_type="event",
        target_id=event.id,
        details={"title": event.title},
    )
    image_key = event.image_key
    await db.delete(event)
    await db.flush()
    return image_key


async def list_audit(db: AsyncSession, event_id: int, page: Pagination) -> Page[AuditEntryOut]:
    stmt = select(AuditLogEntry).where(AuditLogEntry.event_id == event_id)
    return await paginate(
        db,
        stmt,
        page,
        order_by=(AuditLogEntry.created_at.desc(), AuditLogEntry.id.desc()),
        to_item=lambda row: AuditEntryOut(
            id=row[0].id,
            action=row[0].action,
            actor_id=row[0].actor_id,
            target_type=row[0].target_type,
            target_id=row[0].target_id,
            details=row[0].details,
            created_at=row[0].created_at,
        ),
    )

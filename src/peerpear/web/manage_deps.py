"""Loading what an organizer's page is about, with the API's rules, and rendering it inside the
organizer's layout (the event's tabs).

``managed_event`` is the console's ``AdminEvent``: sign-in for nobody, the 404 page for an event
the person cannot see, the 403 page for one they see but do not administer (as the API answers).
``managed_org`` does the same for an organization (``require_org_role``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request, status
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import FormData

from peerpear.errors import Forbidden, NotFound
from peerpear.events.access import EventAccess, event_access
from peerpear.models import MembershipRole, Organization, User
from peerpear.organizations.access import OrgAccess, require_org_role
from peerpear.web.deps import checked_form, csrf_refused, page, to_sign_in
from peerpear.web.events_access import MAX_ID

# The organizer's tabs of an event: (key, label, path under /manage/events/{id}).
EVENT_TABS: tuple[tuple[str, str, str], ...] = (
    ("overview", "Overview", ""),
    ("questions", "Questionnaire", "/questions"),
    ("registrations", "Registrations", "/registrations"),
    ("analytics", "Analytics", "/analytics"),
    ("rules", "Pair rules", "/rules"),
    ("runs", "Runs", "/runs"),
    ("pairing", "Pairing", "/pairing"),
)
MANAGE_EVENT = "/manage/events/{event_id:int}"


@dataclass(frozen=True)
class ManagedEvent:
    """An event the signed-in person administers, with the database session of the request."""

    access: EventAccess
    organization: Organization
    db: AsyncSession
    sessions: async_sessionmaker[AsyncSession]

    @property
    def url(self) -> str:
        return f"/manage/events/{self.access.event.id}"


def refused_page(request: Request, user: User, *, forbidden: bool, what: str) -> Response:
    """The page for something the person may not manage: 403 when they may see it but not
    change it, else 404 (as if it did not exist, as the API answers)."""
    if forbidden:
        return page(
            request,
            "error.html",
            title="Organizers only",
            user=user,
            status_code=status.HTTP_403_FORBIDDEN,
            message=f"Only the admins and owners of its organization manage this {what}.",
            back_url="/organizations",
            back_label="Back to your organizations",
        )
    return page(
        request,
        "error.html",
        title=f"{what.capitalize()} not found",
        user=user,
        status_code=status.HTTP_404_NOT_FOUND,
        message=f"There is no such {what}, or it is not one of yours.",
        back_url="/organizations",
        back_label="Back to your organizations",
    )


async def managed_event(
    request: Request,
    event_id: int,
    user: User | None,
    db: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
) -> ManagedEvent | Response:
    """The event if ``user`` administers it, else the page to answer with instead."""
    if user is None:
        return to_sign_in(request)
    if not 1 <= event_id <= MAX_ID:
        return refused_page(request, user, forbidden=False, what="event")
    try:
        access = await event_access(db, sessions, user, event_id, admin=True)
    except NotFound:
        return refused_page(request, user, forbidden=False, what="event")
    except Forbidden:
        return refused_page(request, user, forbidden=True, what="event")
    organization = await db.get(Organization, access.event.organization_id)
    assert organization is not None  # the event's foreign key
    return ManagedEvent(access, organization, db, sessions)


async def managed_post(
    request: Request,
    event_id: int,
    user: User | None,
    db: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
) -> tuple[FormData, ManagedEvent] | Response:
    """An organizer's POST about an event: its form if the CSRF token checks out (else the
    expired-form page, before anything is loaded) and the event if ``user`` administers it
    (else the page ``managed_event`` answers)."""
    form = await checked_form(request)
    if form is None:
        return csrf_refused(request, user)
    managed = await managed_event(request, event_id, user, db, sessions)
    return managed if isinstance(managed, Response) else (form, managed)


async def managed_org(
    request: Request,
    org_id: int,
    user: User | None,
    db: AsyncSession,
    minimum: MembershipRole = MembershipRole.ADMIN,
) -> OrgAccess | Response:
    """The organization if ``user`` holds at least ``minimum`` in it, else the page instead."""
    if user is None:
        return to_sign_in(request)
    if not 1 <= org_id <= MAX_ID:
        return refused_page(request, user, forbidden=False, what="organization")
    try:
        return await require_org_role(db, user, org_id, minimum)
    except NotFound:
        return refused_page(request, user, forbidden=False, what="organization")
    except Forbidden:
        return refused_page(request, user, forbidden=True, what="organization")


def manage_page(
    request: Request,
    managed: ManagedEvent,
    template: str,
    *,
    tab: str,
    title: str,
    status_code: int = status.HTTP_200_OK,
    **context: Any,
) -> Response:
    """A page of the organizer's event layout (``manage_base.html``): the event's name, its
    organization and the tabs, with ``tab`` marked current."""
    return page(
        request,
        template,
        title=title,
        user=managed.access.user,
        status_code=status_code,
        current="organizations",
        event=managed.access.event,
        organization=managed.organization,
        manage_url=managed.url,
        tabs=EVENT_TABS,
        tab=tab,
        **context,
    )

"""Loading what an organizer's page is about, with the API's rules, and rendering it inside the
organizer's layout (the event's tabs).

``ManagedEventDep`` is the console's ``AdminEvent``: sign-in for nobody, the 404 page for an
event the person cannot see, the 403 page for one they see but do not administer (as the API
answers). ``AdminOrgPage`` and ``MemberOrgPage`` do the same for an organization
(``require_org_role``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, status
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.deps import SessionDep, SessionmakerDep
from peerpear.errors import Forbidden, NotFound
from peerpear.events.access import EventAccess, Part, event_access
from peerpear.models import MembershipRole, Organization, User
from peerpear.organizations.access import OrgAccess, require_org_role
from peerpear.web.deps import PageInstead, SignedIn, page
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
    request: Request, event_id: int, user: SignedIn, db: SessionDep, sessions: SessionmakerDep
) -> ManagedEvent:
    """The event of the path if the signed-in person administers it; else the 404 page (an
    event they cannot see) or the 403 page (one they see but do not administer)."""
    if not 1 <= event_id <= MAX_ID:
        raise PageInstead(refused_page(request, user, forbidden=False, what="event"))
    try:
        access = await event_access(db, sessions, user, event_id, admin=True)
    except NotFound:
        raise PageInstead(refused_page(request, user, forbidden=False, what="event")) from None
    except Forbidden:
        raise PageInstead(refused_page(request, user, forbidden=True, what="event")) from None
    organization = await db.get(Organization, access.event.organization_id)
    assert organization is not None  # the event's foreign key
    return ManagedEvent(access, organization, db, sessions)


async def part_of_event(
    request: Request, managed: ManagedEvent, model: type[Part], row_id: int, what: str
) -> Part:
    """The row ``row_id`` of ``model`` (a run, a registration) if it belongs to the managed
    event, else the 404 page: one of another event is not found here."""
    row = await managed.db.get(model, row_id) if 1 <= row_id <= MAX_ID else None
    if row is None or row.event_id != managed.access.event.id:
        raise PageInstead(refused_page(request, managed.access.user, forbidden=False, what=what))
    return row


async def _org_with(
    request: Request, org_id: int, user: User, db: AsyncSession, minimum: MembershipRole
) -> OrgAccess:
    if not 1 <= org_id <= MAX_ID:
        raise PageInstead(refused_page(request, user, forbidden=False, what="organization"))
    try:
        return await require_org_role(db, user, org_id, minimum)
    except NotFound:
        raise PageInstead(
            refused_page(request, user, forbidden=False, what="organization")
        ) from None
    except Forbidden:
        raise PageInstead(
            refused_page(request, user, forbidden=True, what="organization")
        ) from None


async def _admin_org(request: Request, org_id: int, user: SignedIn, db: SessionDep) -> OrgAccess:
    return await _org_with(request, org_id, user, db, MembershipRole.ADMIN)


async def _owner_org(request: Request, org_id: int, user: SignedIn, db: SessionDep) -> OrgAccess:
    return await _org_with(request, org_id, user, db, MembershipRole.OWNER)


async def _member_org(request: Request, org_id: int, user: SignedIn, db: SessionDep) -> OrgAccess:
    return await _org_with(request, org_id, user, db, MembershipRole.MEMBER)


# The console's AdminEvent, OrgAdmin and OrgMember: what the API answers 404 or 403 to is the
# 404 or 403 page, and nobody signed in goes to sign-in.
ManagedEventDep = Annotated[ManagedEvent, Depends(managed_event)]
AdminOrgPage = Annotated[OrgAccess, Depends(_admin_org)]
MemberOrgPage = Annotated[OrgAccess, Depends(_member_org)]
OwnerOrgPage = Annotated[OrgAccess, Depends(_owner_org)]


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

"""The members page of an organization (admins and owners), rendered from the services' lists.

Every action of the page (in :mod:`.org_members_router` and :mod:`.org_invites_router`) either
redirects back here with a flash line, or renders this page once more with its outcome: the
reason it was refused next to the form it concerns, the report of an import, or an invite's
new link (its code is shown once: the server keeps only a hash, so no redirect could carry it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, status
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.errors import AppError
from peerpear.models import AdminRequestStatus, MembershipRole
from peerpear.organizations import admin_requests, invites, members
from peerpear.organizations.access import OrgAccess
from peerpear.organizations.schemas import MemberAddReport
from peerpear.schemas_common import Pagination
from peerpear.web.deps import page

MEMBERS_PAGE_SIZE = 50
# Invites and pending admin requests shown (newest first); older ones are rarely of use.
LIST_SIZE = 50
MAX_SEARCH = 200  # the API's limit on ``q``
ROLES = (MembershipRole.OWNER, MembershipRole.ADMIN, MembershipRole.MEMBER)


@dataclass
class MembersView:
    """What the member list shows: the search, the role filter and the page (from 1)."""

    q: str = ""
    role: MembershipRole | None = None
    page_number: int = 1

    @classmethod
    def from_query(cls, request: Request) -> MembersView:
        params = request.query_params
        role = params.get("role") or ""
        number = params.get("page") or ""
        return cls(
            q=(params.get("q") or "").strip()[:MAX_SEARCH],
            role=MembershipRole(role) if role in set(MembershipRole) else None,
            page_number=int(number) if number.isdigit() and 0 < len(number) < 7 else 1,
        )

    def link(self, page_number: int) -> str:
        """The members page's URL query for another page of this search."""
        query = {"q": self.q, "role": self.role.value if self.role else "", "page": page_number}
        return "?" + urlencode({k: v for k, v in query.items() if v})


@dataclass
class Outcome:
    """What the previous action left to show on the page (nothing on a plain visit)."""

    # Per form field, and per section ("requests", "invites") for what concerns a whole list.
    errors: dict[str, str] = field(default_factory=dict)
    member_errors: dict[int, str] = field(default_factory=dict)  # per member row (user id)
    invite_errors: dict[int, str] = field(default_factory=dict)  # per invite
    values: dict[str, str] = field(default_factory=dict)  # what was typed, kept
    report: MemberAddReport | None = None
    new_link: str | None = None  # an invite's link, right after it was created or rotated
    status_code: int = status.HTTP_200_OK


def join_url(request: Request, code: str) -> str:
    """The console's join link for ``code``: what students open (``/join/{code}``)."""
    return f"{str(request.base_url).rstrip('/')}/join/{code}"


async def members_page(
    request: Request,
    access: OrgAccess,
    db: AsyncSession,
    outcome: Outcome | None = None,
    view: MembersView | None = None,
) -> Response:
    outcome = outcome or Outcome()
    view = view or MembersView()
    org_id = access.organization.id
    offset = (view.page_number - 1) * MEMBERS_PAGE_SIZE
    listed = await members.list_members(
        db,
        org_id,
        Pagination(limit=MEMBERS_PAGE_SIZE, offset=offset),
        q=view.q or None,
        role=view.role,
    )
    recent = Pagination(limit=LIST_SIZE, offset=0)
    invite_list = await invites.list_invites(db, org_id, recent)
    pending = None
    if access.is_owner:  # deciding admin requests is for owners (the API: 403 for admins)
        pending = await admin_requests.list_requests(db, org_id, AdminRequestStatus.PENDING, recent)
    context: dict[str, Any] = {
        "organization": access.organization,
        "is_owner": access.is_owner,
        "me": access.user.id,
        "members": listed.items,
        "total": listed.total,
        "view": view,
        "previous_url": view.link(view.page_number - 1) if view.page_number > 1 else None,
        "next_url": view.link(view.page_number + 1)
        if offset + len(listed.items) < listed.total
        else None,
        "roles": ROLES,
        "invites": invite_list.items,
        "admin_requests": pending.items if pending is not None else None,
        "outcome": outcome,
        "errors": outcome.errors,
        "values": {"emails": "", "expires_in_hours": "", "max_uses": "", **outcome.values},
    }
    return page(
        request,
        "org_members.html",
        title=f"Members of {access.organization.name}",
        user=access.user,
        status_code=outcome.status_code,
        current="organizations",
        **context,
    )


async def after_refusal(db: AsyncSession, access: OrgAccess) -> None:
    """Undo whatever a refused action left in the transaction (a failed flush leaves it
    unusable), then reload what the page shows of the person and the organization."""
    await db.rollback()
    for loaded in (access.user, access.organization, access.membership):
        if loaded is not None:
            await db.refresh(loaded)


def refusal_status(refused: AppError) -> int:
    """A refused action's page keeps the service's 403, 404 or 409; anything else is 422."""
    return refused.status_code if refused.status_code in (403, 404, 409) else 422


def members_url(access: OrgAccess) -> str:
    return f"/organizations/{access.organization.id}/members"

"""Organization authorization, reusable by every feature whose resources belong to an org.

Rules (DESIGN §2): an organization and everything in it is visible to its members only, so a
non-member gets 404 (existence is not confirmed beyond the public card in
``GET /organizations/joinable``); a member whose role is too low gets 403; anonymous callers get
401 before any of this runs (``CurrentUser``). Platform admins get no implicit access.

Two layers:

- plain functions for services and for resources that *point at* an org (an event, a pairing
  run): load the resource, then ``await require_org_role(db, user, event.organization_id,
  MembershipRole.ADMIN, not_found="event not found")``;
- ``Depends`` wrappers for routes with an ``{org_id}`` path parameter: ``OrgMember``,
  ``OrgAdmin``, ``OrgOwner``, each resolving to an :class:`OrgAccess` (org + caller's membership,
  loaded once per request).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.deps import CurrentUser
from peerpear.deps import SessionDep
from peerpear.errors import Forbidden, NotFound
from peerpear.models import Membership, MembershipRole, Organization, User
from peerpear.schemas_common import id_path

# Higher rank includes every power of a lower one.
ROLE_RANK: dict[MembershipRole, int] = {MembershipRole.ADMIN: 1, MembershipRole.OWNER: 2}


@dataclass(frozen=True)
class OrgAccess:
    """The caller, an organization, and the caller's membership in it (None: not a member)."""

    user: User
    organization: Organization
    membership: Membership | None

    @property
    def role(self) -> MembershipRole | None:
        return self.membership.role if self.membership is not None else None

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    @property
    def is_owner(self) -> bool:
        return self.role is MembershipRole.OWNER

    def has_role(self, minimum: MembershipRole) -> bool:
        role = self.role
        return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]


async def get_membership(db: AsyncSession, user_id: int, org_id: int) -> Membership | None:
    """The membership of ``user_id`` in ``org_id``, or None. The one query for "is X a member"."""
    membership: Membership | None = await db.scalar(
        select(Membership).where(
            Membership.organization_id == org_id, Membership.user_id == user_id
        )
    )
    return membership


async def get_org_access(db: AsyncSession, user: User, org_id: int) -> OrgAccess:
    """Load the org and the caller's membership; 404 only when the org does not exist.

    For routes open to non-members (requesting admin) and for features with their own visibility
    rules (e.g. public events); most callers want :func:`require_org_role`.
    """
    org = await db.get(Organization, org_id)
    if org is None:
        raise NotFound("organization not found", details={"organization_id": org_id})
    return OrgAccess(
        user=user, organization=org, membership=await get_membership(db, user.id, org_id)
    )


async def require_org_role(
    db: AsyncSession,
    user: User,
    org_id: int,
    minimum: MembershipRole = MembershipRole.ADMIN,
    *,
    not_found: str = "organization not found",
) -> OrgAccess:
    """The caller's access to ``org_id`` if they hold at least ``minimum``.

    Raises NotFound (with ``not_found`` as the message, so a caller guarding an event can say
    "event not found") when the org is missing or the caller is not a member, alike, so a
    non-member learns nothing; Forbidden when they are a member with a lower role.
    """
    org = await db.get(Organization, org_id)
    membership = await get_membership(db, user.id, org_id) if org is not None else None
    if org is None or membership is None:
        raise NotFound(not_found)
    access = OrgAccess(user=user, organization=org, membership=membership)
    if not access.has_role(minimum):
        raise Forbidden(f"this action requires the {minimum.value} role in the organization")
    return access


# Out of the database's id range (1 .. 2**31-1): 422, before any query.
OrgIdPath = Annotated[int, id_path("Organization id.")]


async def _org_visitor(org_id: OrgIdPath, user: CurrentUser, db: SessionDep) -> OrgAccess:
    return await get_org_access(db, user, org_id)


async def _org_admin(org_id: OrgIdPath, user: CurrentUser, db: SessionDep) -> OrgAccess:
    return await require_org_role(db, user, org_id, MembershipRole.ADMIN)


async def _org_owner(org_id: OrgIdPath, user: CurrentUser, db: SessionDep) -> OrgAccess:
    return await require_org_role(db, user, org_id, MembershipRole.OWNER)


# Any signed-in caller; the org must exist. Check ``access.is_member`` yourself.
OrgVisitor = Annotated[OrgAccess, Depends(_org_visitor)]
# Admin or owner. Every member is at least an admin today, so OrgMember is the same check; use
# whichever name says what the route means.
OrgAdmin = Annotated[OrgAccess, Depends(_org_admin)]
OrgMember = OrgAdmin
OrgOwner = Annotated[OrgAccess, Depends(_org_owner)]

"""Who may do what in an organization (DESIGN §2): the one place for these rules.

Nothing here knows about HTTP: services call these functions directly, and the route
dependencies in :mod:`peerpear.organizations.deps` are thin wrappers around them.

- Roles are ranked; a higher role includes every power of a lower one (:func:`role_allows`).
- An organization and everything in it is visible to its members only: a non-member gets 404,
  the same as for an organization that does not exist, so existence is not confirmed beyond the
  public card in ``GET /organizations/joinable``. A member whose role is too low gets 403
  (:func:`require_role`). Anonymous callers get 401 before any of this runs (``CurrentUser``).
- Platform admins get no implicit access to organizations they do not belong to; their one extra
  power is creating organizations when the operator has turned that off for everyone else
  (:func:`may_create_organization`).

Features whose resources *point at* an organization (an event, a pairing run) load the resource,
then ``await require_org_role(db, user, event.organization_id, MembershipRole.ADMIN,
not_found="event not found")``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.config import Settings
from peerpear.errors import Forbidden, NotFound
from peerpear.models import Membership, MembershipRole, Organization, User

ORG_NOT_FOUND = "organization not found"

# Higher rank includes every power of a lower one.
ROLE_RANK: dict[MembershipRole, int] = {
    MembershipRole.MEMBER: 0,
    MembershipRole.ADMIN: 1,
    MembershipRole.OWNER: 2,
}


def role_allows(role: MembershipRole | None, minimum: MembershipRole) -> bool:
    """Whether ``role`` (None: not a member) holds at least the powers of ``minimum``."""
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]


def membership_rank() -> ColumnElement[int]:
    """``ROLE_RANK`` of ``Membership.role`` in SQL, to order lists by role (highest first with
    ``.desc()``) without relying on how the role names happen to sort."""
    return case(ROLE_RANK, value=Membership.role)


def require_role(
    membership: Membership | None, minimum: MembershipRole, *, not_found: str = ORG_NOT_FOUND
) -> Membership:
    """The 404-vs-403 rule on a caller's membership (None: not a member).

    NotFound (message ``not_found``) for a non-member, who must not learn that the resource
    exists; Forbidden for a member whose role is below ``minimum``.
    """
    if membership is None:
        raise NotFound(not_found)
    if not role_allows(membership.role, minimum):
        raise Forbidden(f"this action requires the {minimum.value} role in the organization")
    return membership


def may_create_organization(user: User, settings: Settings) -> bool:
    """Platform admins always; everyone signed in while ``allow_org_creation`` is on."""
    return user.is_platform_admin or settings.allow_org_creation


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
        return role_allows(self.role, minimum)


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
        raise NotFound(ORG_NOT_FOUND, details={"organization_id": org_id})
    return OrgAccess(
        user=user, organization=org, membership=await get_membership(db, user.id, org_id)
    )


async def require_org_role(
    db: AsyncSession,
    user: User,
    org_id: int,
    minimum: MembershipRole = MembershipRole.ADMIN,
    *,
    not_found: str = ORG_NOT_FOUND,
) -> OrgAccess:
    """The caller's access to ``org_id`` if they hold at least ``minimum``.

    Raises NotFound (with ``not_found`` as the message, so a caller guarding an event can say
    "event not found") when the org is missing or the caller is not a member, alike, so a
    non-member learns nothing; Forbidden when they are a member with a lower role.
    """
    org = await db.get(Organization, org_id)
    if org is None:
        raise NotFound(not_found)
    membership = require_role(
        await get_membership(db, user.id, org_id), minimum, not_found=not_found
    )
    return OrgAccess(user=user, organization=org, membership=membership)

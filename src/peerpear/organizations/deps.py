"""Route dependencies for paths with an ``{org_id}``: thin wrappers around
:mod:`peerpear.organizations.access`, where the rules live (services use that module directly).

Each resolves to an :class:`~peerpear.organizations.access.OrgAccess` (the org and the caller's
membership, loaded once per request).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from peerpear.auth.deps import CurrentUser
from peerpear.deps import SessionDep, id_path
from peerpear.models import MembershipRole
from peerpear.organizations.access import OrgAccess, get_org_access, require_org_role

# Out of the database's id range (1 .. 2**31-1): 422, before any query.
OrgIdPath = Annotated[int, id_path("Organization id.")]


async def _org_visitor(org_id: OrgIdPath, user: CurrentUser, db: SessionDep) -> OrgAccess:
    return await get_org_access(db, user, org_id)


async def _org_member(org_id: OrgIdPath, user: CurrentUser, db: SessionDep) -> OrgAccess:
    return await require_org_role(db, user, org_id, MembershipRole.MEMBER)


async def _org_admin(org_id: OrgIdPath, user: CurrentUser, db: SessionDep) -> OrgAccess:
    return await require_org_role(db, user, org_id, MembershipRole.ADMIN)


async def _org_owner(org_id: OrgIdPath, user: CurrentUser, db: SessionDep) -> OrgAccess:
    return await require_org_role(db, user, org_id, MembershipRole.OWNER)


# Any signed-in caller; the org must exist. Check ``access.is_member`` yourself.
OrgVisitor = Annotated[OrgAccess, Depends(_org_visitor)]
# Any member (member, admin or owner); 404 for everyone else.
OrgMember = Annotated[OrgAccess, Depends(_org_member)]
# Admin or owner: 403 for a member, 404 for a non-member.
OrgAdmin = Annotated[OrgAccess, Depends(_org_admin)]
OrgOwner = Annotated[OrgAccess, Depends(_org_owner)]

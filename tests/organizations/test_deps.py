"""The reusable organization checks, called the way later features (events, pairing) will."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.errors import Forbidden, NotFound
from peerpear.models import MembershipRole
from peerpear.organizations.deps import get_membership, get_org_access, require_org_role
from tests.factories import add_member, create_organization, create_user


async def test_require_org_role(session: AsyncSession) -> None:
    owner = await create_user(session)
    admin = await create_user(session)
    stranger = await create_user(session)
    org = await create_organization(session, owner)
    await add_member(session, org, admin, MembershipRole.ADMIN)

    access = await require_org_role(session, owner, org.id, MembershipRole.OWNER)
    assert access.is_owner and access.organization.id == org.id and access.user is owner
    admin_access = await require_org_role(session, admin, org.id)
    assert admin_access.role is MembershipRole.ADMIN and not admin_access.is_owner

    with pytest.raises(Forbidden):
        await require_org_role(session, admin, org.id, MembershipRole.OWNER)
    with pytest.raises(NotFound, match="event not found"):
        await require_org_role(session, stranger, org.id, not_found="event not found")
    with pytest.raises(NotFound, match="event not found"):
        await require_org_role(session, owner, 999999, not_found="event not found")


async def test_get_org_access_for_non_members(session: AsyncSession) -> None:
    owner = await create_user(session)
    stranger = await create_user(session)
    org = await create_organization(session, owner)
    visitor = await get_org_access(session, stranger, org.id)
    assert not visitor.is_member and visitor.role is None
    assert not visitor.has_role(MembershipRole.ADMIN)
    with pytest.raises(NotFound):
        await get_org_access(session, stranger, 999999)


async def test_get_membership(session: AsyncSession) -> None:
    owner = await create_user(session)
    admin = await create_user(session)
    org = await create_organization(session, owner)
    other = await create_organization(session, admin)
    await add_member(session, org, admin, MembershipRole.ADMIN)
    found = await get_membership(session, admin.id, org.id)
    assert found is not None and found.role is MembershipRole.ADMIN
    assert (found.user_id, found.organization_id) == (admin.id, org.id)
    assert await get_membership(session, owner.id, other.id) is None
    assert await get_membership(session, owner.id, 999999) is None

"""The organization authorization rules (DESIGN §2), called the way services and later features
(events, pairing) call them."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.errors import Forbidden, NotFound
from peerpear.models import Membership, MembershipRole, User
from peerpear.organizations.access import (
    ROLE_RANK,
    get_membership,
    get_org_access,
    may_create_organization,
    require_org_role,
    require_role,
    role_allows,
)
from tests.conftest import make_settings
from tests.factories import add_member, create_organization, create_user

OWNER, ADMIN = MembershipRole.OWNER, MembershipRole.ADMIN


def test_every_role_has_a_rank() -> None:
    assert set(ROLE_RANK) == set(MembershipRole)


@pytest.mark.parametrize(
    ("role", "minimum", "allowed"),
    [
        (OWNER, OWNER, True),
        (OWNER, ADMIN, True),
        (ADMIN, ADMIN, True),
        (ADMIN, OWNER, False),
        (None, ADMIN, False),
        (None, OWNER, False),
    ],
)
def test_role_allows_and_the_404_vs_403_rule(
    role: MembershipRole | None, minimum: MembershipRole, allowed: bool
) -> None:
    assert role_allows(role, minimum) is allowed
    membership = Membership(user_id=1, organization_id=1, role=role) if role else None
    if allowed:
        assert require_role(membership, minimum) is membership
    elif membership is None:  # not a member: must not learn the resource exists
        with pytest.raises(NotFound, match="event not found"):
            require_role(membership, minimum, not_found="event not found")
    else:  # a member, too low a role
        with pytest.raises(Forbidden, match=f"requires the {minimum.value} role"):
            require_role(membership, minimum, not_found="event not found")


@pytest.mark.parametrize(
    ("platform_admin", "creation_open", "allowed"),
    [(True, False, True), (True, True, True), (False, True, True), (False, False, False)],
)
def test_who_may_create_organizations(
    platform_admin: bool, creation_open: bool, allowed: bool
) -> None:
    user = User(
        email="u@example.edu", first_name="U", last_name="", is_platform_admin=platform_admin
    )
    settings = make_settings("sqlite://", allow_org_creation=creation_open)
    assert may_create_organization(user, settings) is allowed


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


async def test_platform_admins_get_no_implicit_access(session: AsyncSession) -> None:
    owner = await create_user(session)
    platform_admin = await create_user(session, platform_admin=True)
    org = await create_organization(session, owner)
    with pytest.raises(NotFound):
        await require_org_role(session, platform_admin, org.id, MembershipRole.ADMIN)
    assert not (await get_org_access(session, platform_admin, org.id)).is_member


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

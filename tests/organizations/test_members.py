"""Members: list, promote/demote, remove, leave, and the "at least one owner" rule."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.errors import Forbidden, NotFound
from peerpear.models import AuditLogEntry, Membership, MembershipRole, Organization, User
from peerpear.organizations import members
from peerpear.organizations.access import OrgAccess, require_org_role
from tests.factories import (
    add_member,
    audit_actions,
    auth_headers,
    create_organization,
    create_user,
)

API = "/api/v1"


async def _world(session: AsyncSession) -> tuple[Organization, User, User, User]:
    owner = await create_user(session, first_name="Olive", last_name="Owner")
    admin = await create_user(session, first_name="Adam", last_name="Admin")
    stranger = await create_user(session)
    org = await create_organization(session, owner, "Alpha")
    await add_member(session, org, admin, MembershipRole.ADMIN)
    return org, owner, admin, stranger


async def _roles(session: AsyncSession, org: Organization) -> dict[int, MembershipRole]:
    rows = await session.execute(
        select(Membership.user_id, Membership.role).where(Membership.organization_id == org.id)
    )
    return dict(rows.tuples().all())


async def test_list_members_for_admins_only(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    org, owner, admin, stranger = await _world(session)
    url = f"{API}/organizations/{org.id}/members"
    resp = await client.get(url, headers=await auth_headers(session, admin))
    assert resp.status_code == 200
    items = resp.json()["items"]
    assert [(m["user_id"], m["role"]) for m in items] == [
        (owner.id, "owner"),
        (admin.id, "admin"),
    ]
    assert items[0]["email"] == owner.email and items[0]["first_name"] == "Olive"
    assert resp.json()["total"] == 2
    assert (await client.get(url, headers=await auth_headers(session, stranger))).status_code == 404
    assert (await client.get(url)).status_code == 401


async def test_promote_demote_and_last_owner(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    org, owner, admin, _ = await _world(session)
    owner_h = await auth_headers(session, owner)
    admin_h = await auth_headers(session, admin)
    base = f"{API}/organizations/{org.id}/members"

    # The only owner cannot demote themself.
    last = await client.patch(f"{base}/{owner.id}", json={"role": "admin"}, headers=owner_h)
    assert last.status_code == 409 and last.json()["error"]["code"] == "invalid_state"
    assert "at least one owner" in last.json()["error"]["message"]
    # An admin cannot change roles.
    forbidden = await client.patch(f"{base}/{admin.id}", json={"role": "owner"}, headers=admin_h)
    assert forbidden.status_code == 403

    promoted = await client.patch(f"{base}/{admin.id}", json={"role": "owner"}, headers=owner_h)
    assert promoted.status_code == 200 and promoted.json()["role"] == "owner"
    # Now there are two owners, so the first may step down.
    demoted = await client.patch(f"{base}/{owner.id}", json={"role": "admin"}, headers=owner_h)
    assert demoted.status_code == 200 and demoted.json()["role"] == "admin"
    assert await _roles(session, org) == {
        owner.id: MembershipRole.ADMIN,
        admin.id: MembershipRole.OWNER,
    }
    # The former owner lost owner powers at once.
    again = await client.patch(f"{base}/{admin.id}", json={"role": "admin"}, headers=owner_h)
    assert again.status_code == 403

    missing = await client.patch(f"{base}/999999", json={"role": "owner"}, headers=admin_h)
    assert missing.status_code == 404
    invalid = await client.patch(f"{base}/{owner.id}", json={"role": "student"}, headers=admin_h)
    assert invalid.status_code == 422
    assert await audit_actions(session, org) == ["membership.promote", "membership.demote"]


async def test_remove_member(client: httpx.AsyncClient, session: AsyncSession) -> None:
    org, owner, admin, stranger = await _world(session)
    owner_h = await auth_headers(session, owner)
    base = f"{API}/organizations/{org.id}/members"
    admin_h = await auth_headers(session, admin)
    assert (await client.delete(f"{base}/{owner.id}", headers=admin_h)).status_code == 403
    assert (await client.delete(f"{base}/{stranger.id}", headers=owner_h)).status_code == 404
    self_remove = await client.delete(f"{base}/{owner.id}", headers=owner_h)
    assert self_remove.status_code == 409
    removed = await client.delete(f"{base}/{admin.id}", headers=owner_h)
    assert removed.status_code == 204 and removed.content == b""
    assert await _roles(session, org) == {owner.id: MembershipRole.OWNER}
    # The removed admin no longer sees the organization.
    gone = await client.get(f"{API}/organizations/{org.id}", headers=admin_h)
    assert gone.status_code == 404
    entry = await session.scalar(
        select(AuditLogEntry).where(AuditLogEntry.action == "membership.remove")
    )
    assert entry is not None and entry.actor_id == owner.id and entry.target_id == str(admin.id)
    assert entry.details == {"user_id": admin.id, "role": "admin"}


async def test_leave(client: httpx.AsyncClient, session: AsyncSession) -> None:
    org, owner, admin, stranger = await _world(session)
    url = f"{API}/organizations/{org.id}/leave"
    owner_h = await auth_headers(session, owner)
    last = await client.post(url, headers=owner_h)
    assert last.status_code == 409 and "at least one owner" in last.json()["error"]["message"]
    assert (
        await client.post(url, headers=await auth_headers(session, stranger))
    ).status_code == 404
    assert (await client.post(url, headers=await auth_headers(session, admin))).status_code == 204
    assert await _roles(session, org) == {owner.id: MembershipRole.OWNER}
    assert await audit_actions(session, org) == ["membership.leave"]


async def test_two_owners_leaving_at_once_keep_one(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    org, owner, admin, _ = await _world(session)
    second = await create_user(session)
    await add_member(session, org, second, MembershipRole.OWNER)
    url = f"{API}/organizations/{org.id}/leave"
    headers = [await auth_headers(session, owner), await auth_headers(session, second)]
    for _ in range(3):
        results = await asyncio.gather(*(client.post(url, headers=h) for h in headers))
        codes = sorted(r.status_code for r in results)
        assert codes == [204, 409], [r.text for r in results]
        roles = await _roles(session, org)
        assert list(roles.values()).count(MembershipRole.OWNER) == 1
        # Restore the owner who left and go again.
        left = owner if owner.id not in roles else second
        await add_member(session, org, left, MembershipRole.OWNER)
    assert admin.id in await _roles(session, org)


async def test_owners_demoting_each_other_at_once_only_one_wins(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    org, a, _, _ = await _world(session)
    b, c = await create_user(session), await create_user(session)
    await add_member(session, org, b, MembershipRole.OWNER)
    await add_member(session, org, c, MembershipRole.OWNER)
    a_h, b_h = await auth_headers(session, a), await auth_headers(session, b)
    base = f"{API}/organizations/{org.id}/members"
    for _ in range(4):
        results = await asyncio.gather(
            client.patch(f"{base}/{b.id}", json={"role": "admin"}, headers=a_h),
            client.patch(f"{base}/{a.id}", json={"role": "admin"}, headers=b_h),
        )
        # Whoever changes roles second is no longer an owner by then: 403, nothing changed.
        assert sorted(r.status_code for r in results) == [200, 403], [r.text for r in results]
        roles = await _roles(session, org)
        owners = {uid for uid, role in roles.items() if role is MembershipRole.OWNER}
        assert c.id in owners and len(owners & {a.id, b.id}) == 1, roles
        # Make both owners again for the next round.
        await session.execute(
            update(Membership)
            .where(Membership.organization_id == org.id, Membership.user_id.in_([a.id, b.id]))
            .values(role=MembershipRole.OWNER)
        )
        await session.commit()


async def test_the_callers_role_is_checked_again_under_the_lock(
    session: AsyncSession, session_maker: async_sessionmaker[AsyncSession]
) -> None:
    # The route checked the role before taking the lock; a concurrent request may have changed
    # it since. Simulate that: authorize, then change the caller's membership elsewhere.
    org, owner, admin, _ = await _world(session)
    second = await create_user(session)
    await add_member(session, org, second, MembershipRole.OWNER)
    ids = (org.id, owner.id, admin.id, second.id)

    async def stale_access(user_id: int) -> OrgAccess:
        async with session_maker() as fresh:
            user = await fresh.get_one(User, user_id)
            return await require_org_role(fresh, user, ids[0], MembershipRole.OWNER)

    async def set_role(user_id: int, role: MembershipRole | None) -> None:
        async with session_maker() as other, other.begin():
            where = (Membership.organization_id == ids[0], Membership.user_id == user_id)
            if role is None:
                await other.execute(delete(Membership).where(*where))
            else:
                await other.execute(update(Membership).where(*where).values(role=role))

    async def refused(
        error: type[Exception], action: Callable[[AsyncSession], Awaitable[object]]
    ) -> None:
        async with session_maker() as db:
            with pytest.raises(error):
                await action(db)
            await db.rollback()

    # Demoted to admin meanwhile: 403 for owner-only actions.
    access = await stale_access(ids[3])
    await set_role(ids[3], MembershipRole.ADMIN)
    await refused(
        Forbidden, lambda db: members.change_role(db, access, ids[2], MembershipRole.OWNER)
    )
    await refused(Forbidden, lambda db: members.remove_member(db, access, ids[2]))
    # Removed meanwhile: 404, as for any non-member.
    await set_role(ids[3], None)
    await refused(
        NotFound, lambda db: members.change_role(db, access, ids[2], MembershipRole.OWNER)
    )
    await refused(NotFound, lambda db: members.leave(db, access))
    roles = await _roles(session, org)
    assert roles == {ids[1]: MembershipRole.OWNER, ids[2]: MembershipRole.ADMIN}


async def test_admins_remove_members_but_not_admins(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    org, owner, admin, _ = await _world(session)
    other_admin = await create_user(session)
    await add_member(session, org, other_admin, MembershipRole.ADMIN)
    student = await create_user(session)
    await add_member(session, org, student, MembershipRole.MEMBER)
    classmate = await create_user(session)
    await add_member(session, org, classmate, MembershipRole.MEMBER)
    base = f"{API}/organizations/{org.id}/members"
    admin_h = await auth_headers(session, admin)

    # A member cannot remove anyone (leaving is POST /leave).
    by_member = await client.delete(
        f"{base}/{classmate.id}", headers=await auth_headers(session, student)
    )
    assert by_member.status_code == 403
    for target in (other_admin, owner):
        refused = await client.delete(f"{base}/{target.id}", headers=admin_h)
        assert refused.status_code == 403, refused.text
        assert "owner" in refused.json()["error"]["message"]
    removed = await client.delete(f"{base}/{student.id}", headers=admin_h)
    assert removed.status_code == 204
    roles = await _roles(session, org)
    assert student.id not in roles and classmate.id in roles and other_admin.id in roles
    entry = await session.scalar(
        select(AuditLogEntry).where(AuditLogEntry.action == "membership.remove")
    )
    assert entry is not None and entry.actor_id == admin.id
    assert entry.details == {"user_id": student.id, "role": "member"}


async def test_member_search_and_role_filter(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    org, owner, admin, _ = await _world(session)
    people = [
        ("Maria", "Garcia", "mgarcia@example.edu"),
        ("Mario", "Rossi", "rossi@example.edu"),
        ("Zoe", "Marin", "zoe@example.edu"),
        ("Bo", "Li", "bo_li@example.edu"),
        ("Al", "Percent", "al%@example.edu"),
    ]
    ids = {}
    for first, last, email in people:
        user = await create_user(session, email, first_name=first, last_name=last)
        await add_member(session, org, user, MembershipRole.MEMBER)
        ids[first] = user.id
    url = f"{API}/organizations/{org.id}/members"
    headers = await auth_headers(session, admin)

    async def found(**params: str) -> list[int]:
        resp = await client.get(url, params=params, headers=headers)
        assert resp.status_code == 200, resp.text
        assert resp.json()["total"] == len(resp.json()["items"]) or "limit" in params
        return [m["user_id"] for m in resp.json()["items"]]

    # Case-insensitive, on first name, last name, full name and email; by last name.
    assert await found(q="MAR") == [ids["Maria"], ids["Zoe"], ids["Mario"]]
    assert await found(q="maria garcia") == [ids["Maria"]]
    assert await found(q="ROSSI@") == [ids["Mario"]]
    # % and _ are literal, not wildcards.
    assert await found(q="_") == [ids["Bo"]]
    assert await found(q="%") == [ids["Al"]]
    assert await found(q="nobody") == []
    assert await found(role="admin") == [admin.id]
    assert await found(role="owner") == [owner.id]
    assert await found(role="member", q="ma") == [ids["Maria"], ids["Zoe"], ids["Mario"]]
    page = await client.get(
        url, params={"role": "member", "limit": 2, "offset": 2}, headers=headers
    )
    assert page.json()["total"] == 5 and len(page.json()["items"]) == 2
    bad = await client.get(url, params={"role": "boss"}, headers=headers)
    assert bad.status_code == 422
    long = await client.get(url, params={"q": "x" * 201}, headers=headers)
    assert long.status_code == 422

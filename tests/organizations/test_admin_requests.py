"""Admin requests: create, bulk, list (owners), approve and deny."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import (
    AdminRequest,
    AdminRequestStatus,
    AuditLogEntry,
    Membership,
    MembershipRole,
)
from tests.factories import (
    add_member,
    auth_headers,
    create_admin_request,
    create_organization,
    create_user,
)

API = "/api/v1"


async def test_request_rules(client: httpx.AsyncClient, session: AsyncSession) -> None:
    owner = await create_user(session)
    requester = await create_user(session)
    org = await create_organization(session, owner)
    url = f"{API}/organizations/{org.id}/admin-requests"
    headers = await auth_headers(session, requester)

    assert (await client.post(url, json={})).status_code == 401
    created = await client.post(url, json={"message": "I run the socials"}, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "pending" and body["message"] == "I run the socials"
    assert body["requester"]["id"] == requester.id and body["organization_id"] == org.id

    duplicate = await client.post(url, headers=headers)  # the body is optional
    assert duplicate.status_code == 409
    assert "pending" in duplicate.json()["error"]["message"]

    member = await client.post(url, headers=await auth_headers(session, owner))
    assert member.status_code == 409 and "admin" in member.json()["error"]["message"]

    missing = await client.post(f"{API}/organizations/999999/admin-requests", headers=headers)
    assert missing.status_code == 404


async def test_concurrent_duplicates_leave_one_pending(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await create_user(session)
    requester = await create_user(session)
    org = await create_organization(session, owner)
    url = f"{API}/organizations/{org.id}/admin-requests"
    headers = await auth_headers(session, requester)
    results = await asyncio.gather(*(client.post(url, headers=headers) for _ in range(4)))
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409], [r.text for r in results]
    count = await session.scalar(select(func.count()).select_from(AdminRequest))
    assert count == 1


async def test_list_for_owners_with_filter(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await create_user(session)
    admin = await create_user(session)
    a = await create_user(session, first_name="Ann", last_name="Able")
    b = await create_user(session)
    org = await create_organization(session, owner)
    await add_member(session, org, admin)
    await create_admin_request(session, org, a, message="hi")
    await create_admin_request(session, org, b, status=AdminRequestStatus.DENIED)
    url = f"{API}/organizations/{org.id}/admin-requests"

    assert (await client.get(url, headers=await auth_headers(session, admin))).status_code == 403
    assert (await client.get(url, headers=await auth_headers(session, a))).status_code == 404
    owner_h = await auth_headers(session, owner)
    everything = (await client.get(url, headers=owner_h)).json()
    assert everything["total"] == 2
    pending = (await client.get(url, params={"status": "pending"}, headers=owner_h)).json()
    assert pending["total"] == 1
    item = pending["items"][0]
    assert item["requester"] == {
        "id": a.id,
        "email": a.email,
        "first_name": "Ann",
        "last_name": "Able",
    }
    bad = await client.get(url, params={"status": "maybe"}, headers=owner_h)
    assert bad.status_code == 422


async def test_approve_and_deny(client: httpx.AsyncClient, session: AsyncSession) -> None:
    owner = await create_user(session)
    admin = await create_user(session)
    a = await create_user(session)
    b = await create_user(session)
    outsider = await create_user(session)
    org = await create_organization(session, owner)
    await add_member(session, org, admin)
    req_a = await create_admin_request(session, org, a)
    req_b = await create_admin_request(session, org, b)
    owner_h = await auth_headers(session, owner)

    def url(req: AdminRequest, verb: str) -> str:
        return f"{API}/admin-requests/{req.id}/{verb}"

    assert (await client.post(url(req_a, "approve"))).status_code == 401
    as_outsider = await client.post(
        url(req_a, "approve"), headers=await auth_headers(session, outsider)
    )
    assert as_outsider.status_code == 404
    # The requester cannot approve their own request either.
    as_self = await client.post(url(req_a, "approve"), headers=await auth_headers(session, a))
    assert as_self.status_code == 404
    as_admin = await client.post(url(req_a, "approve"), headers=await auth_headers(session, admin))
    assert as_admin.status_code == 403

    approved = await client.post(url(req_a, "approve"), headers=owner_h)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by_id"] == owner.id
    role = await session.scalar(
        select(Membership.role).where(
            Membership.organization_id == org.id, Membership.user_id == a.id
        )
    )
    assert role is MembershipRole.ADMIN
    again = await client.post(url(req_a, "deny"), headers=owner_h)
    assert again.status_code == 409 and "already approved" in again.json()["error"]["message"]

    denied = await client.post(url(req_b, "deny"), headers=owner_h)
    assert denied.status_code == 200 and denied.json()["status"] == "denied"
    no_membership = await session.scalar(
        select(Membership).where(Membership.organization_id == org.id, Membership.user_id == b.id)
    )
    assert no_membership is None
    assert (await client.post(url(req_b, "approve"), headers=owner_h)).status_code == 409
    assert (
        await client.post(f"{API}/admin-requests/999999/approve", headers=owner_h)
    ).status_code == 404

    # A denied user may ask again.
    retry = await client.post(
        f"{API}/organizations/{org.id}/admin-requests", headers=await auth_headers(session, b)
    )
    assert retry.status_code == 201

    actions = list(
        await session.scalars(
            select(AuditLogEntry.action)
            .where(AuditLogEntry.organization_id == org.id)
            .order_by(AuditLogEntry.id)
        )
    )
    assert actions == ["admin_request.approve", "admin_request.deny"]


async def test_concurrent_decisions_one_wins(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await create_user(session)
    co_owner = await create_user(session)
    requester = await create_user(session)
    org = await create_organization(session, owner)
    await add_member(session, org, co_owner, MembershipRole.OWNER)
    req = await create_admin_request(session, org, requester)
    heads = [await auth_headers(session, owner), await auth_headers(session, co_owner)]
    results = await asyncio.gather(
        client.post(f"{API}/admin-requests/{req.id}/approve", headers=heads[0]),
        client.post(f"{API}/admin-requests/{req.id}/deny", headers=heads[1]),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    audits = await session.scalar(
        select(func.count())
        .select_from(AuditLogEntry)
        .where(AuditLogEntry.action.like("admin_request.%"))
    )
    assert audits == 1


async def test_bulk(client: httpx.AsyncClient, session: AsyncSession) -> None:
    owner = await create_user(session)
    me = await create_user(session)
    fresh = await create_organization(session, owner)
    fresh2 = await create_organization(session, owner)
    joined = await create_organization(session, owner)
    await add_member(session, joined, me)
    asked = await create_organization(session, owner)
    await create_admin_request(session, asked, me)
    headers = await auth_headers(session, me)
    ids = [fresh.id, joined.id, asked.id, 999999, fresh2.id, fresh.id]

    assert (
        await client.post(f"{API}/admin-requests/bulk", json={"organization_ids": ids})
    ).status_code == 401
    resp = await client.post(
        f"{API}/admin-requests/bulk",
        json={"organization_ids": ids, "message": "hello"},
        headers=headers,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["created"] == 2 and body["skipped"] == 3
    assert [(i["organization_id"], i["result"], i["reason"]) for i in body["items"]] == [
        (fresh.id, "created", None),
        (joined.id, "skipped", "already_admin"),
        (asked.id, "skipped", "already_pending"),
        (999999, "skipped", "not_found"),
        (fresh2.id, "created", None),
    ]
    assert body["items"][0]["request"]["message"] == "hello"
    assert body["items"][1]["request"] is None
    pending = await session.scalar(
        select(func.count())
        .select_from(AdminRequest)
        .where(AdminRequest.user_id == me.id, AdminRequest.status == AdminRequestStatus.PENDING)
    )
    assert pending == 3

    empty = await client.post(
        f"{API}/admin-requests/bulk", json={"organization_ids": []}, headers=headers
    )
    assert empty.status_code == 422


async def test_a_member_may_ask_to_become_admin(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await create_user(session)
    student = await create_user(session)
    org = await create_organization(session, owner)
    await add_member(session, org, student, MembershipRole.MEMBER)
    url = f"{API}/organizations/{org.id}/admin-requests"

    created = await client.post(url, json={}, headers=await auth_headers(session, student))
    assert created.status_code == 201, created.text
    approved = await client.post(
        f"{API}/admin-requests/{created.json()['id']}/approve",
        headers=await auth_headers(session, owner),
    )
    assert approved.status_code == 200, approved.text
    role = await session.scalar(
        select(Membership.role).where(
            Membership.organization_id == org.id, Membership.user_id == student.id
        )
    )
    assert role is MembershipRole.ADMIN
    # Now an admin, asking again is refused.
    again = await client.post(url, json={}, headers=await auth_headers(session, student))
    assert again.status_code == 409
    assert again.json()["error"]["details"]["reason"] == "already_admin"

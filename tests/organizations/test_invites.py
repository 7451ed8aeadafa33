"""Invite codes: create, list, rotate, revoke; joining with one (errors, throttling, races)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.sessions import hash_token
from peerpear.db import utcnow
from peerpear.models import Membership, MembershipRole, Organization, User
from peerpear.models import OrganizationInvite as Invite
from tests.factories import (
    add_member,
    audit_actions,
    auth_headers,
    create_invite,
    create_organization,
    create_user,
)

API = "/api/v1"


async def _org(session: AsyncSession) -> tuple[Organization, User, User]:
    owner = await create_user(session, first_name="Olive", last_name="Owner")
    admin = await create_user(session, first_name="Adam", last_name="Admin")
    org = await create_organization(session, owner, "Chess Club")
    await add_member(session, org, admin, MembershipRole.ADMIN)
    return org, owner, admin


async def _join(
    client: httpx.AsyncClient, session: AsyncSession, user: User, code: str, **kw: Any
) -> httpx.Response:
    headers = await auth_headers(session, user)
    return await client.post(
        f"{API}/organizations/join", json={"code": code}, headers=headers, **kw
    )


async def _role(session: AsyncSession, org: Organization, user: User) -> MembershipRole | None:
    role: MembershipRole | None = await session.scalar(
        select(Membership.role).where(
            Membership.organization_id == org.id, Membership.user_id == user.id
        )
    )
    return role


async def test_create_join_rotate_revoke(client: httpx.AsyncClient, session: AsyncSession) -> None:
    org, _, admin = await _org(session)
    admin_h = await auth_headers(session, admin)
    base = f"{API}/organizations/{org.id}/invites"

    created = await client.post(base, json={"max_uses": 3, "expires_in_hours": 48}, headers=admin_h)
    assert created.status_code == 201, created.text
    body = created.json()
    code, invite = body["code"], body["invite"]
    assert len(code) >= 24 and invite["code_prefix"] == code[:6]
    assert body["link"] == f"http://test/join?code={code}"
    assert invite["status"] == "active" and invite["uses"] == 0 and invite["max_uses"] == 3
    # Only the digest is stored, never the code.
    row = await session.get(Invite, invite["id"])
    assert row is not None and row.code_hash == hash_token(code) and code not in row.code_hash

    student = await create_user(session, first_name="Sam", last_name="Student")
    joined = await _join(client, session, student, f"  {code} ")  # pasted with spaces
    assert joined.status_code == 200, joined.text
    assert joined.json()["joined"] is True
    assert joined.json()["organization"]["id"] == org.id
    assert joined.json()["organization"]["my_role"] == "member"
    assert await _role(session, org, student) is MembershipRole.MEMBER

    # Idempotent: joining again changes nothing and uses nothing.
    again = await _join(client, session, student, code)
    assert again.status_code == 200 and again.json()["joined"] is False
    listed = await client.get(base, headers=admin_h)
    assert listed.status_code == 200
    assert [(i["id"], i["uses"]) for i in listed.json()["items"]] == [(invite["id"], 1)]
    assert "code" not in listed.json()["items"][0]

    rotated = await client.post(f"{base}/{invite['id']}/rotate", headers=admin_h)
    assert rotated.status_code == 200, rotated.text
    new_code = rotated.json()["code"]
    assert new_code != code and rotated.json()["invite"]["uses"] == 1
    assert rotated.json()["invite"]["rotated_at"] is not None
    late = await create_user(session)
    old = await _join(client, session, late, code)
    assert old.status_code == 404 and old.json()["error"]["details"] == {"reason": "unknown"}
    assert (await _join(client, session, late, new_code)).status_code == 200

    revoked = await client.post(f"{base}/{invite['id']}/revoke", headers=admin_h)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    twice = await client.post(f"{base}/{invite['id']}/revoke", headers=admin_h)
    assert twice.status_code == 200 and twice.json()["revoked_at"] == revoked.json()["revoked_at"]
    gone = await _join(client, session, await create_user(session), new_code)
    assert gone.status_code == 410, gone.text
    assert gone.json()["error"]["code"] == "gone"
    assert gone.json()["error"]["details"] == {"reason": "revoked"}
    # A revoked invite is not rotated back to life.
    dead = await client.post(f"{base}/{invite['id']}/rotate", headers=admin_h)
    assert dead.status_code == 409 and dead.json()["error"]["code"] == "invalid_state"

    assert await audit_actions(session, org) == [
        "invite.create",
        "membership.join",
        "invite.rotate",
        "membership.join",
        "invite.revoke",
    ]


async def test_expired_and_used_up_codes(client: httpx.AsyncClient, session: AsyncSession) -> None:
    org, _, _ = await _org(session)
    _, expired = await create_invite(session, org, expires_at=utcnow() - timedelta(seconds=1))
    _, used_up = await create_invite(session, org, max_uses=2, uses=2)
    student = await create_user(session)
    for code, reason in ((expired, "expired"), (used_up, "used_up")):
        resp = await _join(client, session, student, code)
        assert resp.status_code == 410, resp.text
        assert resp.json()["error"]["details"] == {"reason": reason}
        assert "ask an" in resp.json()["error"]["message"]
    assert await _role(session, org, student) is None


async def test_member_keeps_a_higher_role(client: httpx.AsyncClient, session: AsyncSession) -> None:
    org, owner, admin = await _org(session)
    _, code = await create_invite(session, org)
    for user, role in ((owner, MembershipRole.OWNER), (admin, MembershipRole.ADMIN)):
        resp = await _join(client, session, user, code)
        assert resp.status_code == 200 and resp.json()["joined"] is False
        assert resp.json()["organization"]["my_role"] == role.value
        assert await _role(session, org, user) is role
    invite = await session.scalar(select(Invite).where(Invite.organization_id == org.id))
    assert invite is not None and invite.uses == 0


async def test_other_orgs_invites_are_not_reachable(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    org, _, admin = await _org(session)
    other_owner = await create_user(session)
    other = await create_organization(session, other_owner, "Go Club")
    theirs, _ = await create_invite(session, other)
    admin_h = await auth_headers(session, admin)
    for action in ("rotate", "revoke"):
        # Org A's admin names org B's invite under org A: not found, and nothing changes.
        resp = await client.post(
            f"{API}/organizations/{org.id}/invites/{theirs.id}/{action}", headers=admin_h
        )
        assert resp.status_code == 404, resp.text
    await session.refresh(theirs)
    assert theirs.revoked_at is None and theirs.rotated_at is None
    listed = await client.get(f"{API}/organizations/{org.id}/invites", headers=admin_h)
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"max_uses": 0},
        {"max_uses": 100_001},
        {"expires_in_hours": 0},
        {"expires_in_hours": 24 * 367},
        {"max_uses": "many"},
        {"code": "not a field here"},
    ],
)
async def test_invalid_invite_settings(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any]
) -> None:
    org, _, admin = await _org(session)
    resp = await client.post(
        f"{API}/organizations/{org.id}/invites",
        json=body,
        headers=await auth_headers(session, admin),
    )
    assert resp.status_code == 422, resp.text
    assert await session.scalar(select(func.count()).select_from(Invite)) == 0


@pytest.mark.parametrize("code", ["", "   ", "x" * 201])
async def test_invalid_join_bodies(
    client: httpx.AsyncClient, session: AsyncSession, code: str
) -> None:
    resp = await _join(client, session, await create_user(session), code)
    assert resp.status_code == 422, resp.text


LOW_LIMITS = {"invite_join_max_failures_per_account": 3, "invite_join_max_failures_per_address": 5}


@pytest.mark.parametrize("settings_overrides", [LOW_LIMITS])
async def test_guessing_codes_is_throttled(
    client: httpx.AsyncClient, session: AsyncSession, settings_overrides: dict[str, Any]
) -> None:
    org, _, _ = await _org(session)
    _, code = await create_invite(session, org)
    guesser = await create_user(session)
    # Only failures count: a class joining from one address is never throttled.
    for _ in range(4):
        assert (await _join(client, session, await create_user(session), code)).status_code == 200
    statuses = [(await _join(client, session, guesser, f"guess-{n}")).status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]
    blocked = await _join(client, session, guesser, code)  # even the right code, for now
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    assert await _role(session, org, guesser) is None
    # The client host's ceiling: other accounts from the same address, 5 failures in all
    # (the guesser's refused attempts were not counted).
    other = await create_user(session)
    statuses = [(await _join(client, session, other, f"g{n}")).status_code for n in range(3)]
    assert statuses == [404, 404, 429]


async def test_concurrent_joins_never_duplicate_nor_pass_max_uses(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    org, _, _ = await _org(session)
    invite, code = await create_invite(session, org, max_uses=5)
    students = [await create_user(session) for _ in range(8)]
    headers = [await auth_headers(session, s) for s in students]
    twice = headers[0]

    async def join(h: dict[str, str]) -> httpx.Response:
        return await client.post(f"{API}/organizations/join", json={"code": code}, headers=h)

    responses = await asyncio.gather(*(join(h) for h in [twice, *headers, twice]))
    statuses = sorted(r.status_code for r in responses)
    # 5 joins succeed; the same student twice more is "already a member" (200, joined false)
    # or, if their first request had not committed yet, used up (410): never a 500.
    assert set(statuses) <= {200, 410}, [
        r.text for r in responses if r.status_code not in (200, 410)
    ]
    joined = [r for r in responses if r.status_code == 200 and r.json()["joined"]]
    assert len(joined) == 5
    members = await session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.organization_id == org.id, Membership.role == MembershipRole.MEMBER)
    )
    assert members == 5
    await session.refresh(invite)
    assert invite.uses == 5
    joins = [a for a in await audit_actions(session, org) if a == "membership.join"]
    assert len(joins) == 5

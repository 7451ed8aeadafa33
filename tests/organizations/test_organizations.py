"""Organizations: create, mine, joinable, read, update."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.errors import Conflict
from peerpear.models import AuditLogEntry, Membership, MembershipRole, Organization, User
from peerpear.organizations import service
from peerpear.organizations.access import require_org_role
from peerpear.organizations.schemas import OrganizationUpdate
from peerpear.organizations.service import slugify
from tests.factories import (
    add_member,
    auth_headers,
    create_admin_request,
    create_organization,
    create_user,
)

API = "/api/v1"


async def test_create_makes_caller_owner_and_audits(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await create_user(session)
    headers = await auth_headers(session, user)
    resp = await client.post(
        f"{API}/organizations",
        json={"name": "  Chess Club  ", "description": "Knights and bishops"},
        headers=headers,
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["name"] == "Chess Club" and body["slug"] == "chess-club"
    assert body["my_role"] == "owner" and body["description"] == "Knights and bishops"
    membership = await session.scalar(
        select(Membership).where(Membership.organization_id == body["id"])
    )
    assert membership is not None
    assert membership.user_id == user.id and membership.role is MembershipRole.OWNER
    entry = await session.scalar(
        select(AuditLogEntry).where(AuditLogEntry.organization_id == body["id"])
    )
    assert entry is not None and entry.action == "organization.create"
    assert entry.actor_id == user.id


async def test_duplicate_name_conflicts_case_insensitively_and_slugs_stay_unique(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await auth_headers(session, await create_user(session))
    first = await client.post(f"{API}/organizations", json={"name": "Chess Club"}, headers=headers)
    assert first.status_code == 201
    dup = await client.post(f"{API}/organizations", json={"name": "chess club"}, headers=headers)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "conflict"
    other = await client.post(f"{API}/organizations", json={"name": "Chess-Club!"}, headers=headers)
    assert other.status_code == 201
    assert other.json()["slug"] == "chess-club-2"


def test_slugify() -> None:
    assert slugify("Société Générale d'Échecs") == "societe-generale-d-echecs"
    assert slugify("!!!") == "org"
    assert len(slugify("x" * 300)) <= 80


@pytest.mark.parametrize("settings_overrides", [{"allow_org_creation": False}])
async def test_creation_restricted_to_platform_admins_when_disabled(
    client: httpx.AsyncClient, session: AsyncSession, settings_overrides: dict[str, object]
) -> None:
    user_headers = await auth_headers(session, await create_user(session))
    denied = await client.post(f"{API}/organizations", json={"name": "Nope"}, headers=user_headers)
    assert denied.status_code == 403
    admin = await create_user(session, platform_admin=True)
    allowed = await client.post(
        f"{API}/organizations", json={"name": "Yes"}, headers=await auth_headers(session, admin)
    )
    assert allowed.status_code == 201


async def test_create_validates_and_requires_sign_in(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    assert (await client.post(f"{API}/organizations", json={"name": "X Club"})).status_code == 401
    headers = await auth_headers(session, await create_user(session))
    bad = await client.post(f"{API}/organizations", json={"name": " "}, headers=headers)
    assert bad.status_code == 422
    # PostgreSQL cannot store NUL: refused at the edge on every database.
    for body in ({"name": "Nul\u0000Club"}, {"name": "Nul Club", "description": "a\u0000b"}):
        nul = await client.post(f"{API}/organizations", json=body, headers=headers)
        assert nul.status_code == 422, nul.text
        assert "NUL" in nul.json()["error"]["message"]
    assert await session.scalar(select(func.count()).select_from(Organization)) == 0


async def test_mine_joinable_and_detail(client: httpx.AsyncClient, session: AsyncSession) -> None:
    me = await create_user(session)
    other = await create_user(session)
    mine = await create_organization(session, me, "Alpha")
    admin_of = await create_organization(session, other, "Beta")
    await add_member(session, admin_of, me, MembershipRole.ADMIN)
    foreign = await create_organization(session, other, "Gamma")
    asked = await create_organization(session, other, "Delta")
    await create_admin_request(session, asked, me)
    headers = await auth_headers(session, me)

    listed = (await client.get(f"{API}/organizations", headers=headers)).json()
    assert [(o["name"], o["my_role"]) for o in listed["items"]] == [
        ("Alpha", "owner"),
        ("Beta", "admin"),
    ]
    assert listed["total"] == 2 and listed["limit"] == 50 and listed["offset"] == 0

    joinable = (await client.get(f"{API}/organizations/joinable", headers=headers)).json()
    assert [(o["id"], o["has_pending_request"]) for o in joinable["items"]] == [
        (asked.id, True),
        (foreign.id, False),
    ]
    assert "my_role" not in joinable["items"][0]

    page = (
        await client.get(f"{API}/organizations/joinable?limit=1&offset=1", headers=headers)
    ).json()
    assert page["total"] == 2 and [o["id"] for o in page["items"]] == [foreign.id]
    too_big = await client.get(f"{API}/organizations?limit=201", headers=headers)
    assert too_big.status_code == 422

    detail = await client.get(f"{API}/organizations/{mine.id}", headers=headers)
    assert detail.status_code == 200 and detail.json()["my_role"] == "owner"
    assert (await client.get(f"{API}/organizations/{admin_of.id}", headers=headers)).json()[
        "my_role"
    ] == "admin"
    # Not a member: 404, the same as an organization that does not exist.
    hidden = await client.get(f"{API}/organizations/{foreign.id}", headers=headers)
    missing = await client.get(f"{API}/organizations/999999", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["message"] == missing.json()["error"]["message"]


async def test_update_owner_only(client: httpx.AsyncClient, session: AsyncSession) -> None:
    owner = await create_user(session)
    admin = await create_user(session)
    stranger = await create_user(session)
    org = await create_organization(session, owner, "Alpha")
    await create_organization(session, stranger, "Taken Name")
    await add_member(session, org, admin)
    url = f"{API}/organizations/{org.id}"
    body = {"description": "New words"}
    assert (await client.patch(url, json=body)).status_code == 401
    as_stranger = await client.patch(url, json=body, headers=await auth_headers(session, stranger))
    assert as_stranger.status_code == 404
    as_admin = await client.patch(url, json=body, headers=await auth_headers(session, admin))
    assert as_admin.status_code == 403
    owner_headers = await auth_headers(session, owner)
    ok = await client.patch(url, json={"name": "Alpha Prime", **body}, headers=owner_headers)
    assert ok.status_code == 200, ok.text
    assert ok.json()["name"] == "Alpha Prime" and ok.json()["description"] == "New words"
    assert ok.json()["slug"] == org.slug  # stable on rename
    taken = await client.patch(url, json={"name": "taken name"}, headers=owner_headers)
    assert taken.status_code == 409
    null_name = await client.patch(url, json={"name": None}, headers=owner_headers)
    assert null_name.status_code == 422
    null_description = await client.patch(url, json={"description": None}, headers=owner_headers)
    assert null_description.status_code == 422, null_description.text
    assert null_description.json()["error"]["details"][0]["loc"] == ["body", "description"]
    stored = await session.get(Organization, org.id, populate_existing=True)
    assert stored is not None and stored.name == "Alpha Prime"
    actions = list(
        await session.scalars(
            select(AuditLogEntry.action).where(AuditLogEntry.organization_id == org.id)
        )
    )
    assert actions == ["organization.update"]


async def test_concurrent_creates_of_one_name(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = [await auth_headers(session, await create_user(session)) for _ in range(3)]
    results = await asyncio.gather(
        *(
            client.post(f"{API}/organizations", json={"name": "Race Club"}, headers=h)
            for h in headers
        )
    )
    assert sorted(r.status_code for r in results) == [201, 409, 409], [r.text for r in results]
    count = await session.scalar(select(func.count()).select_from(Organization))
    assert count == 1


@pytest.mark.parametrize("huge", [2**31, 3_000_000_000, 99999999999999999999])
async def test_ids_and_offsets_beyond_the_database_range_are_422(
    client: httpx.AsyncClient, session: AsyncSession, huge: int
) -> None:
    owner = await create_user(session)
    org = await create_organization(session, owner)
    headers = await auth_headers(session, owner)
    for method, url, body in [
        ("GET", f"{API}/organizations/{huge}", None),
        ("PATCH", f"{API}/organizations/{org.id}/members/{huge}", {"role": "owner"}),
        ("DELETE", f"{API}/organizations/{org.id}/members/{huge}", None),
        ("POST", f"{API}/admin-requests/{huge}/approve", None),
        ("GET", f"{API}/organizations/{org.id}/members?offset={huge}", None),
        ("GET", f"{API}/organizations?offset={huge}", None),
        ("POST", f"{API}/admin-requests/bulk", {"organization_ids": [org.id, huge]}),
    ]:
        resp = await client.request(method, url, json=body, headers=headers)
        assert resp.status_code == 422, (method, url, resp.text)
        assert resp.json()["error"]["code"] == "validation_error"
    # The largest id is still a valid one that simply does not exist.
    largest = await client.get(f"{API}/organizations/{2**31 - 1}", headers=headers)
    assert largest.status_code == 404
    edge = await client.get(f"{API}/organizations?offset={2**31 - 1}", headers=headers)
    assert edge.status_code == 200 and edge.json()["items"] == []


async def test_update_maps_only_a_name_collision_to_409(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await create_user(session)
    org = await create_organization(session, owner, "Alpha")
    await create_organization(session, owner, "Beta")
    owner_id, org_id = owner.id, org.id
    access = await require_org_role(session, owner, org_id, MembershipRole.OWNER)

    # A NOT NULL violation is a bug, not a name conflict: it must not be reported as one.
    with pytest.raises(IntegrityError) as raised:
        await service.update_organization(
            session, access, OrganizationUpdate.model_construct(description=None)
        )
    assert not isinstance(raised.value, Conflict)
    await session.rollback()

    # A concurrent rename that slips past the case-insensitive check hits the unique constraint.
    async def name_looks_free(*args: object, **kwargs: object) -> None:
        return None

    monkeypatch.setattr(service, "_ensure_name_free", name_looks_free)
    owner = await session.get_one(User, owner_id)
    access = await require_org_role(session, owner, org_id, MembershipRole.OWNER)
    with pytest.raises(Conflict, match="already exists"):
        await service.update_organization(session, access, OrganizationUpdate(name="Beta"))
    await session.rollback()

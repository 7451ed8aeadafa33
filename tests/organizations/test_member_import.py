"""Admins add members by email list or CSV upload: per-row report, invitation accounts, one
transaction, and CAS sign-in linking to an invitation account."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear import audit
from peerpear.auth import cas
from peerpear.models import AuditLogEntry, Identity, Membership, MembershipRole, Organization, User
from tests.conftest import make_settings
from tests.factories import add_member, auth_headers, create_organization, create_user

API = "/api/v1"


async def _org(session: AsyncSession) -> tuple[Organization, User, dict[str, str]]:
    owner = await create_user(session)
    admin = await create_user(session)
    org = await create_organization(session, owner, "Debate Society")
    await add_member(session, org, admin, MembershipRole.ADMIN)
    return org, admin, await auth_headers(session, admin)


async def _members(session: AsyncSession, org: Organization) -> dict[str, MembershipRole]:
    rows = await session.execute(
        select(User.email, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org.id)
    )
    return dict(rows.tuples().all())


async def test_add_by_list_reports_every_row(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    org, admin, headers = await _org(session)
    known = await create_user(session, "known@example.edu", first_name="Kim")
    await add_member(
        session, org, await create_user(session, "already@example.edu"), MembershipRole.MEMBER
    )
    emails = [
        " New.Person@Example.EDU ",
        "known@example.edu",
        "already@example.edu",
        admin.email,
        "not-an-address",
        "new.person@example.edu",
        "",
    ]
    resp = await client.post(
        f"{API}/organizations/{org.id}/members", json={"emails": emails}, headers=headers
    )
    assert resp.status_code == 200, resp.text
    report = resp.json()
    rows = [(r["row"], r["email"], r["result"]) for r in report["rows"]]
    assert rows == [
        (1, "new.person@example.edu", "added"),
        (2, "known@example.edu", "added"),
        (3, "already@example.edu", "already_member"),
        (4, admin.email, "already_member"),
        (5, "not-an-address", "invalid"),
        (6, "new.person@example.edu", "duplicate"),
        (7, "", "invalid"),
    ]
    assert "@" in report["rows"][4]["reason"]  # email_validator says what is wrong
    assert report["rows"][5]["reason"] == "the same address as row 1"
    assert report["rows"][6]["reason"] == "empty"
    assert [r["account_created"] for r in report["rows"]] == [
        True,
        False,
        False,
        False,
        False,
        False,
        False,
    ]
    assert report["rows"][1]["user_id"] == known.id
    assert (report["added"], report["already_member"], report["duplicate"], report["invalid"]) == (
        2,
        2,
        1,
        2,
    )
    assert report["accounts_created"] == 1

    members = await _members(session, org)
    assert members["new.person@example.edu"] is MembershipRole.MEMBER
    assert members["known@example.edu"] is MembershipRole.MEMBER
    assert members[admin.email] is MembershipRole.ADMIN  # kept
    # The new account is an invitation: no way to sign in until CAS links it.
    invited = await session.scalar(select(User).where(User.email == "new.person@example.edu"))
    assert invited is not None
    identities = await session.scalar(
        select(func.count()).select_from(Identity).where(Identity.user_id == invited.id)
    )
    assert identities == 0
    entry = await session.scalar(
        select(AuditLogEntry).where(AuditLogEntry.action == "membership.add")
    )
    assert entry is not None and entry.actor_id == admin.id and entry.organization_id == org.id
    assert entry.details["source"] == "list" and entry.details["added"] == 2
    assert entry.details["accounts_created"] == 1
    assert sorted(entry.details["user_ids"]) == sorted([invited.id, known.id])


@pytest.mark.parametrize(
    "body",
    [
        {"emails": []},
        {"emails": [f"s{n}@example.edu" for n in range(501)]},
        {"emails": ["a" * 321]},
    ],
)
async def test_list_caps(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any]
) -> None:
    org, _, headers = await _org(session)
    resp = await client.post(f"{API}/organizations/{org.id}/members", json=body, headers=headers)
    assert resp.status_code == 422, resp.text
    assert len(await _members(session, org)) == 2


async def _upload(
    client: httpx.AsyncClient, org: Organization, headers: dict[str, str], content: bytes
) -> httpx.Response:
    return await client.post(
        f"{API}/organizations/{org.id}/members/import",
        files={"file": ("members.csv", content, "text/csv")},
        headers=headers,
    )


async def test_csv_with_a_forms_header(client: httpx.AsyncClient, session: AsyncSession) -> None:
    org, _, headers = await _org(session)
    content = (
        "\ufeffTimestamp,Email Address,Your name\r\n"
        "2026/01/01,ana@example.edu,Ana\r\n"
        "\r\n"
        "2026/01/02,bad@,Bo\r\n"
        "2026/01/03,ANA@example.edu,Ana again\r\n"
        "2026/01/04,cy@example.edu,Cy\r\n"
    ).encode()
    resp = await _upload(client, org, headers, content)
    assert resp.status_code == 200, resp.text
    rows = [(r["row"], r["email"], r["result"]) for r in resp.json()["rows"]]
    # Spreadsheet row numbers: the header is row 1, the blank line 3 is skipped.
    assert rows == [
        (2, "ana@example.edu", "added"),
        (4, "bad@", "invalid"),
        (5, "ana@example.edu", "duplicate"),
        (6, "cy@example.edu", "added"),
    ]
    assert set(await _members(session, org)) >= {"ana@example.edu", "cy@example.edu"}
    entry = await session.scalar(
        select(AuditLogEntry).where(AuditLogEntry.action == "membership.add")
    )
    assert entry is not None and entry.details["source"] == "csv"


async def test_csv_single_column_without_header(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    org, _, headers = await _org(session)
    resp = await _upload(client, org, headers, b"dee@example.edu\neve@example.edu\n")
    assert resp.status_code == 200, resp.text
    assert [(r["row"], r["result"]) for r in resp.json()["rows"]] == [(1, "added"), (2, "added")]
    with_header = await _upload(client, org, headers, b"E-mail\nfay@example.edu\n")
    assert [(r["row"], r["email"]) for r in with_header.json()["rows"]] == [(2, "fay@example.edu")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,phone\nAna,123\n", "no email column"),
        (b"\xff\xfeE\x00m\x00", "not UTF-8"),
        (b"   \n\n", "empty"),
        (b"email,name\na@example.edu\n", "cells"),
        (("email\n" + "".join(f"s{n}@example.edu\n" for n in range(5001))).encode(), "at most"),
    ],
)
async def test_bad_csv_files(
    client: httpx.AsyncClient, session: AsyncSession, content: bytes, message: str
) -> None:
    org, _, headers = await _org(session)
    resp = await _upload(client, org, headers, content)
    assert resp.status_code == 422, resp.text
    assert message in resp.json()["error"]["message"]
    assert len(await _members(session, org)) == 2
    assert await session.scalar(select(func.count()).select_from(User)) == 2


async def test_csv_over_the_size_limit(client: httpx.AsyncClient, session: AsyncSession) -> None:
    org, _, headers = await _org(session)
    resp = await _upload(client, org, headers, b"email\n" + b"x" * (1024 * 1024))
    assert resp.status_code == 413, resp.text
    assert resp.json()["error"]["code"] == "payload_too_large"


async def test_nothing_half_added(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the accounts and memberships are written rolls all of them back."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(audit, "record", broken)
    org, _, headers = await _org(session)
    emails = ["one@example.edu", "two@example.edu"]
    resp = await client.post(
        f"{API}/organizations/{org.id}/members", json={"emails": emails}, headers=headers
    )
    assert resp.status_code == 500
    assert await session.scalar(select(func.count()).select_from(User)) == 2
    assert len(await _members(session, org)) == 2


async def test_cas_sign_in_links_an_invitation_account(
    client: httpx.AsyncClient, session: AsyncSession, database_url: str
) -> None:
    org, _, headers = await _org(session)
    resp = await client.post(
        f"{API}/organizations/{org.id}/members",
        json={"emails": ["jdoe@cas.example.edu"]},
        headers=headers,
    )
    invited_id = resp.json()["rows"][0]["user_id"]
    settings = make_settings(database_url, cas_email_domain="cas.example.edu")
    principal = cas.CasPrincipal(user="jdoe", attributes={"givenName": "Jane", "sn": "Doe"})
    user = await cas.find_or_create_user(session, settings, principal)
    await session.commit()
    assert user.id == invited_id  # the same account, now with a CAS identity and a name
    assert (user.first_name, user.last_name) == ("Jane", "Doe")
    assert (await _members(session, org))["jdoe@cas.example.edu"] is MembershipRole.MEMBER


async def test_local_sign_up_cannot_claim_an_invitation(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Until email verification exists, sign-up answers 202 and leaves the address alone: the
    invitation account gets no password, so nobody can sign in as the invited person."""
    org, _, headers = await _org(session)
    await client.post(
        f"{API}/organizations/{org.id}/members",
        json={"emails": ["pat@example.edu"]},
        headers=headers,
    )
    password = "a long enough password"
    signup = await client.post(
        f"{API}/auth/signup",
        json={"email": "pat@example.edu", "password": password, "first_name": "Mallory"},
    )
    assert signup.status_code == 202
    login = await client.post(
        f"{API}/auth/login", json={"email": "pat@example.edu", "password": password}
    )
    assert login.status_code == 401
    invited = await session.scalar(select(User).where(User.email == "pat@example.edu"))
    assert invited is not None and invited.first_name == ""

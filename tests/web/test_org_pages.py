"""The organizer's organization pages over HTTP: the list (create one, ask to be admin), the
overview (members vs admins), and the members page (invite link, adding by email or CSV,
roles, removing, admin requests), through the API's services, on both databases."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.sessions import hash_token
from peerpear.models import (
    AdminRequest,
    AdminRequestStatus,
    EventStatus,
    EventVisibility,
    Membership,
    MembershipRole,
    Organization,
    OrganizationInvite,
    User,
)
from tests.factories import (
    add_member,
    create_admin_request,
    create_event,
    create_organization,
    create_user,
)
from tests.web.helpers import browser, csrf_token_of, sign_in

__all__ = ["browser"]  # the fixture

_JOIN_LINK = re.compile(r'id="new-link" type="text" readonly value="https://test/join/([^"]+)"')


async def _membership(session: AsyncSession, org: Organization, user: User) -> Membership | None:
    found: Membership | None = await session.scalar(
        select(Membership)
        .where(Membership.organization_id == org.id, Membership.user_id == user.id)
        .execution_options(populate_existing=True)  # what the app committed, not a stale copy
    )
    return found


async def _club(session: AsyncSession) -> tuple[Organization, dict[str, User]]:
    """Chess Club with an owner, an admin and a member (all able to sign in) and a stranger."""
    people = {
        name: await create_user(
            session, f"{name}@example.edu", password="correct horse battery", first_name=name
        )
        for name in ("owner", "admin", "member", "stranger")
    }
    club = await create_organization(session, people["owner"], name="Chess Club")
    await add_member(session, club, people["admin"], MembershipRole.ADMIN)
    await add_member(session, club, people["member"], MembershipRole.MEMBER)
    return club, people


async def _as(browser: httpx.AsyncClient, name: str) -> None:
    """Sign in as one of the club's people (signed out of whoever was signed in)."""
    browser.cookies.clear()
    response = await sign_in(browser, f"{name}@example.edu")
    assert response.status_code == 303


async def _token(browser: httpx.AsyncClient, path: str) -> tuple[str, str]:
    html = (await browser.get(path)).text
    return html, csrf_token_of(html)


async def test_creating_an_organization(browser: httpx.AsyncClient, session: AsyncSession) -> None:
    founder = await create_user(session, "founder@example.edu", password="correct horse battery")
    taken_owner = await create_user(session)
    await create_organization(session, taken_owner, name="Go Club")
    await sign_in(browser, "founder@example.edu")
    html, token = await _token(browser, "/organizations")
    assert "You are not in any organization yet" in html and "invite link" in html
    assert 'action="/organizations"' in html
    # The API's rules: at least two characters, a name nobody else has (whatever the case).
    short = await browser.post("/organizations", data={"csrf_token": token, "name": " x "})
    assert short.status_code == 422
    assert 'id="name-error"' in short.text and "at least 2 characters" in short.text
    assert 'value=" x "' in short.text
    taken = await browser.post(
        "/organizations", data={"csrf_token": token, "name": "go club", "description": "Kept"}
    )
    assert taken.status_code == 409 and 'id="name-error"' in taken.text
    assert "already exists" in taken.text and ">Kept</textarea>" in taken.text
    assert (await browser.post("/organizations", data={"name": "Chess"})).status_code == 403
    done = await browser.post(
        "/organizations",
        data={"csrf_token": token, "name": "  Chess Club ", "description": "Tuesdays."},
    )
    created = await session.scalar(select(Organization).where(Organization.name == "Chess Club"))
    assert created is not None and created.description == "Tuesdays."
    assert (done.status_code, done.headers["location"]) == (303, f"/organizations/{created.id}")
    membership = await _membership(session, created, founder)
    assert membership is not None and membership.role is MembershipRole.OWNER
    overview = (await browser.get(done.headers["location"])).text
    assert "Your organization is ready." in overview and "Tuesdays." in overview
    listing = (await browser.get("/organizations")).text
    assert f'href="/organizations/{created.id}"' in listing and "Owner" in listing


@pytest.mark.parametrize("settings_overrides", [{"allow_org_creation": False}])
async def test_no_create_form_when_creation_is_off(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "someone@example.edu", password="correct horse battery")
    await sign_in(browser, "someone@example.edu")
    html, token = await _token(browser, "/organizations")
    assert 'action="/organizations"' not in html and "Create an organization" not in html
    refused = await browser.post("/organizations", data={"csrf_token": token, "name": "Mine"})
    assert refused.status_code == 403 and "platform admins" in refused.text
    assert await session.scalar(select(Organization).where(Organization.name == "Mine")) is None


async def test_overview_for_members_and_admins(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    club, _ = await _club(session)
    draft = await create_event(session, club, title="Secret draft")
    members_only = await create_event(session, club, title="Spring pairs", status=EventStatus.OPEN)
    public = await create_event(
        session,
        club,
        title="Open day",
        status=EventStatus.CLOSED,
        visibility=EventVisibility.PUBLIC,
    )
    await _as(browser, "member")
    html = (await browser.get(f"/organizations/{club.id}")).text
    assert "Chess Club" in html and "Your role: Member" in html
    assert f'href="/events/{members_only.id}"' in html and f'href="/events/{public.id}"' in html
    assert "Secret draft" not in html and "/manage/events/" not in html
    assert "/events/new" not in html and f"/organizations/{club.id}/members" not in html
    listing = (await browser.get("/organizations")).text
    assert f'href="/organizations/{club.id}"' in listing and "Member" in listing

    await _as(browser, "admin")
    html = (await browser.get(f"/organizations/{club.id}")).text
    assert "Your role: Admin" in html and "Secret draft" in html
    for event in (draft, members_only, public):
        assert f'href="/manage/events/{event.id}"' in html
    assert f'href="/organizations/{club.id}/events/new"' in html
    assert f'href="/organizations/{club.id}/members"' in html


async def test_who_may_see_the_pages(browser: httpx.AsyncClient, session: AsyncSession) -> None:
    club, _ = await _club(session)
    members = f"/organizations/{club.id}/members"
    anonymous = await browser.get(members)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/sign-in")
    await _as(browser, "stranger")
    for path in (f"/organizations/{club.id}", members, "/organizations/999999", "/organizations/0"):
        assert (await browser.get(path)).status_code == 404, path
    await _as(browser, "member")
    assert (await browser.get(f"/organizations/{club.id}")).status_code == 200
    refused = await browser.get(members)
    assert refused.status_code == 403 and "Organizers only" in refused.text
    await _as(browser, "admin")
    page = await browser.get(members)
    assert page.status_code == 200 and "member@example.edu" in page.text


async def test_invite_link_create_rotate_revoke(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    club, _ = await _club(session)
    base = f"/organizations/{club.id}"
    await _as(browser, "admin")
    html, token = await _token(browser, base + "/members")
    assert "No invite link yet" in html
    bad = await browser.post(base + "/invites", data={"csrf_token": token, "max_uses": "0"})
    assert bad.status_code == 422 and 'id="max_uses-error"' in bad.text
    assert 'value="0"' in bad.text
    created = await browser.post(base + "/invites", data={"csrf_token": token, "max_uses": "5"})
    assert created.status_code == 200 and "shown only once" in created.text
    found = _JOIN_LINK.search(created.text)
    assert found is not None
    first = found.group(1)
    invite = await session.scalar(
        select(OrganizationInvite).where(OrganizationInvite.organization_id == club.id)
    )
    assert invite is not None and invite.code_hash == hash_token(first) and invite.max_uses == 5
    assert (await browser.get(f"/join/{first}")).status_code == 200  # the link works

    rotated = await browser.post(f"{base}/invites/{invite.id}/rotate", data={"csrf_token": token})
    found = _JOIN_LINK.search(rotated.text)
    assert rotated.status_code == 200 and found is not None
    second = found.group(1)
    await session.refresh(invite)
    assert second != first and invite.code_hash == hash_token(second)
    assert (await browser.get(f"/join/{first}")).status_code == 404  # the old link stopped
    assert (await browser.get(f"/join/{second}")).status_code == 200

    revoked = await browser.post(f"{base}/invites/{invite.id}/revoke", data={"csrf_token": token})
    assert (revoked.status_code, revoked.headers["location"]) == (303, base + "/members")
    after = (await browser.get(base + "/members")).text
    assert "The invite link was revoked" in after and "Revoked" in after
    await session.refresh(invite)
    assert invite.revoked_at is not None
    assert (await browser.get(f"/join/{second}")).status_code == 410
    again = await browser.post(f"{base}/invites/{invite.id}/rotate", data={"csrf_token": token})
    assert again.status_code == 409 and "create a new invite instead" in again.text
    await session.refresh(invite)
    assert invite.code_hash == hash_token(second)  # nothing changed


async def test_adding_members_by_list_and_csv(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    club, people = await _club(session)
    base = f"/organizations/{club.id}"
    await _as(browser, "admin")
    _, token = await _token(browser, base + "/members")
    empty = await browser.post(base + "/members/add", data={"csrf_token": token, "emails": " "})
    assert empty.status_code == 422 and "Enter at least one email address." in empty.text

    pasted = await browser.post(
        base + "/members/add",
        data={"csrf_token": token, "emails": "Ana@Example.edu, member@example.edu\nnope"},
    )
    assert pasted.status_code == 200
    assert "1 added (1 invited" in pasted.text and "1 already members" in pasted.text
    assert "1 rejected" in pasted.text and "Rejected:" in pasted.text
    ana = await session.scalar(select(User).where(User.email == "ana@example.edu"))
    assert ana is not None and await _membership(session, club, ana) is not None

    csv = "Name,Email Address\nBo,bo@example.edu\nBo again,BO@example.edu\nX,not-mail\n"
    csv += "Stranger,stranger@example.edu\n"
    uploaded = await browser.post(
        base + "/members/import",
        data={"csrf_token": token},
        files={"file": ("class.csv", csv.encode(), "text/csv")},
    )
    assert uploaded.status_code == 200
    report = uploaded.text
    assert "2 added (1 invited" in report and "1 duplicates" in report
    assert "1 rejected" in report and "Duplicate: the same address as row 2" in report
    assert "Invited (new account)" in report
    stranger = await _membership(session, club, people["stranger"])
    assert stranger is not None and stranger.role is MembershipRole.MEMBER

    unreadable = await browser.post(
        base + "/members/import",
        data={"csrf_token": token},
        files={"file": ("bad.csv", b"a,b\n1,2\n", "text/csv")},
    )
    assert unreadable.status_code == 422 and 'id="file-error"' in unreadable.text
    assert "No email column" in unreadable.text
    missing = await browser.post(
        base + "/members/import",
        data={"csrf_token": token},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert missing.status_code == 422 and "Choose a CSV file to upload." in missing.text


async def test_changing_roles_is_for_owners(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    club, people = await _club(session)
    base = f"/organizations/{club.id}"
    member, owner = people["member"], people["owner"]
    await _as(browser, "admin")
    html, token = await _token(browser, base + "/members")
    assert f"/members/{member.id}/role" not in html  # no role forms for admins
    refused = await browser.post(
        f"{base}/members/{member.id}/role", data={"csrf_token": token, "role": "admin"}
    )
    assert refused.status_code == 403

    await _as(browser, "owner")
    html, token = await _token(browser, base + "/members")
    assert f'action="{base}/members/{member.id}/role"' in html
    promoted = await browser.post(
        f"{base}/members/{member.id}/role", data={"csrf_token": token, "role": "admin"}
    )
    assert (promoted.status_code, promoted.headers["location"]) == (303, base + "/members")
    changed = await _membership(session, club, member)
    assert changed is not None and changed.role is MembershipRole.ADMIN
    assert "The member&#39;s role was changed." in (await browser.get(base + "/members")).text
    last = await browser.post(
        f"{base}/members/{owner.id}/role", data={"csrf_token": token, "role": "member"}
    )
    assert last.status_code == 409 and "at least one owner" in last.text
    kept = await _membership(session, club, owner)
    assert kept is not None and kept.role is MembershipRole.OWNER
    junk = await browser.post(
        f"{base}/members/{member.id}/role", data={"csrf_token": token, "role": "king"}
    )
    assert junk.status_code == 422 and "Choose owner, admin or member." in junk.text


async def test_removing_members(browser: httpx.AsyncClient, session: AsyncSession) -> None:
    club, people = await _club(session)
    base = f"/organizations/{club.id}"
    await _as(browser, "admin")
    html, token = await _token(browser, base + "/members")
    assert f'action="{base}/members/{people["member"].id}/remove"' in html
    assert f'action="{base}/members/{people["owner"].id}/remove"' not in html
    assert (
        await browser.post(f"{base}/members/{people['member'].id}/remove", data={})
    ).status_code == 403  # no CSRF token
    assert await _membership(session, club, people["member"]) is not None
    done = await browser.post(
        f"{base}/members/{people['member'].id}/remove", data={"csrf_token": token}
    )
    assert (done.status_code, done.headers["location"]) == (303, base + "/members")
    assert await _membership(session, club, people["member"]) is None
    # Admins remove members only: removing the owner is refused next to the owner's row.
    refused = await browser.post(
        f"{base}/members/{people['owner'].id}/remove", data={"csrf_token": token}
    )
    assert refused.status_code == 403 and "requires the owner role" in refused.text
    assert await _membership(session, club, people["owner"]) is not None
    gone = await browser.post(f"{base}/members/{2**40}/remove", data={"csrf_token": token})
    assert gone.status_code == 404 and "Member not found." in gone.text


async def test_search_and_pages_of_members(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    club, _ = await _club(session)
    for n in range(55):
        kid = await create_user(session, f"kid{n:02}@example.edu")
        await add_member(session, club, kid, MembershipRole.MEMBER)
    await _as(browser, "admin")
    base = f"/organizations/{club.id}/members"
    first = (await browser.get(base)).text
    assert "58 members" in first and 'href="' + base + '?page=2"' in first
    second = (await browser.get(base + "?page=2")).text
    assert "Previous page" in second and "Next page" not in second
    found = (await browser.get(base + "?q=KID07&role=member")).text
    assert "1 member found" in found and "kid07@example.edu" in found
    assert "kid08@example.edu" not in found


async def test_asking_for_admin_and_deciding(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    club, people = await _club(session)
    stranger = people["stranger"]
    await _as(browser, "stranger")
    html, token = await _token(browser, "/organizations")
    assert f'action="/organizations/{club.id}/admin-requests"' in html
    asked = await browser.post(
        f"/organizations/{club.id}/admin-requests",
        data={"csrf_token": token, "message": "I run the Tuesday games"},
    )
    assert (asked.status_code, asked.headers["location"]) == (303, "/organizations")
    assert "waiting for its owners" in (await browser.get("/organizations")).text
    twice = await browser.post(
        f"/organizations/{club.id}/admin-requests", data={"csrf_token": token}
    )
    assert twice.status_code == 409 and "already have a pending admin request" in twice.text

    other = await create_user(session, "other@example.edu")
    denied_one = await create_admin_request(session, club, other)
    await _as(browser, "admin")  # admins do not decide
    assert "Admin requests" not in (await browser.get(f"/organizations/{club.id}/members")).text
    await _as(browser, "owner")
    html, token = await _token(browser, f"/organizations/{club.id}/members")
    assert "I run the Tuesday games" in html
    request = await session.scalar(select(AdminRequest).where(AdminRequest.user_id == stranger.id))
    assert request is not None
    base = f"/organizations/{club.id}/admin-requests"
    approved = await browser.post(f"{base}/{request.id}/approve", data={"csrf_token": token})
    assert approved.status_code == 303
    membership = await _membership(session, club, stranger)
    assert membership is not None and membership.role is MembershipRole.ADMIN
    denied = await browser.post(f"{base}/{denied_one.id}/deny", data={"csrf_token": token})
    assert denied.status_code == 303
    await session.refresh(denied_one)
    assert denied_one.status is AdminRequestStatus.DENIED
    decided = await browser.post(f"{base}/{denied_one.id}/approve", data={"csrf_token": token})
    assert decided.status_code == 409 and "already denied" in decided.text
    assert await _membership(session, club, other) is None

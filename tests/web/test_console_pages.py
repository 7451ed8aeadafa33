"""The web console over HTTP (no browser): redirects, sign-in and sign-out through the real
auth service, CSRF refusals, the console's CSP, and the events list, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.deps import SESSION_COOKIE
from peerpear.db import utcnow
from peerpear.models import EventStatus, EventVisibility, MembershipRole
from peerpear.web.pages import CONSOLE_CSP
from tests.factories import add_member, auth_headers, create_event, create_organization, create_user
from tests.web.helpers import PASSWORD, browser, csrf_token_of
from tests.web.helpers import sign_in as _sign_in

__all__ = ["browser"]  # the fixture, shared with the other console tests


async def test_home_and_pages_send_anonymous_visitors_to_sign_in(
    browser: httpx.AsyncClient,
) -> None:
    home = await browser.get("/")
    assert (home.status_code, home.headers["location"]) == (303, "/sign-in")
    events = await browser.get("/events")
    assert (events.status_code, events.headers["location"]) == (303, "/sign-in?next=/events")


async def test_sign_in_page_is_a_page_with_its_own_csp(browser: httpx.AsyncClient) -> None:
    page = await browser.get("/sign-in")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert csp == CONSOLE_CSP
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    for landmark in ('<html lang="en">', "<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert 'href="#main"' in html and "<title>Sign in · PeerPear</title>" in html
    assert "peerpear_csrf" in page.headers["set-cookie"]
    css = await browser.get("/static/console.css")
    assert css.status_code == 200 and ":focus-visible" in css.text


async def test_a_post_without_the_right_token_is_refused(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "csrf@example.edu", password=PASSWORD)
    await browser.get("/sign-in")  # the nonce cookie
    credentials = {"email": "csrf@example.edu", "password": PASSWORD}
    for token in ({}, {"csrf_token": ""}, {"csrf_token": "0" * 64}):
        refused = await browser.post("/sign-in", data={**credentials, **token})
        assert refused.status_code == 403, refused.text
        assert "security token" in refused.text
        assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    # A token made for another browser (another nonce) is no good here either.
    async with httpx.AsyncClient(transport=browser._transport, base_url="https://test") as other:
        foreign = csrf_token_of((await other.get("/sign-in")).text)
    refused = await browser.post("/sign-in", data={**credentials, "csrf_token": foreign})
    assert refused.status_code == 403


async def test_wrong_password_keeps_the_email_and_says_why(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "wrong@example.edu", password=PASSWORD)
    failed = await _sign_in(browser, "wrong@example.edu", "not the password")
    assert failed.status_code == 422
    assert 'value="wrong@example.edu"' in failed.text
    assert "Email or password is incorrect." in failed.text
    assert SESSION_COOKIE not in failed.headers.get("set-cookie", "")
    empty = await _sign_in(browser, "wrong@example.edu", "")
    assert empty.status_code == 422 and "Enter your email and your password." in empty.text


async def test_sign_in_lands_on_events_and_sign_out_ends_the_session(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "student@example.edu", password=PASSWORD)
    signed_in = await _sign_in(browser, "Student@Example.edu")
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/events")
    token = browser.cookies[SESSION_COOKIE]
    events = await browser.get("/events")
    assert events.status_code == 200
    assert "You are signed in." in events.text  # the flash line, once
    assert "No events are open to you yet" in events.text
    assert "You are signed in." not in (await browser.get("/events")).text
    assert (await browser.get("/")).headers["location"] == "/events"
    assert (await browser.get("/sign-in")).headers["location"] == "/events"

    refused = await browser.post("/sign-out", data={})
    assert refused.status_code == 403
    assert (await browser.get("/api/v1/me")).status_code == 200  # still signed in
    out = await browser.post("/sign-out", data={"csrf_token": csrf_token_of(events.text)})
    assert (out.status_code, out.headers["location"]) == (303, "/sign-in")
    assert SESSION_COOKIE not in browser.cookies
    assert "You are signed out." in (await browser.get("/sign-in")).text
    # The session itself is over, not only the cookie.
    stale = await browser.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert stale.status_code == 401


@pytest.mark.parametrize(
    ("next_path", "landing"),
    [("/events?x=1", "/events?x=1"), ("https://evil.example/", "/events"), ("//evil", "/events")],
)
async def test_next_only_returns_to_local_paths(
    browser: httpx.AsyncClient, session: AsyncSession, next_path: str, landing: str
) -> None:
    await create_user(session, "next@example.edu", password=PASSWORD)
    signed_in = await _sign_in(browser, "next@example.edu", next=next_path)
    assert signed_in.headers["location"] == landing


async def test_the_events_list_shows_what_the_api_lists(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    student = await create_user(session, "member@example.edu", password=PASSWORD)
    owner = await create_user(session)
    club = await create_organization(session, owner, name="Chess & Go Club")
    other = await create_organization(session, owner, name="Rowing Club")
    await add_member(session, club, student, MembershipRole.MEMBER)
    deadline = utcnow() + timedelta(days=3)
    await create_event(
        session,
        club,
        status=EventStatus.OPEN,
        title="Spring <pairs>",
        registration_deadline=deadline,
    )
    await create_event(session, other, status=EventStatus.OPEN, title="Rowing members only")
    await create_event(
        session,
        other,
        status=EventStatus.OPEN,
        visibility=EventVisibility.PUBLIC,
        title="Open regatta",
    )
    await create_event(session, club, title="Still a draft")
    await _sign_in(browser, "member@example.edu")
    html = (await browser.get("/events")).text
    assert "Spring &lt;pairs&gt;" in html and "Chess &amp; Go Club" in html  # escaped
    assert "Open regatta" in html and "Rowing Club" in html
    assert "Rowing members only" not in html and "Still a draft" not in html
    assert deadline.strftime("%d %b %Y") in html and "no deadline" in html
    assert html.index("Spring &lt;pairs&gt;") < html.index("Open regatta")  # soonest first
    api = (await browser.get("/api/v1/events")).json()
    assert sorted(e["title"] for e in api["items"]) == ["Open regatta", "Spring <pairs>"]


async def test_bearer_callers_see_their_events_page_too(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await create_user(session)
    page = await browser.get("/events", headers=await auth_headers(session, user))
    assert page.status_code == 200 and user.email in page.text


CAS: dict[str, Any] = {"cas_server_url": "http://127.0.0.1:9/cas"}


@pytest.mark.parametrize("settings_overrides", [CAS])
async def test_cas_sign_in_is_offered_when_configured(browser: httpx.AsyncClient) -> None:
    html = (await browser.get("/sign-in?next=/events")).text
    assert 'href="/api/v1/auth/cas/login?next=/events"' in html


async def test_no_cas_link_without_cas(browser: httpx.AsyncClient) -> None:
    assert "/auth/cas/login" not in (await browser.get("/sign-in")).text


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
        (b"--x\r\nbroken multipart", "multipart/form-data; boundary=x"),
        (b"email=a%00b&password=" + b"p" * 5000, "application/x-www-form-urlencoded"),
    ],
)
async def test_garbage_posts_are_refused_pages_never_500(
    browser: httpx.AsyncClient, content: bytes, content_type: str
) -> None:
    await browser.get("/sign-in")
    for path in ("/sign-in", "/sign-out"):
        response = await browser.post(path, content=content, headers={"content-type": content_type})
        assert response.status_code in {400, 403}, (path, response.status_code, response.text)


async def test_garbage_queries_never_500(browser: httpx.AsyncClient) -> None:
    for path in ("/", "/sign-in", "/events"):
        response = await browser.get(path, params={"next": "\x00//evil\\x", "offset": "-1"})
        assert response.status_code in {200, 303}, (path, response.status_code)

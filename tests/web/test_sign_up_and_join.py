"""The console's sign-up page (the API's sign-up service, then signed in) and joining an
organization by invite link (the API's join service), on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.deps import SESSION_COOKIE
from peerpear.db import utcnow
from peerpear.models import Membership, MembershipRole, User
from tests.factories import add_member, create_invite, create_organization, create_user
from tests.web.helpers import PASSWORD, browser, csrf_token_of, sign_in

__all__ = ["browser"]  # the fixture


async def _sign_up(browser: httpx.AsyncClient, query: str = "", **fields: str) -> httpx.Response:
    form = await browser.get("/sign-up" + query)
    assert form.status_code == 200
    return await browser.post("/sign-up", data={"csrf_token": csrf_token_of(form.text), **fields})


async def test_sign_up_signs_in_and_goes_to_next(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    assert 'href="/sign-up"' in (await browser.get("/sign-in")).text
    done = await _sign_up(
        browser,
        "?next=/join/abc",
        email=" New.Student@example.edu ",
        first_name="Nia",
        last_name="",
        password=PASSWORD,
        next="/join/abc",
    )
    assert (done.status_code, done.headers["location"]) == (303, "/join/abc")
    assert SESSION_COOKIE in browser.cookies
    me = (await browser.get("/api/v1/me")).json()
    assert me["first_name"] == "Nia"
    user = await session.scalar(select(User).where(User.first_name == "Nia"))
    assert user is not None


async def test_sign_up_errors_are_per_field_and_keep_the_values(
    browser: httpx.AsyncClient,
) -> None:
    refused = await _sign_up(
        browser, email="not-an-address", first_name="", last_name="Lee", password="short"
    )
    assert refused.status_code == 422
    html = refused.text
    assert ' value="not-an-address"' in html and ' value="Lee"' in html
    assert 'id="email-error"' in html and 'id="first_name-error"' in html
    # A blank name is explained in words, not by the schema's regular expression.
    assert "Fill this in (spaces alone do not count)." in html and "pattern" not in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="email-error"' in html
    assert "short" not in html.split("<main", 1)[1].split("</main>")[0].replace("shortly", "")
    assert SESSION_COOKIE not in browser.cookies
    # The schema passes, the service's password policy refuses: that field again.
    policy = await _sign_up(browser, email="ok@example.edu", first_name="Ok", password="x" * 5)
    assert policy.status_code == 422
    assert 'id="password-error"' in policy.text and ' value="ok@example.edu"' in policy.text


async def test_sign_up_with_a_taken_address_says_nothing_and_sends_to_sign_in(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "taken@example.edu", password=PASSWORD)
    done = await _sign_up(
        browser, email="taken@example.edu", first_name="Eve", password="another long password"
    )
    assert (done.status_code, done.headers["location"]) == (303, "/sign-in")
    assert SESSION_COOKIE not in browser.cookies
    assert "If this address is new" in (await browser.get("/sign-in")).text


async def test_sign_up_refuses_a_post_without_its_token(browser: httpx.AsyncClient) -> None:
    await browser.get("/sign-up")
    fields = {"email": "x@example.edu", "first_name": "X", "password": PASSWORD}
    refused = await browser.post("/sign-up", data=fields)
    assert refused.status_code == 403 and "security token" in refused.text


@pytest.mark.parametrize(
    "settings_overrides", [{"signup_max_per_address": 1, "signup_window_seconds": 600}]
)
async def test_sign_up_throttling_is_the_apis(browser: httpx.AsyncClient) -> None:
    first = await _sign_up(browser, email="one@example.edu", first_name="One", password=PASSWORD)
    assert first.status_code == 303
    await browser.post(
        "/sign-out", data={"csrf_token": csrf_token_of((await browser.get("/events")).text)}
    )
    second = await _sign_up(browser, email="two@example.edu", first_name="Two", password=PASSWORD)
    assert second.status_code == 429 and "retry-after" in second.headers
    assert ' value="two@example.edu"' in second.text


NO_LOCAL: dict[str, Any] = {
    "allow_local_accounts": False,
    "cas_server_url": "http://127.0.0.1:9/cas",
}


@pytest.mark.parametrize("settings_overrides", [NO_LOCAL])
async def test_no_sign_up_form_without_local_accounts(browser: httpx.AsyncClient) -> None:
    html = (await browser.get("/sign-up")).text
    assert 'action="/sign-up"' not in html and "sign in with your institution" in html


# --- joining by invite link -------------------------------------------------------------------


async def _student(session: AsyncSession, browser: httpx.AsyncClient) -> User:
    user = await create_user(session, "joiner@example.edu", password=PASSWORD)
    await sign_in(browser, "joiner@example.edu")
    return user


async def test_an_invite_link_asks_then_joins(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await create_user(session)
    club = await create_organization(session, owner, name="Debate <Club>")
    _, code = await create_invite(session, club)
    anonymous = await browser.get(f"/join/{code}")
    assert anonymous.headers["location"] == f"/sign-in?next=/join/{code}"
    api_link = await browser.get("/join", params={"code": code})
    assert api_link.headers["location"] == f"/join/{code}"

    student = await _student(session, browser)
    confirm = await browser.get(f"/join/{code}")
    assert confirm.status_code == 200
    assert "Join Debate &lt;Club&gt;" in confirm.text
    assert await session.scalar(select(Membership).where(Membership.user_id == student.id)) is None

    refused = await browser.post(f"/join/{code}", data={})
    assert refused.status_code == 403
    joined = await browser.post(f"/join/{code}", data={"csrf_token": csrf_token_of(confirm.text)})
    assert (joined.status_code, joined.headers["location"]) == (303, "/events")
    assert "You joined the organization." in (await browser.get("/events")).text
    membership = await session.scalar(select(Membership).where(Membership.user_id == student.id))
    assert membership is not None and membership.role is MembershipRole.MEMBER
    again = await browser.get(f"/join/{code}")
    assert "You are already a member" in again.text


async def test_an_existing_admin_keeps_their_role(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await create_user(session)
    club = await create_organization(session, owner)
    _, code = await create_invite(session, club)
    student = await _student(session, browser)
    await add_member(session, club, student, MembershipRole.ADMIN)
    page = await browser.get(f"/join/{code}")
    done = await browser.post(f"/join/{code}", data={"csrf_token": csrf_token_of(page.text)})
    assert done.status_code == 303
    assert "already a member" in (await browser.get("/events")).text


async def test_codes_that_do_not_work_are_clear_pages(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await create_user(session)
    club = await create_organization(session, owner)
    _, revoked = await create_invite(session, club, revoked_at=utcnow())
    _, expired = await create_invite(session, club, expires_at=utcnow() - timedelta(hours=1))
    _, used_up = await create_invite(session, club, max_uses=1, uses=1)
    await _student(session, browser)
    token = csrf_token_of((await browser.get("/events")).text)
    for code, status, words in [
        ("no-such-code-at-all", 404, "No invite has this code"),
        ("x" * 300, 404, "No invite has this code"),
        (revoked, 410, "was revoked"),
        (expired, 410, "has expired"),
        (used_up, 410, "used as often as allowed"),
    ]:
        for response in (
            await browser.get(f"/join/{code}"),
            await browser.post(f"/join/{code}", data={"csrf_token": token}),
        ):
            assert response.status_code == status, (code, response.status_code)
            assert words in response.text and "text/html" in response.headers["content-type"]
    assert (
        await session.scalars(select(Membership).where(Membership.user_id != owner.id))
    ).all() == []


@pytest.mark.parametrize("settings_overrides", [{"invite_join_max_failures_per_account": 2}])
async def test_looking_at_bad_codes_is_throttled_like_joining(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await create_user(session)
    club = await create_organization(session, owner)
    _, good = await create_invite(session, club)
    await _student(session, browser)
    assert (await browser.get("/join/wrong-1")).status_code == 404
    assert (await browser.get("/join/wrong-2")).status_code == 404
    blocked = await browser.get(f"/join/{good}")
    assert blocked.status_code == 429 and "retry-after" in blocked.headers

"""The console's account-email pages over HTTP, on both databases, with the mail read from the
outbox the app writes (no SMTP): the sign-up's confirmation link opened and confirmed (once),
a new link from the profile, a forgotten password (the same answer for any address, throttled),
resetting it with the emailed link, changing it and signing out everywhere from the profile,
and registering or joining refused while the address is unconfirmed when the server
requires it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.models import (
    AuthSession,
    EventStatus,
    Identity,
    MembershipRole,
    Registration,
    User,
)
from tests.factories import (
    add_member,
    create_event,
    create_invite,
    create_organization,
    create_user,
)
from tests.mail.helpers import mail_settles
from tests.web.helpers import PASSWORD, browser, csrf_token_of, sign_in

__all__ = ["browser"]  # the fixture

NEW_PASSWORD = "a much better passphrase"
FORGOT = "/forgot-password"
INVITE_CODE = "account-pages-invite-code-0123456789"
_CSRF = re.compile(r'name="csrf_token" value="[0-9a-f]+"')


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """Each test's own outbox; no periodic mail pass (only what a request hands over leaves);
    two reset requests per address an hour. A test may add settings (indirect parameter)."""
    extra: dict[str, Any] = getattr(request, "param", {})
    return {
        "mail_outbox_dir": tmp_path / "outbox",
        "mail_check_seconds": 0,
        "password_reset_max_per_email": 2,
        **extra,
    }


def _read_outbox(folder: Path, to: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        if message["To"] == to:
            found.append(message)
    return found


async def outbox(app: FastAPI, to: str) -> list[email.message.EmailMessage]:
    """The messages the app has written to its outbox for ``to``, oldest first."""
    await mail_settles(app)
    return await asyncio.to_thread(_read_outbox, Path(app.state.settings.mail_outbox_dir), to)


def link_in(message: email.message.EmailMessage) -> str:
    """The path and query of the one console link in the message's text."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    links = re.findall(r"https?://\S+\?token=[A-Za-z0-9_-]+", body.get_content())
    assert len(links) == 1, body.get_content()
    parts = urlsplit(links[0])
    return f"{parts.path}?{parts.query}"


@asynccontextmanager
async def another_browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A second device of the same person."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as client:
        yield client


async def post_form(
    browser: httpx.AsyncClient, page_path: str, action: str, fields: dict[str, str]
) -> httpx.Response:
    """Open ``page_path`` and post ``fields`` to ``action`` with the page's CSRF token."""
    opened = await browser.get(page_path)
    assert opened.status_code == 200, opened.text
    return await browser.post(action, data={"csrf_token": csrf_token_of(opened.text), **fields})


async def stored_user(session: AsyncSession, address: str) -> User:
    user = await session.scalar(
        select(User).where(User.email == address).execution_options(populate_existing=True)
    )
    assert user is not None
    return user


async def password_hash(session: AsyncSession, user: User) -> str:
    found = await session.scalar(
        select(Identity.password_hash)
        .where(Identity.user_id == user.id)
        .execution_options(populate_existing=True)
    )
    assert found is not None
    return found


async def signed_in(browser: httpx.AsyncClient) -> bool:
    return (await browser.get("/profile")).status_code == 200


async def test_the_sign_up_link_confirms_the_address_once(
    app: FastAPI, browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    fields = {"email": "ada@example.edu", "first_name": "Ada", "last_name": "L"}
    signed_up = await post_form(browser, "/sign-up", "/sign-up", {**fields, "password": PASSWORD})
    assert signed_up.status_code == 303, signed_up.text
    profile = await browser.get("/profile")
    assert "is not confirmed yet" in profile.text and "Send a new link" in profile.text

    [message] = await outbox(app, "ada@example.edu")  # sent at once, not by a later pass
    link = link_in(message)
    assert link.startswith("/verify-email?token=")
    opened = await browser.get(link)
    assert opened.status_code == 200
    assert "Confirm my email address" in opened.text
    assert (await stored_user(session, "ada@example.edu")).email_verified_at is None  # GET: no

    token = link.split("token=")[1]
    confirmed = await browser.post(
        "/verify-email", data={"csrf_token": csrf_token_of(opened.text), "token": token}
    )
    assert confirmed.status_code == 303 and confirmed.headers["location"] == "/profile"
    assert (await stored_user(session, "ada@example.edu")).email_verified_at is not None
    profile = await browser.get("/profile")
    assert "Your email address is confirmed." in profile.text  # the flash
    assert "ada@example.edu is confirmed." in profile.text
    assert "Send a new link" not in profile.text

    again = await browser.post(
        "/verify-email", data={"csrf_token": csrf_token_of(opened.text), "token": token}
    )
    assert again.status_code == 422
    assert "This link is not valid" in again.text and "/profile#verification" in again.text
    unknown = await post_form(browser, "/verify-email?token=x", "/verify-email", {"token": "x"})
    assert unknown.status_code == 422 and "This link is not valid" in unknown.text
    incomplete = await browser.get("/verify-email")
    assert incomplete.status_code == 422 and "This link is incomplete" in incomplete.text


async def test_the_profile_sends_a_new_link_that_works(
    app: FastAPI, browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "bo@example.edu", password=PASSWORD)
    await session.commit()
    signed_out = await post_form(browser, "/sign-in", "/verify-email/resend", {})
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/sign-in")
    await sign_in(browser, "bo@example.edu")

    resent = await post_form(browser, "/profile", "/verify-email/resend", {})
    assert resent.status_code == 303 and resent.headers["location"] == "/profile"
    assert "A new confirmation link is on its way" in (await browser.get("/profile")).text
    [message] = await outbox(app, "bo@example.edu")
    link = link_in(message)
    async with another_browser(app) as anonymous:  # opened on another device, signed out
        token = link.split("token=")[1]
        confirmed = await post_form(anonymous, link, "/verify-email", {"token": token})
    assert confirmed.status_code == 303 and confirmed.headers["location"] == "/sign-in"
    assert (await stored_user(session, "bo@example.edu")).email_verified_at is not None

    already = await post_form(browser, "/events", "/verify-email/resend", {})
    assert already.status_code == 303
    assert "already confirmed" in (await browser.get("/profile")).text
    assert len(await outbox(app, "bo@example.edu")) == 1


def _without_tokens(html: str) -> str:
    return _CSRF.sub("", html)


async def test_forgot_password_answers_the_same_for_any_address_and_is_throttled(
    app: FastAPI, browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "cy@example.edu", password=PASSWORD)
    await session.commit()
    sign_in_page = await browser.get("/sign-in")
    assert 'href="/forgot-password"' in sign_in_page.text

    answers = []
    for address in ("cy@example.edu", "nobody@example.edu"):
        asked = await post_form(browser, FORGOT, FORGOT, {"email": address})
        assert asked.status_code == 303, asked.text
        followed = await browser.get(asked.headers["location"])
        answers.append((asked.headers["location"], _without_tokens(followed.text)))
    assert answers[0] == answers[1]
    assert "If this address has an account with a password" in answers[0][1]
    [message] = await outbox(app, "cy@example.edu")
    assert link_in(message).startswith("/reset-password?token=")
    assert await outbox(app, "nobody@example.edu") == []

    blank = await post_form(browser, FORGOT, FORGOT, {"email": " "})
    assert blank.status_code == 422 and 'id="email-error"' in blank.text

    # Two requests per address an hour (this module's setting): the third waits.
    await post_form(browser, FORGOT, FORGOT, {"email": "nobody@example.edu"})
    throttled = await post_form(browser, FORGOT, FORGOT, {"email": "nobody@example.edu"})
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert "Too many reset requests: try again in 1 hour." in throttled.text  # Retry-After
    assert 'value="nobody@example.edu"' in throttled.text


async def test_reset_password_with_the_link(
    app: FastAPI, browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    dee = await create_user(session, "dee@example.edu", password=PASSWORD)
    await session.commit()
    old_hash = await password_hash(session, dee)
    async with another_browser(app) as laptop:
        await sign_in(laptop, "dee@example.edu")
        assert await signed_in(laptop)
        await post_form(browser, FORGOT, FORGOT, {"email": "dee@example.edu"})
        [message] = await outbox(app, "dee@example.edu")
        link = link_in(message)
        token = link.split("token=")[1]
        form = await browser.get(link)
        assert form.status_code == 200 and "Set my new password" in form.text
        csrf = csrf_token_of(form.text)

        async def reset(password: str, again: str) -> httpx.Response:
            fields = {"token": token, "password": password, "password_again": again}
            return await browser.post("/reset-password", data={"csrf_token": csrf, **fields})

        weak = await reset("short", "short")
        assert weak.status_code == 422
        assert '<p class="field-error" id="password-error">At least 10' in weak.text
        differ = await reset(NEW_PASSWORD, NEW_PASSWORD + "!")
        assert differ.status_code == 422 and 'id="password_again-error"' in differ.text
        assert await password_hash(session, dee) == old_hash  # nothing changed, link still good
        assert await signed_in(laptop)

        done = await reset(NEW_PASSWORD, NEW_PASSWORD)
        assert done.status_code == 303 and done.headers["location"] == "/sign-in"
        assert await password_hash(session, dee) != old_hash
        assert not await signed_in(laptop)  # every old session has ended

    used = await reset_again(browser, token)
    assert used.status_code == 422 and "Ask for a new link" in used.text
    refused = await sign_in(browser, "dee@example.edu", PASSWORD)
    assert refused.status_code == 422
    welcome = await sign_in(browser, "dee@example.edu", NEW_PASSWORD)
    assert welcome.status_code == 303 and await signed_in(browser)
    assert (await stored_user(session, "dee@example.edu")).email_verified_at is not None
    # The notice of the change followed the link.
    assert len(await outbox(app, "dee@example.edu")) == 2


async def reset_again(browser: httpx.AsyncClient, token: str) -> httpx.Response:
    fields = {"token": token, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    return await post_form(browser, f"/reset-password?token={token}", "/reset-password", fields)


async def test_change_password_on_the_profile_ends_the_other_sessions(
    app: FastAPI, browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    eve = await create_user(session, "eve@example.edu", password=PASSWORD)
    await session.commit()
    old_hash = await password_hash(session, eve)
    await sign_in(browser, "eve@example.edu")
    assert "Change your password" in (await browser.get("/profile")).text

    async def change(current: str, new: str, again: str) -> httpx.Response:
        fields = {"current_password": current, "new_password": new, "new_password_again": again}
        return await post_form(browser, "/profile", "/profile/password", fields)

    async with another_browser(app) as phone:
        await sign_in(phone, "eve@example.edu")
        wrong = await change("not my password", NEW_PASSWORD, NEW_PASSWORD)
        assert wrong.status_code == 422
        assert 'id="current_password-error"' in wrong.text
        assert "The current password is not correct." in wrong.text
        short = await change(PASSWORD, "short", "short")
        assert short.status_code == 422 and 'id="new_password-error"' in short.text
        differ = await change(PASSWORD, NEW_PASSWORD, "something else")
        assert differ.status_code == 422 and 'id="new_password_again-error"' in differ.text
        assert await password_hash(session, eve) == old_hash
        assert await signed_in(phone)

        changed = await change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
        assert changed.status_code == 303 and changed.headers["location"] == "/profile"
        assert "Your password is changed" in (await browser.get("/profile")).text
        assert await password_hash(session, eve) != old_hash
        assert await signed_in(browser) and not await signed_in(phone)
        assert (await sign_in(phone, "eve@example.edu", NEW_PASSWORD)).status_code == 303
    [notice] = await outbox(app, "eve@example.edu")
    assert "password" in str(notice["Subject"]).lower()


async def test_sign_out_everywhere(
    app: FastAPI, browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    fay = await create_user(session, "fay@example.edu", password=PASSWORD)
    await session.commit()
    await sign_in(browser, "fay@example.edu")
    async with another_browser(app) as phone:
        await sign_in(phone, "fay@example.edu")
        done = await post_form(browser, "/profile", "/profile/sign-out-everywhere", {})
        assert done.status_code == 303 and done.headers["location"] == "/sign-in"
        assert "signed out on every device" in (await browser.get("/sign-in")).text
        assert not await signed_in(browser) and not await signed_in(phone)
    live = await session.scalars(
        select(AuthSession.id).where(
            AuthSession.user_id == fay.id, AuthSession.revoked_at.is_(None)
        )
    )
    assert list(live) == []


@pytest.mark.parametrize("settings_overrides", [{"require_verified_email": True}], indirect=True)
async def test_registering_waits_for_a_confirmed_address_when_required(
    app: FastAPI, browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    student = await create_user(session, "gus@example.edu", password=PASSWORD)
    owner = await create_user(session)
    club = await create_organization(session, owner, name="Chess Club")
    await add_member(session, club, student, MembershipRole.MEMBER)
    event = await create_event(session, club, status=EventStatus.OPEN, title="Spring pairs")
    await session.commit()
    await sign_in(browser, "gus@example.edu")
    page = f"/events/{event.id}"

    refused = await post_form(browser, page, f"{page}/register", {})
    assert refused.status_code == 403
    assert "Confirm your email address first" in refused.text and "gus@example.edu" in refused.text
    assert "Send a new confirmation link" in refused.text
    registered = select(Registration).where(Registration.user_id == student.id)
    assert await session.scalar(registered) is None

    other_club = await create_organization(session, owner, name="Debate Society")
    await create_invite(session, other_club, code=INVITE_CODE)
    await session.commit()
    joining = await post_form(browser, f"/join/{INVITE_CODE}", f"/join/{INVITE_CODE}", {})
    assert joining.status_code == 403
    assert "Confirm your email address first" in joining.text
    assert "/api/v1" not in joining.text and 'href="/profile#verification-heading"' in joining.text

    resent = await post_form(browser, page, "/verify-email/resend", {"next": page})
    assert resent.status_code == 303 and resent.headers["location"] == page
    assert len(await outbox(app, "gus@example.edu")) == 1

    await session.execute(
        update(User).where(User.id == student.id).values(email_verified_at=utcnow())
    )
    await session.commit()
    accepted = await post_form(browser, page, f"{page}/register", {})
    assert accepted.status_code == 303
    assert await session.scalar(registered.execution_options(populate_existing=True)) is not None

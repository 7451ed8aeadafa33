"""The console in a real browser: Debian's Chromium (``/usr/bin/chromium``, driven by
Playwright; never a downloaded browser) against a live server on a fresh SQLite database.

Skipped only when Chromium is absent (``.ci/run`` installs it). With ``PEERPEAR_SCREENSHOTS=1``
the pages are also saved to ``docs/screenshots/`` (the README shows them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright

from peerpear import migrate
from peerpear.db import create_engine, create_sessionmaker, utcnow
from peerpear.main import create_app
from peerpear.models import EventStatus, EventVisibility, QuestionType, RoleScheme
from tests.conftest import make_settings
from tests.db_backends import sqlite_url
from tests.factories import (
    create_event,
    create_invite,
    create_organization,
    create_question,
    create_user,
)
from tests.web.browser_support import CHROMIUM, fits_width, problems_of, screenshot
from tests.web.live_server import serving

EMAIL = "ada@example.edu"
PASSWORD = "correct horse battery"
EVENT_TITLE = "Spring study pairs"
CIRCLE_TITLE = "Mentoring circle"  # members-only, with a role scheme and one question per type
INVITE_CODE = "browser-test-invite-code-0123456789"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does)",
)


@pytest.fixture
async def live_url(tmp_path: Path) -> AsyncIterator[str]:
    """A server on a migrated SQLite file with one student, one open public event, and an
    invite to the club whose members-only event has a questionnaire."""
    url = sqlite_url(tmp_path)
    await migrate.upgrade_async(url)
    # development: plain-http cookies (not Secure), as on a laptop running `peerpear serve`
    settings = make_settings(url, environment="development")
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            await create_user(session, EMAIL, password=PASSWORD, first_name="Ada")
            owner = await create_user(session, "owner@example.edu")
            club = await create_organization(session, owner, name="Chess Club")
            await create_event(
                session,
                club,
                title=EVENT_TITLE,
                status=EventStatus.OPEN,
                visibility=EventVisibility.PUBLIC,
                registration_deadline=utcnow() + timedelta(days=10),
            )
            await create_invite(session, club, code=INVITE_CODE)
            circle = await create_event(
                session,
                club,
                title=CIRCLE_TITLE,
                status=EventStatus.OPEN,
                role_scheme=RoleScheme.MENTOR,
                description="Older students meet new ones every other week.",
                registration_deadline=utcnow() + timedelta(days=20),
            )
            await create_question(
                session, circle, type=QuestionType.TEXT, prompt="About you",
                help_text="A sentence or two your group will read.",
            )  # fmt: skip
            await create_question(session, circle, prompt="Tea or coffee?", position=1)
            await create_question(
                session, circle, type=QuestionType.MULTI_CHOICE, prompt="Languages",
                options=["Python", "Rust", "Go"], position=2,
            )  # fmt: skip
            await create_question(
                session, circle, type=QuestionType.SCALE, prompt="How social are you?",
                scale_min=1, scale_max=5, position=3,
            )  # fmt: skip
    finally:
        await engine.dispose()
    with serving(create_app(settings)) as base_url:
        yield base_url


async def test_sign_in_events_and_sign_out_in_chromium(live_url: str) -> None:
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = await browser.new_page(viewport={"width": 375, "height": 740})
            problems_of(page, problems)

            await page.goto(f"{live_url}/events")
            assert page.url == f"{live_url}/sign-in?next=/events"
            assert await page.title() == "Sign in · PeerPear"
            assert await fits_width(page)
            if shot := screenshot("sign-in.png"):
                await page.screenshot(path=str(shot), full_page=True)
            await page.keyboard.press("Tab")  # the skip link comes first, and shows
            skip = page.get_by_role("link", name="Skip to main content")
            assert await skip.evaluate("element => element === document.activeElement")
            assert await skip.is_visible()

            await page.get_by_label("Email").fill(EMAIL)
            await page.get_by_label("Password").fill("not my password")
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_load_state()
            assert await page.get_by_role("alert").inner_text() == "Email or password is incorrect."
            assert await page.get_by_label("Email").input_value() == EMAIL
            assert await page.get_by_label("Password").input_value() == ""

            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{live_url}/events")
            assert await page.title() == "Events · PeerPear"
            assert await page.get_by_role("status").inner_text() == "You are signed in."
            card = page.get_by_role("listitem").filter(has_text=EVENT_TITLE)
            assert "Chess Club" in await card.inner_text()
            assert "Open" in await card.inner_text()
            assert await fits_width(page)
            if shot := screenshot("events.png"):
                await page.screenshot(path=str(shot), full_page=True)

            # The profile: a refused class year comes back next to its field, with what was
            # typed; then it saves.
            await page.get_by_role("link", name="Profile").click()
            await page.wait_for_url(f"{live_url}/profile")
            await page.get_by_label("Major").fill("Mathematics")
            await page.get_by_label("Class year").fill("1200")
            await page.get_by_role("button", name="Save your profile").click()
            await page.wait_for_load_state()
            assert await page.get_by_label("Class year").get_attribute("aria-invalid") == "true"
            year_error = await page.locator("#class_year-error").inner_text()
            assert year_error.startswith("Class year must be between")
            assert await page.get_by_label("Major").input_value() == "Mathematics"
            await page.get_by_label("Class year").fill("2027")
            await page.get_by_role("button", name="Save your profile").click()
            await page.wait_for_url(f"{live_url}/profile")
            assert await page.get_by_role("status").inner_text() == "Your profile is saved."
            assert await fits_width(page)

            await page.get_by_role("button", name="Sign out", exact=True).click()
            await page.wait_for_url(f"{live_url}/sign-in")
            assert await page.get_by_role("status").inner_text() == "You are signed out."
            await page.goto(f"{live_url}/events")  # the session is over
            assert page.url.startswith(f"{live_url}/sign-in")
        finally:
            await browser.close()
    assert not problems, problems


async def test_a_new_student_signs_up_joins_registers_and_answers(live_url: str) -> None:
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = await browser.new_page(viewport={"width": 375, "height": 740})
            problems_of(page, problems)
            # The invite link, signed out: sign in (or create an account), then back here.
            await page.goto(f"{live_url}/join?code={INVITE_CODE}")
            assert page.url == f"{live_url}/sign-in?next=/join/{INVITE_CODE}"
            await page.get_by_role("main").get_by_role("link", name="Create an account").click()
            await page.wait_for_url(f"{live_url}/sign-up?next=/join/{INVITE_CODE}")
            await page.get_by_label("Email").fill("nia@example.edu")
            await page.get_by_label("First name").fill("Nia")
            await page.get_by_label("Password").fill("short")
            await page.get_by_role("button", name="Create account").click()
            await page.wait_for_load_state()
            assert await page.locator("#password-error").inner_text() == "At least 10 characters."
            assert await page.get_by_label("Email").input_value() == "nia@example.edu"
            assert await page.get_by_label("First name").input_value() == "Nia"
            await page.get_by_label("Password").fill("a long enough passphrase")
            await page.get_by_role("button", name="Create account").click()
            await page.wait_for_url(f"{live_url}/join/{INVITE_CODE}")
            assert await page.title() == "Join Chess Club · PeerPear"
            await page.get_by_role("button", name="Join Chess Club").click()
            await page.wait_for_url(f"{live_url}/events")
            assert await page.get_by_role("status").inner_text() == "You joined the organization."

            await page.get_by_role("link", name=CIRCLE_TITLE).click()
            await page.wait_for_load_state()
            assert await page.title() == f"{CIRCLE_TITLE} · PeerPear"
            assert await fits_width(page)
            if shot := screenshot("event.png"):
                await page.screenshot(path=str(shot), full_page=True)
            await page.get_by_label("Your role").select_option("mentee")
            await page.get_by_role("button", name="Register").click()
            await page.wait_for_url(f"{live_url}/events/*/answers")
            assert await page.get_by_role("status").inner_text() == "You are registered."

            await page.get_by_label("About you").fill("I like opening theory.")
            tea = page.get_by_role("group", name="Tea or coffee?")
            await tea.get_by_label("Coffee").check()
            languages = page.get_by_role("group", name="Languages")
            await languages.get_by_label("Python").check()
            await languages.get_by_label("Go").check()
            social = page.get_by_label("How social are you?")
            await social.fill("7")  # outside the scale: the server says so next to it
            await page.get_by_role("button", name="Save answers").click()
            await page.wait_for_load_state()
            assert await social.get_attribute("aria-invalid") == "true"
            error = page.locator(f"#{await social.get_attribute('id')}-error")
            assert await error.inner_text() == "Must be between 1 and 5."
            assert await page.get_by_label("About you").input_value() == "I like opening theory."
            assert await tea.get_by_label("Coffee").is_checked()
            assert await languages.get_by_label("Go").is_checked()
            assert not await languages.get_by_label("Rust").is_checked()
            await social.fill("4")
            await page.get_by_role("button", name="Save answers").click()
            await page.wait_for_url(f"{live_url}/events/*/answers")
            assert await page.get_by_role("status").inner_text() == "Saved."
            assert await page.locator("#completeness").inner_text() == "Your answers are complete."
            assert await fits_width(page)
            if shot := screenshot("questionnaire.png"):
                await page.screenshot(path=str(shot), full_page=True)
        finally:
            await browser.close()
    assert not problems, problems


async def test_a_form_post_without_its_token_is_refused_on_the_live_server(
    live_url: str,
) -> None:
    # No browser needed: a cross-site form would arrive just like this, cookies or not.
    async with httpx.AsyncClient(base_url=live_url) as client:
        await client.get("/sign-in")  # has the nonce cookie, not the token
        refused = await client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD})
    assert refused.status_code == 403
    assert "peerpear_session" not in refused.headers.get("set-cookie", "")

"""An organizer in Chromium: creates an event (a refused deadline first), builds its
questionnaire (the type's own fields only, by our small script), and opens and closes it with
the lifecycle buttons; at phone width, with no console error (a CSP violation would be one).
With ``PEERPEAR_SCREENSHOTS=1`` the overview and the builder go to ``docs/screenshots/``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from peerpear import migrate
from peerpear.db import create_engine, create_sessionmaker
from peerpear.main import create_app
from tests.conftest import make_settings
from tests.db_backends import sqlite_url
from tests.factories import create_organization, create_user
from tests.web.browser_support import CHROMIUM, fits_width, problems_of, screenshot
from tests.web.live_server import serving

ORGANIZER = "grace@example.edu"
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}")


@pytest.fixture
async def organizer_url(tmp_path: Path) -> AsyncIterator[str]:
    """A live server whose one organization is owned by the organizer; its URL and the
    organization's new-event page."""
    url = sqlite_url(tmp_path)
    await migrate.upgrade_async(url)
    settings = make_settings(url, environment="development")
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            owner = await create_user(session, ORGANIZER, password=PASSWORD, first_name="Grace")
            club = await create_organization(session, owner, name="Chess Club")
            club_id = club.id
    finally:
        await engine.dispose()
    with serving(create_app(settings)) as base_url:
        yield f"{base_url}/organizations/{club_id}/events/new"


async def test_an_organizer_creates_builds_opens_and_closes(organizer_url: str) -> None:
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = await browser.new_page(viewport={"width": 375, "height": 740})
            problems_of(page, problems, expected=(409, 422))  # refused on purpose
            await page.goto(organizer_url)
            await page.get_by_label("Email").fill(ORGANIZER)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(organizer_url)

            await page.get_by_label("Title").fill("Study pairs")
            await page.get_by_label("Registration deadline (UTC)").fill("2001-01-01T09:00")
            await page.get_by_role("button", name="Create the event").click()
            await page.wait_for_url("**/manage/events/*")
            # A deadline in the past is allowed on a draft: opening is what needs a future one.
            assert await page.locator("#why-open").is_visible()
            assert "deadline has passed" in await page.locator("#why-open").inner_text()
            assert await page.get_by_role(
                "button", name="Open registration", exact=True
            ).is_disabled()
            await page.get_by_label("Registration deadline (UTC)").fill("2040-01-01T09:00")
            await page.get_by_role("button", name="Save the details").click()
            await page.wait_for_load_state()
            assert await page.get_by_role("status").inner_text() == (
                "The event's details are saved."
            )
            overview = page.url

            await page.get_by_role("link", name="Add questions").click()
            await page.wait_for_load_state()
            assert await page.get_by_label("Options (for choice questions)").is_visible()
            assert not await page.get_by_label("Scale from (for scales)").is_visible()
            await page.get_by_label("Type").select_option("scale")
            assert not await page.get_by_label("Options (for choice questions)").is_visible()
            await page.get_by_label("Question", exact=True).fill("How social are you?")
            await page.get_by_label("Scale to (for scales)").fill("7")
            await page.get_by_role("button", name="Add the question").click()
            await page.wait_for_load_state()
            assert await page.get_by_role("status").inner_text() == "The question is added."
            row = page.get_by_role("row").filter(has_text="How social are you?")
            assert "1 to 7" in await row.inner_text()
            assert await fits_width(page)
            if shot := screenshot("question-builder.png"):
                await page.screenshot(path=str(shot), full_page=True)

            await page.goto(overview)
            await page.get_by_role("button", name="Open registration", exact=True).click()
            await page.wait_for_load_state()
            assert await page.get_by_role("status").inner_text() == "Registration is open."
            assert await page.locator("#event-status").inner_text() == "Open"
            assert await page.get_by_role(
                "button", name="Open registration", exact=True
            ).is_disabled()
            assert await fits_width(page)
            if shot := screenshot("event-overview.png"):
                await page.screenshot(path=str(shot), full_page=True)
            await page.get_by_role("button", name="Close registration", exact=True).click()
            await page.wait_for_load_state()
            assert await page.locator("#event-status").inner_text() == "Closed"
        finally:
            await browser.close()
    assert not problems, problems

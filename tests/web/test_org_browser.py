"""The organizer's organization pages in Chromium (as ``test_browser.py``: Debian's
``/usr/bin/chromium`` against a live server): create an organization, make an invite link and
copy it, add a member by email, remove them after confirming; at 375 px, with no CSP or script
error logged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Dialog, async_playwright

from peerpear import migrate
from peerpear.db import create_engine, create_sessionmaker
from peerpear.main import create_app
from tests.conftest import make_settings
from tests.db_backends import sqlite_url
from tests.factories import create_user
from tests.web.browser_support import CHROMIUM, fits_width, problems_of, screenshot
from tests.web.live_server import serving

EMAIL = "olga@example.edu"
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"Chromium is not installed at {CHROMIUM}"
)


@pytest.fixture
async def live_url(tmp_path: Path) -> AsyncIterator[str]:
    """A server on a migrated SQLite file with one person who may create organizations."""
    url = sqlite_url(tmp_path)
    await migrate.upgrade_async(url)
    settings = make_settings(url, environment="development")  # plain-http cookies
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            await create_user(session, EMAIL, password=PASSWORD, first_name="Olga")
    finally:
        await engine.dispose()
    with serving(create_app(settings)) as base_url:
        yield base_url


async def test_an_organizer_sets_up_an_organization(live_url: str) -> None:
    problems: list[str] = []
    confirmations: list[str] = []

    async def confirm(dialog: Dialog) -> None:
        confirmations.append(dialog.message)
        await dialog.accept()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            context = await browser.new_context(viewport={"width": 375, "height": 740})
            await context.grant_permissions(["clipboard-read", "clipboard-write"])
            page = await context.new_page()
            problems_of(page, problems)
            page.on("dialog", confirm)
            await page.goto(f"{live_url}/organizations")
            await page.get_by_label("Email").fill(EMAIL)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{live_url}/organizations")
            assert (
                "You are not in any organization yet" in await page.get_by_role("main").inner_text()
            )

            await page.get_by_label("Name").fill("Chess Club")
            await page.get_by_label("Description").fill("Tuesdays in room 4.")
            await page.get_by_role("button", name="Create organization").click()
            await page.wait_for_url(f"{live_url}/organizations/*")
            assert await page.title() == "Chess Club · PeerPear"
            assert "Your organization is ready." in await page.get_by_role("status").inner_text()
            assert await fits_width(page)

            await page.get_by_role("link", name="Members").last.click()
            await page.wait_for_url(f"{live_url}/organizations/*/members")
            await page.get_by_role("button", name="Create invite link").click()
            await page.wait_for_load_state()
            link = page.get_by_label("Share this link now: it is shown only once")
            assert "/join/" in await link.input_value()
            await page.get_by_role("button", name="Copy link").click()
            await page.get_by_text("Copied.").wait_for()
            copied = await page.evaluate("navigator.clipboard.readText()")
            assert copied == await link.input_value()
            assert await fits_width(page)

            await page.get_by_label("Email addresses").fill("ben@example.edu")
            await page.get_by_role("button", name="Add members").click()
            await page.wait_for_load_state()
            assert "1 added" in await page.locator(".report").inner_text()
            assert await fits_width(page)
            if shot := screenshot("organization-members.png"):
                await page.screenshot(path=str(shot), full_page=True)
            row = page.get_by_role("row").filter(has_text="ben@example.edu").last
            await row.get_by_role("button", name="Remove").click()
            await page.wait_for_url(f"{live_url}/organizations/*/members")
            assert await page.get_by_role("status").inner_text() == (
                "The member was removed from the organization."
            )
            assert confirmations == ["Remove ben@example.edu from Chess Club?"]
            assert "ben@example.edu" not in await page.get_by_role("main").inner_text()
            assert await fits_width(page)
        finally:
            await browser.close()
    assert not problems, problems

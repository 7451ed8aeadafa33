"""The working pairing in a real browser (Debian's Chromium, driven by Playwright): an admin
drags a person onto another group and locks a group; pairing.js sends each edit and puts the
server's new pairing section in place, so the checks and figures change without a page load.

Skipped only when Chromium is absent (``.ci/run`` installs it). With ``PEERPEAR_SCREENSHOTS=1``
the page is also saved to ``docs/screenshots/``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright

from peerpear import migrate
from peerpear.db import create_engine, create_sessionmaker
from peerpear.main import create_app
from peerpear.models import MembershipRole
from tests.conftest import make_settings
from tests.db_backends import sqlite_url
from tests.factories import add_member, auth_headers, create_user
from tests.pairing.helpers import make_paired, succeeded_run
from tests.web.browser_support import CHROMIUM, fits_width, problems_of, screenshot
from tests.web.live_server import serving

ADMIN_EMAIL = "grace@example.edu"
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does)",
)


@dataclass(frozen=True)
class Live:
    base_url: str
    event_id: int


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    """A server on a migrated SQLite file: a closed event with six students answered, an admin
    with a password, and a run adopted as the working pairing (through the API)."""
    url = sqlite_url(tmp_path)
    await migrate.upgrade_async(url)
    settings = make_settings(url, environment="development")  # plain-http cookies
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            paired = await make_paired(session, 6)
            admin = await create_user(
                session, ADMIN_EMAIL, password=PASSWORD, first_name="Grace", last_name="Hopper"
            )
            await add_member(session, paired.program.club.org, admin, MembershipRole.ADMIN)
            run = await succeeded_run(session, paired.event)
            headers = await auth_headers(session, admin)
            event_id = paired.event.id
    finally:
        await engine.dispose()
    with serving(create_app(settings)) as base_url:
        async with httpx.AsyncClient(base_url=base_url, headers=headers) as api:
            adopted = await api.put(f"/api/v1/events/{event_id}/pairing", json={"run_id": run.id})
            assert adopted.status_code == 200, adopted.text
        yield Live(base_url, event_id)


async def test_drag_a_member_to_another_group_then_lock_a_group(live: Live) -> None:
    problems: list[str] = []
    pairing_url = f"{live.base_url}/manage/events/{live.event_id}/pairing"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = await browser.new_page(viewport={"width": 1024, "height": 900})
            problems_of(page, problems)
            await page.goto(pairing_url)
            await page.get_by_label("Email").fill(ADMIN_EMAIL)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(pairing_url)
            assert (await page.title()).startswith("Pairing · ")
            validation = page.locator("#pairing-validation")
            before = await validation.inner_text()
            assert before.startswith("No problems"), before
            version = page.locator('#pairing input[name="version"]').first
            first_version = int(await version.input_value())
            # A mark on this document: a page load would lose it.
            await page.evaluate("window.stillTheSamePage = true")

            groups = page.locator(".pairing-group")
            source, target = groups.nth(0), groups.nth(1)
            target_id = await target.get_attribute("data-group-id")
            person = source.locator(".member").first
            name = await person.locator(".member-name").inner_text()
            await person.drag_to(target.get_by_role("heading"))
            # (no wait_for_function: the console's CSP forbids evaluating strings)
            newer = f'#pairing input[name="version"][value="{first_version + 1}"]'
            await page.locator(newer).first.wait_for(state="attached")
            assert await page.evaluate("window.stillTheSamePage === true")
            assert page.url == pairing_url
            moved_to = page.locator(f'.pairing-group[data-group-id="{target_id}"]')
            assert name in await moved_to.locator(".members").inner_text()
            assert await page.locator("#pairing").get_by_role("status").inner_text() == (
                "Moved. The checks and figures below are up to date."
            )
            # The group left with one person: the problem is counted and shown on its card.
            after = await validation.inner_text()
            assert after != before and "problem" in after, after
            assert "has 1 member" in await groups.nth(0).locator(".problems").inner_text()
            assert "Mean satisfaction" in await page.locator("#pairing-announce").inner_text()

            lock = page.get_by_role("button", name="Lock group 1")
            await lock.click()
            await page.wait_for_selector(
                f'.pairing-group[data-group-id="{target_id}"][data-locked]'
            )
            assert await page.evaluate("window.stillTheSamePage === true")
            locked = page.locator(f'.pairing-group[data-group-id="{target_id}"]')
            assert "Locked" in await locked.get_by_role("heading").inner_text()
            assert await page.get_by_role("button", name="Unlock group 1").is_visible()
            # Nobody can be dragged out of a locked group; the others still can.
            assert await locked.locator('[draggable="true"]').count() == 0
            assert await groups.nth(0).locator('[draggable="true"]').count() == 1
            if shot := screenshot("pairing.png"):
                await page.screenshot(path=str(shot), full_page=True)

            await page.set_viewport_size({"width": 375, "height": 740})
            assert await fits_width(page)
            # Without the script the same page works with full page loads: a reload shows it.
            await page.reload()
            assert "Locked" in await locked.get_by_role("heading").inner_text()
        finally:
            await browser.close()
    assert not problems, problems

"""The organizer's registrations, analytics and pair rules in Chromium at a phone's width: the
pages fit, the charts draw with no CSP complaint (no inline style), a dry-run import reports
and a rule is added by ticking two people. Skipped without Chromium, as test_browser.py.
With ``PEERPEAR_SCREENSHOTS=1`` the pages are saved to ``docs/screenshots/``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from peerpear import migrate
from peerpear.db import create_engine, create_sessionmaker
from peerpear.main import create_app
from peerpear.models import EventStatus, QuestionType, RegistrationRole, RoleScheme
from tests.conftest import make_settings
from tests.db_backends import sqlite_url
from tests.factories import (
    create_event,
    create_organization,
    create_question,
    create_registration,
    create_user,
)
from tests.web.browser_support import CHROMIUM, fits_width, problems_of, screenshot
from tests.web.live_server import serving

OWNER = "owner@example.edu"
PASSWORD = "correct horse battery"
PEOPLE = [("Ada", "Lovelace", "Tea", 4), ("Bob", "Moses", "Tea", 2), ("Cy", "Young", "Coffee", 5)]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}")


@pytest.fixture
async def organizer_url(tmp_path: Path) -> AsyncIterator[tuple[str, int]]:
    """A server with the Chess Club's open event, three complete registrations and answers."""
    url = sqlite_url(tmp_path)
    await migrate.upgrade_async(url)
    settings = make_settings(url, environment="development")
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            owner = await create_user(session, OWNER, password=PASSWORD, first_name="Olga")
            club = await create_organization(session, owner, name="Chess Club")
            event = await create_event(
                session, club, title="Spring pairs", status=EventStatus.OPEN,
                role_scheme=RoleScheme.BIG_LITTLE,
            )  # fmt: skip
            drink = await create_question(session, event, prompt="Tea or coffee?")
            social = await create_question(
                session, event, type=QuestionType.SCALE, prompt="How social are you?", position=1
            )
            for first, last, pick, level in PEOPLE:
                person = await create_user(
                    session, f"{first.lower()}@example.edu", first_name=first, last_name=last
                )
                await create_registration(
                    session, event, person, role=RegistrationRole.BIG, is_complete=True,
                    answers={drink: pick, social: level},
                )  # fmt: skip
            event_id = event.id
    finally:
        await engine.dispose()
    with serving(create_app(settings)) as base_url:
        yield base_url, event_id


async def test_an_organizer_reads_the_registrations_charts_and_adds_a_rule(
    organizer_url: tuple[str, int], tmp_path: Path
) -> None:
    live_url, event_id = organizer_url
    problems: list[str] = []
    manage = f"{live_url}/manage/events/{event_id}"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = await browser.new_page(viewport={"width": 375, "height": 740})
            problems_of(page, problems)
            await page.goto(f"{manage}/registrations")
            await page.get_by_label("Email").fill(OWNER)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{manage}/registrations")
            table = page.get_by_role("table", name="Registrations, by last name")
            assert "Ada Lovelace" in await table.inner_text()
            assert await fits_width(page)
            await page.get_by_label("Role of Bob Moses").select_option("little")
            await page.get_by_role("button", name="Set the role of Bob Moses").click()
            await page.wait_for_load_state()
            assert await page.get_by_role("status").inner_text() == "The role is saved."
            assert await page.get_by_label("Role of Bob Moses").input_value() == "little"
            if shot := screenshot("registrations.png"):
                await page.screenshot(path=str(shot), full_page=True)

            csv = tmp_path / "responses.csv"
            csv.write_text(
                "Email Address,Role,Tea or coffee?\ndan@example.edu,Little,Coffee\nnope,Big,Tea\n"
            )
            await page.get_by_label("CSV file").set_input_files(str(csv))
            await page.get_by_role("button", name="Check or import").click()
            await page.wait_for_url(f"{manage}/registrations/import")
            report = page.get_by_role("region", name="What the import would do")
            assert "1 of 2 rows would be accepted, 1 rejected" in await report.inner_text()
            assert await fits_width(page)

            await page.goto(f"{manage}/analytics")
            chart = page.get_by_role("img", name="Picks per option: Tea or coffee?")
            assert await chart.is_visible()
            box = await chart.bounding_box()
            assert box is not None and box["width"] <= 375
            assert await fits_width(page)
            if shot := screenshot("analytics.png"):
                await page.screenshot(path=str(shot), full_page=True)

            await page.goto(f"{manage}/rules")
            await page.get_by_role("radio", name="Never pair").check()
            await page.get_by_role("checkbox", name="Ada Lovelace").check()
            await page.get_by_role("checkbox", name="Cy Young").check()
            await page.get_by_role("button", name="Add the rule").click()
            await page.wait_for_url(f"{manage}/rules")
            assert await page.get_by_role("status").inner_text() == "The rule is added."
            rules = page.get_by_role("region", name="Never pair (1)")
            assert "Ada Lovelace" in await rules.inner_text()
            assert await fits_width(page)
            if shot := screenshot("pair-rules.png"):
                await page.screenshot(path=str(shot), full_page=True)
        finally:
            await browser.close()
    assert not problems, problems

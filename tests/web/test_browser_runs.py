"""An organizer's pairing run in a real browser (Debian's Chromium through Playwright, as in
test_browser.py): start a run on the runs page, watch its progress on the run's page, and see
its groups appear without reloading by hand (run_progress.js polls, then reloads once)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

from peerpear import migrate
from peerpear.db import create_engine, create_sessionmaker
from peerpear.main import create_app
from peerpear.models import EventStatus, MembershipRole, QuestionType
from tests.conftest import make_settings
from tests.db_backends import sqlite_url
from tests.factories import (
    add_member,
    create_event,
    create_organization,
    create_question,
    create_registration,
    create_user,
)
from tests.web.browser_support import CHROMIUM, problems_of, screenshot
from tests.web.live_server import serving

EMAIL = "olga@example.edu"
PASSWORD = "correct horse battery"
PEOPLE = 12

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does)",
)


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[tuple[str, int]]:
    """A server on a migrated SQLite file: a closed event of a club whose admin is EMAIL, with
    PEOPLE complete registrations; its base URL and the event's id."""
    url = sqlite_url(tmp_path)
    await migrate.upgrade_async(url)
    settings = make_settings(url, environment="development")  # plain-http cookies
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            organizer = await create_user(session, EMAIL, password=PASSWORD, first_name="Olga")
            club = await create_organization(session, organizer, name="Chess Club")
            event = await create_event(
                session, club, title="Autumn pairs", status=EventStatus.CLOSED
            )
            drink = await create_question(session, event)
            outgoing = await create_question(
                session, event, type=QuestionType.SCALE, prompt="How outgoing?", position=1
            )
            for n in range(PEOPLE):
                student = await create_user(session, first_name=f"Student{n:02d}", last_name="X")
                await add_member(session, club, student, MembershipRole.MEMBER)
                answers = {drink: ["Tea", "Coffee"][n % 2], outgoing: 1 + n % 5}
                await create_registration(
                    session, event, student, answers=answers, is_complete=True
                )
            event_id = event.id
    finally:
        await engine.dispose()
    with serving(create_app(settings)) as base_url:
        yield base_url, event_id


async def _screenshot(page: Page, name: str) -> None:
    if shot := screenshot(name):
        await page.screenshot(path=str(shot), full_page=True)


def _watch(page: Page, problems: list[str], statuses: list[str]) -> None:
    problems_of(page, problems, expected=())
    page.on(
        "response", lambda r: statuses.append(f"{r.status} {r.url}") if "/api/" in r.url else None
    )


async def test_a_run_started_in_the_browser_shows_progress_then_its_groups(
    live: tuple[str, int],
) -> None:
    base_url, event_id = live
    runs_url = f"{base_url}/manage/events/{event_id}/runs"
    problems: list[str] = []
    polls: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = await browser.new_page(viewport={"width": 375, "height": 740})
            _watch(page, problems, polls)
            await page.goto(runs_url)
            await page.get_by_label("Email").fill(EMAIL)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(runs_url)
            assert "No runs yet" in await page.get_by_role("main").inner_text()
            width: int = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375

            await _screenshot(page, "runs.png")
            await page.get_by_label("Seed").fill("7")
            await page.get_by_role("button", name="Start run").click()
            await page.wait_for_url(f"{runs_url}/*")
            assert await page.get_by_role("status").first.inner_text() == "The run has started."
            status = page.locator("#run-status")
            assert "% done" in await status.inner_text()  # queued or running, with its share
            assert await page.locator("progress#run-progress").is_visible()
            assert await status.get_attribute("aria-live") == "polite"
            await _screenshot(page, "run-progress.png")

            # No reload by hand: the script polls the run, then reloads once it is done.
            groups = page.get_by_role("heading", name=f"Groups ({PEOPLE // 2})")
            await groups.wait_for(timeout=90_000)
            assert (await status.inner_text()).startswith("Succeeded")
            assert not await page.locator("progress").count()
            table = await page.locator("table.run-groups").inner_text()
            assert all(f"Student{n:02d} X" in table for n in range(PEOPLE))
            assert "Worst-off" in await page.get_by_role("main").inner_text()
            assert any("/api/v1/pairing-runs/" in poll for poll in polls)
            assert all(poll.startswith("200 ") for poll in polls), polls
            assert await page.get_by_role("button", name="Use this run").is_visible()
            await _screenshot(page, "run.png")
        finally:
            await browser.close()
    assert not problems, problems


async def test_without_javascript_the_run_page_refreshes_itself(live: tuple[str, int]) -> None:
    base_url, event_id = live
    runs_url = f"{base_url}/manage/events/{event_id}/runs"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            context = await browser.new_context(java_script_enabled=False)
            page = await context.new_page()
            await page.goto(runs_url)
            await page.get_by_label("Email").fill(EMAIL)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(runs_url)
            await page.get_by_label("Time limit (seconds)").fill("1")
            await page.get_by_role("button", name="Start run").click()
            await page.wait_for_url(f"{runs_url}/*")
            assert "% done" in await page.locator("#run-status").inner_text()
            # The <noscript> meta refresh reloads the page every 2 s until the run is done.
            groups = page.get_by_role("heading", name=f"Groups ({PEOPLE // 2})")
            await groups.wait_for(timeout=90_000)
            assert (await page.locator("#run-status").inner_text()).startswith("Succeeded")
        finally:
            await browser.close()

"""The web console's done-when, in Chromium: from ``peerpear seed --demo``, the demo owner
closes the demo event, starts a run and watches it finish, uses it, drags a member to another
group, locks a group, re-runs the rest, uses the new run and publishes; then a demo student signs
in and sees their group with their explanation. Every organizer page on the way is checked by
axe-core (no serious or critical violation) at desktop and phone width.

Skipped only when Chromium is absent (``.ci/run`` installs it).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from peerpear import migrate
from peerpear.db import create_engine, create_sessionmaker
from peerpear.main import create_app
from peerpear.seed import DEMO_PASSWORD, OWNER_EMAIL, seed_demo, student_email
from peerpear.seed_event import DEMO_EVENT_TITLE
from tests.conftest import make_settings
from tests.db_backends import sqlite_url
from tests.web.axe import audit
from tests.web.browser_support import CHROMIUM, problems_of, screenshot
from tests.web.live_server import serving

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does)",
)
RUN_TIMEOUT_MS = 60_000  # a 40-person run takes about a second; a loaded CI machine, more


@pytest.fixture
async def demo_url(tmp_path: Path) -> AsyncIterator[str]:
    """A live server on a fresh SQLite file holding what ``peerpear seed --demo`` makes."""
    url = sqlite_url(tmp_path)
    await migrate.upgrade_async(url)
    settings = make_settings(url, environment="development")  # plain-http cookies
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            seeded = await seed_demo(session)
            await session.commit()
            assert seeded.created
    finally:
        await engine.dispose()
    with serving(create_app(settings)) as base_url:
        yield base_url


async def _sign_in(page: Page, base_url: str, email: str) -> None:
    await page.goto(base_url + "/sign-in")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).not_to_have_text("Sign in")


async def _use_finished_run(page: Page) -> None:
    """On a run's page: wait (live progress, no reload by hand) until the groups show, then use
    the run as the working pairing."""
    groups = page.get_by_role("heading", name="Groups (")
    await expect(groups).to_be_visible(timeout=RUN_TIMEOUT_MS)
    await page.get_by_role("button", name="Use this run").click()
    await expect(page.get_by_role("heading", name="Working pairing")).to_be_visible()


async def test_demo_owner_pairs_and_publishes_then_a_student_sees_their_group(
    demo_url: str,
) -> None:
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            organizer = await browser.new_page(viewport={"width": 1280, "height": 900})
            problems_of(organizer, problems)
            await _sign_in(organizer, demo_url, OWNER_EMAIL)
            # Organizations → the demo organization → its event's management pages.
            await organizer.get_by_role("link", name="Organizations").click()
            await organizer.get_by_role("link", name="PeerPear Demo Society").first.click()
            await organizer.get_by_role("link", name=f"Manage {DEMO_EVENT_TITLE}").click()
            manage_url = organizer.url
            assert "/manage/events/" in manage_url
            await organizer.get_by_role("button", name="Close registration").click()
            await expect(organizer.locator(".flash")).to_be_visible()

            await organizer.get_by_role("link", name="Runs").click()
            await organizer.get_by_role("button", name="Start run").click()
            await _use_finished_run(organizer)
            pairing_url = organizer.url

            # Drag the first member of group 0 onto group 1: the section updates in place.
            groups = organizer.locator(".pairing-group")
            source, target = groups.nth(0), groups.nth(1)
            target_id = await target.get_attribute("data-group-id")
            person = source.locator(".member").first
            name = await person.locator(".member-name").inner_text()
            await person.drag_to(target.get_by_role("heading"))
            moved_to = organizer.locator(f'.pairing-group[data-group-id="{target_id}"]')
            await expect(moved_to.locator(".members")).to_contain_text(name)
            assert organizer.url == pairing_url
            # The move broke the event's shape (one group short of a pair, one too big): lock a
            # group that is fine, and let a re-run regroup the rest, the two above included.
            keep = groups.nth(2)
            await keep.get_by_role("button", name=re.compile("^Lock group")).click()
            unlock = keep.get_by_role("button", name=re.compile("^Unlock group"))
            await expect(unlock).to_be_visible()
            locked_members = await keep.locator(".member-name").all_inner_texts()

            await organizer.get_by_role("button", name="Re-run the unlocked groups").click()
            # A re-run puts its groups in place of the unlocked ones by itself.
            back = organizer.get_by_role("link", name="Back to the working pairing")
            await expect(back).to_be_visible(timeout=RUN_TIMEOUT_MS)
            await back.click()
            # The locked group came through the re-run exactly as it was.
            kept = organizer.locator(".pairing-group[data-locked]")
            assert sorted(await kept.locator(".member-name").all_inner_texts()) == sorted(
                locked_members
            )
            await organizer.get_by_role("button", name="Publish").click()
            await expect(organizer.get_by_role("button", name="Unpublish")).to_be_visible()

            event_id = manage_url.rstrip("/").rsplit("/", 1)[-1]
            found = await audit(
                organizer,
                demo_url,
                [
                    "/organizations",
                    manage_url.removeprefix(demo_url),
                    f"/manage/events/{event_id}/questions",
                    f"/manage/events/{event_id}/registrations",
                    f"/manage/events/{event_id}/analytics",
                    f"/manage/events/{event_id}/rules",
                    f"/manage/events/{event_id}/runs",
                    f"/manage/events/{event_id}/pairing",
                ],
            )
            problems.extend(found)

            student = await browser.new_page(viewport={"width": 375, "height": 740})
            problems_of(student, problems)
            await _sign_in(student, demo_url, student_email(1))
            await student.get_by_role("link", name=DEMO_EVENT_TITLE).click()
            await student.get_by_role("link", name="See your group").click()
            await expect(student.get_by_role("heading", name="Your group")).to_be_visible()
            members = student.get_by_role("table")
            await expect(members).to_contain_text("(you)")
            await expect(
                student.get_by_role("heading", name="Why you are in this group")
            ).to_be_visible()
            if shot := screenshot("group.png"):
                await student.screenshot(path=str(shot), full_page=True)
            problems.extend(await audit(student, demo_url, [student.url.removeprefix(demo_url)]))
        finally:
            await browser.close()
    assert not problems, "\n".join(problems)

"""Every console page a student sees passes axe-core's serious and critical rules, on a desktop
and on a 375 x 667 phone, where it must also fit the width (no sideways scrolling): the pages as
they first load and as they come back refused (errors next to the fields), and the error pages.

Chromium is Debian's (``/usr/bin/chromium``); skipped only where it is absent, as in
test_browser.py. The checks themselves are in tests/web/axe.py, for other pages to reuse.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from peerpear import migrate
from peerpear.db import create_engine, create_sessionmaker, utcnow
from peerpear.main import create_app
from peerpear.models import (
    EventStatus,
    EventVisibility,
    MembershipRole,
    QuestionType,
    RegistrationRole,
    RoleScheme,
)
from tests.conftest import make_settings
from tests.db_backends import sqlite_url
from tests.factories import (
    add_member,
    create_event,
    create_invite,
    create_organization,
    create_question,
    create_registration,
    create_user,
)
from tests.web.axe import VIEWPORTS, audit, check_current
from tests.web.browser_support import CHROMIUM
from tests.web.live_server import serving

EMAIL = "ada@example.edu"
PASSWORD = "correct horse battery"
INVITE_CODE = "accessibility-invite-code-0123456789"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does)",
)


@dataclass(frozen=True)
class Site:
    url: str
    public_event: int  # open, no roles, Ada not registered: the plain register button
    mentoring: int  # open, mentor roles, Ada not registered: the role picker
    circle: int  # open, every question type, Ada registered: answers and withdraw


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    url = sqlite_url(tmp_path)
    await migrate.upgrade_async(url)
    settings = make_settings(url, environment="development")  # plain-http cookies
    engine = create_engine(settings)
    deadline = utcnow() + timedelta(days=10)
    try:
        async with create_sessionmaker(engine)() as session:
            ada = await create_user(session, EMAIL, password=PASSWORD, first_name="Ada")
            owner = await create_user(session, "owner@example.edu")
            club = await create_organization(session, owner, name="Chess Club")
            await add_member(session, club, ada, MembershipRole.MEMBER)
            debate = await create_organization(session, owner, name="Debate Society")
            await create_invite(session, debate, code=INVITE_CODE)
            public = await create_event(
                session, club, title="Spring study pairs", status=EventStatus.OPEN,
                visibility=EventVisibility.PUBLIC, registration_deadline=deadline,
            )  # fmt: skip
            mentoring = await create_event(
                session, club, title="Mentoring", status=EventStatus.OPEN,
                role_scheme=RoleScheme.MENTOR, registration_deadline=deadline,
            )  # fmt: skip
            circle = await create_event(
                session, club, title="Reading circle", status=EventStatus.OPEN,
                description="Small groups that read one book a month.",
                registration_deadline=deadline, role_scheme=RoleScheme.MENTOR,
            )  # fmt: skip
            await create_question(
                session, circle, type=QuestionType.TEXT, prompt="About you",
                help_text="A sentence or two your group will read.",
            )  # fmt: skip
            await create_question(session, circle, prompt="Tea or coffee?", position=1)
            await create_question(
                session, circle, type=QuestionType.MULTI_CHOICE, prompt="Languages",
                options=["Python", "Rust", "Go"], position=2, required=False,
            )  # fmt: skip
            await create_question(
                session, circle, type=QuestionType.SCALE, prompt="How social are you?",
                scale_min=1, scale_max=5, position=3,
            )  # fmt: skip
            await create_registration(session, circle, ada, role=RegistrationRole.MENTEE)
            ids = (public.id, mentoring.id, circle.id)
    finally:
        await engine.dispose()
    with serving(create_app(settings)) as base_url:
        yield Site(base_url, *ids)


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield browser
        finally:
            await browser.close()


async def _signed_in(browser: Browser, site: Site) -> Page:
    page = await browser.new_page()
    await page.goto(f"{site.url}/sign-in")
    await page.get_by_label("Email").fill(EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{site.url}/events")
    return page


async def _each_viewport(page: Page, label: str) -> list[str]:
    problems: list[str] = []
    for viewport in VIEWPORTS:
        problems += await check_current(page, viewport, label)
    return problems


def _report(problems: list[str]) -> str:
    return f"{len(problems)} accessibility problem(s):\n" + "\n".join(problems)


async def test_the_pages_of_someone_signed_out(chromium: Browser, site: Site) -> None:
    page = await chromium.new_page()
    paths = ["/sign-in", "/sign-up", "/no-such-page", "/forgot-password"]
    # The account emails' links (the GET shows a button; the token is checked on POST), and a
    # link without its token.
    paths += ["/verify-email?token=an-emailed-token", "/verify-email"]
    paths += ["/reset-password?token=an-emailed-token", "/reset-password"]
    # /unsubscribe with a link that is not valid: the page that says so (issue 12)
    paths += ["/unsubscribe?token=1.reminders.x"]
    problems = await audit(page, site.url, paths)

    # Refused: the forms again, with the reason next to the field or above the form.
    await page.goto(f"{site.url}/sign-in")
    await page.get_by_label("Email").fill(EMAIL)
    await page.get_by_label("Password").fill("not my password")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("alert").wait_for()
    problems += await _each_viewport(page, "sign-in refused")

    await page.goto(f"{site.url}/sign-up")
    await page.get_by_label("Email").fill("not an email")
    await page.get_by_label("Password").fill("short")
    await page.get_by_role("button", name="Create account").click()
    await page.get_by_role("alert").wait_for()
    problems += await _each_viewport(page, "sign-up refused")

    # A reset link with too short a password, then the link refused (unknown to the server).
    await page.goto(f"{site.url}/reset-password?token=an-emailed-token")
    await page.locator("#password").fill("short")
    await page.get_by_label("New password again").fill("short")
    await page.get_by_role("button", name="Set my new password").click()
    await page.locator("#password-error").wait_for()
    problems += await _each_viewport(page, "reset refused")
    await page.locator("#password").fill("long enough at last")
    await page.get_by_label("New password again").fill("long enough at last")
    await page.get_by_role("button", name="Set my new password").click()
    await page.get_by_role("link", name="Ask for a new link").wait_for()
    problems += await _each_viewport(page, "reset link refused")

    await page.goto(f"{site.url}/verify-email?token=an-emailed-token")
    await page.get_by_role("button", name="Confirm my email address").click()
    await page.locator("#verify-error").wait_for()
    problems += await _each_viewport(page, "confirmation link refused")
    assert not problems, _report(problems)


async def test_the_pages_of_a_signed_in_student(chromium: Browser, site: Site) -> None:
    page = await _signed_in(chromium, site)
    paths = [
        "/events",
        "/profile",  # with its account part: the address unconfirmed, password, sign out
        f"/events/{site.public_event}",
        f"/events/{site.mentoring}",
        f"/events/{site.circle}",
        f"/events/{site.circle}/answers",
        f"/events/{site.circle}/withdraw",
        f"/join/{INVITE_CODE}",
        "/profile",  # with the email preferences (issue 12)
        # error pages: an unknown invite, an event one cannot see, a path that is no page
        "/join/no-such-invite-code",
        "/events/2147483000",
        "/no-such-page",
    ]
    problems = await audit(page, site.url, paths)
    assert not problems, _report(problems)


async def test_refused_forms_of_a_signed_in_student(chromium: Browser, site: Site) -> None:
    page = await _signed_in(chromium, site)
    # The questionnaire with an answer out of range and a required one left out.
    await page.goto(f"{site.url}/events/{site.circle}/answers")
    await page.get_by_label("How social are you?").fill("7")
    await page.get_by_role("button", name="Save answers").click()
    await page.locator(".field-error").first.wait_for()
    problems = await _each_viewport(page, "answers refused")

    # Registering without choosing a role.
    await page.goto(f"{site.url}/events/{site.mentoring}")
    await page.get_by_role("button", name="Register").click()
    await page.locator("#role-error").wait_for()
    problems += await _each_viewport(page, "register refused")

    # A form whose security token is out of date: the 403 page.
    await page.goto(f"{site.url}/events/{site.circle}/withdraw")
    await page.locator("main input[name=csrf_token]").evaluate("input => input.value = 'stale'")
    await page.locator("main").get_by_role("button").click()
    await page.get_by_role("heading", name="This form has expired").wait_for()
    problems += await _each_viewport(page, "form expired")

    # Changing the password with a wrong current one and two new ones that differ.
    await page.goto(f"{site.url}/profile")
    await page.get_by_label("Current password").fill("not my password")
    await page.locator("#new_password").fill("a new passphrase")
    await page.get_by_label("New password again").fill("another passphrase")
    await page.get_by_role("button", name="Change your password").click()
    await page.locator("#new_password_again-error").wait_for()
    problems += await _each_viewport(page, "password change refused")
    assert not problems, _report(problems)


async def test_the_checks_find_what_they_should(chromium: Browser) -> None:
    # Guards the guard: a page without a language or title, with an image without a text
    # alternative and a box wider than a phone, fails both checks.
    page = await chromium.new_page()
    await page.set_content('<main><img src="data:,"><div class="wide"></div></main>')
    await page.add_style_tag(content=".wide { width: 600px; height: 10px; }")
    problems = "\n".join(await _each_viewport(page, "bad page"))
    for rule in ("html-has-lang", "document-title", "image-alt"):
        assert f"bad page at desktop: {rule} (" in problems, problems
    assert "bad page at phone: wider than the screen" in problems
    assert "bad page at desktop: wider" not in problems

"""The console's side of issue 12's mail, on both databases: the publish form's introduction
option, "Send a reminder now" on the registrations tab (the count in the flash line; a closed
event's refusal next to the button), the profile's email preferences, and the unsubscribe
page's button."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.mail.preferences import unsubscribe_url
from peerpear.models import EventStatus, MailMessage, User
from tests.conftest import make_settings
from tests.factories import create_registration
from tests.pairing.helpers import adopt, make_paired, succeeded_run
from tests.registrations.helpers import make_program
from tests.web.helpers import browser, csrf_token_of

__all__ = ["browser"]  # the fixture


async def _user(session: AsyncSession, user_id: int) -> User:
    found = await session.scalar(
        select(User).where(User.id == user_id).execution_options(populate_existing=True)
    )
    assert found is not None
    return found


async def test_publishing_with_the_box_ticked_queues_one_introduction_per_member(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 4)
    browser.headers.update(paired.headers)
    pairing = await adopt(browser, paired, await succeeded_run(session, paired.event))
    url = f"/manage/events/{paired.event.id}/pairing"
    shown = (await browser.get(url)).text
    assert "Email each group an introduction" in shown
    assert 'name="message"' in shown and 'for="introduce-message"' in shown

    published = await browser.post(
        url + "/publish",
        data={
            "csrf_token": csrf_token_of(shown),
            "version": str(pairing["version"]),
            "introduce": "yes",
            "message": "See you Friday",
        },
    )
    assert published.status_code == 303, published.text
    rows = (await session.scalars(select(MailMessage))).all()
    assert sorted(row.recipient for row in rows) == sorted(
        s.user.email for s in paired.program.students
    )
    assert {row.template for row in rows} == {"introduction"}
    assert {row.event_id for row in rows} == {paired.event.id}


async def test_send_a_reminder_now_says_how_many_and_why_not(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(
        session, students=3, registration_deadline=utcnow() + timedelta(days=3)
    )
    for n, student in enumerate(program.students):
        await create_registration(session, program.event, student.user, is_complete=n == 0)
    browser.headers.update(program.club.owner_headers)
    url = f"/manage/events/{program.event.id}/registrations"
    shown = (await browser.get(url)).text
    assert "Send a reminder now" in shown

    sent = await browser.post(url + "/reminders", data={"csrf_token": csrf_token_of(shown)})
    assert sent.status_code == 303
    after = await browser.get(sent.headers["location"])
    assert "2 reminders are on their way" in after.text
    rows = (await session.scalars(select(MailMessage))).all()
    assert sorted(r.recipient for r in rows) == sorted(s.user.email for s in program.students[1:])

    closed = await make_program(session, status=EventStatus.CLOSED)
    browser.headers.update(closed.club.owner_headers)
    closed_url = f"/manage/events/{closed.event.id}/registrations"
    page = (await browser.get(closed_url)).text
    assert "Send a reminder now" not in page
    assert "Reminders go only while registration is open." in page
    refused = await browser.post(
        closed_url + "/reminders", data={"csrf_token": csrf_token_of(page)}
    )
    assert refused.status_code == 409
    assert "Reminders go only for open events: this one is closed." in refused.text


async def test_the_profile_saves_email_preferences(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session, students=1)
    [student] = program.students
    browser.headers.update(student.headers)
    shown = (await browser.get("/profile")).text
    assert shown.count("checked") == 2 and "Emails you receive" in shown

    saved = await browser.post(
        "/profile/email-preferences",
        data={"csrf_token": csrf_token_of(shown), "reminders": "yes"},
    )
    assert saved.status_code == 303
    after = (await browser.get("/profile")).text
    assert "Your email preferences are saved." in after
    user = await _user(session, student.user.id)
    assert user.email_introductions is False and user.email_reminders is True
    assert after.count(" checked") == 1


async def test_the_unsubscribe_page_button_turns_that_kind_off(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session, students=1)
    [student] = program.students
    link = unsubscribe_url(make_settings("sqlite://"), student.user, "introductions")
    path = link.removeprefix("http://127.0.0.1:8000")
    shown = await browser.get(path)
    assert shown.status_code == 200
    assert "Stop receiving introductions to your group" in shown.text

    token = path.partition("token=")[2]
    done = await browser.post(
        "/unsubscribe", data={"csrf_token": csrf_token_of(shown.text), "token": token}
    )
    assert done.status_code == 200
    assert "you will no longer receive introductions" in done.text
    user = await _user(session, student.user.id)
    assert user.email_introductions is False and user.email_reminders is True

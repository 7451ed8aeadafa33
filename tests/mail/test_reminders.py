"""Reminders through the loopback SMTP server: the periodic pass reminds each incomplete
registration of an event whose deadline is near, once (not again on the next pass, not for
complete ones, not for people who turned reminders off, not for events further off); an admin's
"send now" (202 with the count; 409 unless open); the one-click unsubscribe link of a reminder,
which works only as signed."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.jobs.inprocess import InProcessQueue
from peerpear.mail.reminders import send_due_reminders
from peerpear.models import EventStatus, User
from tests.factories import create_registration
from tests.mail.helpers import mail_settles
from tests.mail.smtp_server import SmtpServer
from tests.registrations.helpers import Program, make_program

UNSUBSCRIBE = re.compile(r"http://127\.0\.0\.1:8000(/unsubscribe\?token=[A-Za-z0-9_.-]+)")


async def _program(session: AsyncSession, hours_left: float) -> Program:
    """An open event with four students: two complete, two not."""
    deadline = utcnow() + timedelta(hours=hours_left)
    program = await make_program(session, students=4, registration_deadline=deadline)
    for n, student in enumerate(program.students):
        await create_registration(session, program.event, student.user, is_complete=n < 2)
    return program


async def _pass(app: FastAPI) -> list[int]:
    queue = app.state.jobs
    assert isinstance(queue, InProcessQueue)
    queued = await send_due_reminders(queue.context)
    await mail_settles(app)
    return queued


def _recipients(smtp: SmtpServer) -> list[str]:
    return sorted(r for m in smtp.handler.received for r in m.recipients)


async def test_the_periodic_pass_reminds_incomplete_registrations_once(
    app: FastAPI, smtp: SmtpServer, session: AsyncSession
) -> None:
    near = await _program(session, hours_left=10)
    await _program(session, hours_left=24 * 5)  # not due yet (48 hours before by default)
    incomplete = sorted(s.user.email for s in near.students[2:])

    assert len(await _pass(app)) == 2
    assert _recipients(smtp) == incomplete
    message = smtp.handler.received[0]
    assert message.message["Subject"] == f"Finish your registration for {near.event.title}"
    assert f"/events/{near.event.id}/answers" in message.part("plain")
    assert message.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert await _pass(app) == []  # never twice for one registration and deadline
    assert _recipients(smtp) == incomplete


async def test_send_now_counts_skips_who_turned_reminders_off_and_needs_an_open_event(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer, session: AsyncSession
) -> None:
    program = await _program(session, hours_left=24 * 7)
    quiet, reminded = program.students[2], program.students[3]
    prefs = await client.put(
        "/api/v1/me/email-preferences",
        json={"introductions": True, "reminders": False},
        headers=quiet.headers,
    )
    assert prefs.status_code == 200
    url = f"{program.url}/reminders"
    assert (await client.post(url, headers=reminded.headers)).status_code == 403

    sent = await client.post(url, headers=program.club.owner_headers)
    assert sent.status_code == 202, sent.text
    assert sent.json() == {"queued": 1}
    await mail_settles(app)
    assert _recipients(smtp) == [reminded.user.email]

    closed = await make_program(session, status=EventStatus.CLOSED)
    refused = await client.post(f"{closed.url}/reminders", headers=closed.club.owner_headers)
    assert refused.status_code == 409
    assert "open" in refused.json()["error"]["message"]


async def test_the_unsubscribe_link_works_only_as_signed(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer, session: AsyncSession
) -> None:
    await _program(session, hours_left=5)
    await _pass(app)
    message = smtp.handler.received[0]
    [link] = UNSUBSCRIBE.findall(message.part("plain"))
    assert message.message["List-Unsubscribe"] == f"<http://127.0.0.1:8000{link}>"
    [address] = message.recipients

    tampered = link[:-2] + ("AA" if not link.endswith("AA") else "BB")
    other_kind = link.replace(".reminders.", ".introductions.")
    for bad in (tampered, other_kind, "/unsubscribe?token=1.reminders.x", "/unsubscribe"):
        shown = await client.get(bad)
        assert shown.status_code == 400 and "This link is not valid" in shown.text
        one_click = await client.post(bad, data={"List-Unsubscribe": "One-Click"})
        assert one_click.status_code == 400

    page = await client.get(link)
    assert page.status_code == 200 and "Stop receiving reminders" in page.text
    # A mail client's RFC 8058 one-click request: no session, no CSRF token.
    done = await client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "you will no longer receive reminders" in done.text
    user = await session.scalar(
        select(User).where(User.email == address).execution_options(populate_existing=True)
    )
    assert user is not None and user.email_reminders is False and user.email_introductions
    # Without the one-click body, a POST needs the page's CSRF token.
    assert (await client.post(link, data={})).status_code == 403

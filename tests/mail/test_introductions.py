"""Introductions on publish, through the loopback SMTP server: each member of each group gets
one message naming their group and the organizer's words, never another group's people; an
unpublish and publish of the same groups sends nothing; a changed group is introduced again
(only it); a person who turned introductions off gets none."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import MailMessage
from tests.mail.helpers import mail_settles
from tests.mail.smtp_server import Received, SmtpServer
from tests.pairing.helpers import Paired, adopt, edit, make_paired, members, succeeded_run

MESSAGE = "Meet for coffee before Friday!"


def _people(paired: Paired, group: dict[str, Any]) -> list[dict[str, Any]]:
    return list(group["members"])


def _email_of(paired: Paired, registration_id: int) -> str:
    return paired.student(registration_id).user.email


async def _publish(client: httpx.AsyncClient, paired: Paired, **body: Any) -> None:
    url = f"{paired.program.url}/publish"
    answer = await client.post(url, json=body or None, headers=paired.headers)
    assert answer.status_code == 200, answer.text


async def _received(app: FastAPI, smtp: SmtpServer) -> dict[str, list[Received]]:
    await mail_settles(app)
    by_recipient: dict[str, list[Received]] = {}
    for message in smtp.handler.received:
        [to] = message.recipients
        by_recipient.setdefault(to, []).append(message)
    return by_recipient


async def test_each_member_gets_their_groups_introduction_once(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6)
    pairing = await adopt(client, paired, await succeeded_run(session, paired.event))
    await _publish(client, paired, introduce=True, message=MESSAGE)

    received = await _received(app, smtp)
    assert len(received) == 6 and all(len(mine) == 1 for mine in received.values())
    for group in pairing["groups"]:
        names = [f"{m['first_name']} {m['last_name']}" for m in _people(paired, group)]
        others = [
            f"{m['first_name']} {m['last_name']}"
            for g in pairing["groups"]
            if g is not group
            for m in g["members"]
        ]
        for registration_id in members(group):
            [message] = received[_email_of(paired, registration_id)]
            text, html = message.part("plain"), message.part("html")
            assert message.message["Subject"] == f"Meet your group for {paired.event.title}"
            for name in names:
                assert name in text and name in html
            for name in others:
                assert name not in text and name not in html
            assert MESSAGE in text and MESSAGE in html
            assert "What you share:" in text
            assert "(you)" in text
            unsubscribe = message.message["List-Unsubscribe"]
            assert unsubscribe.startswith("<http://127.0.0.1:8000/unsubscribe?token=")
            assert message.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Unpublish and publish the same groups: nothing new.
    unpublished = await client.post(f"{paired.program.url}/unpublish", headers=paired.headers)
    assert unpublished.status_code == 200
    await _publish(client, paired, introduce=True, message="Again")
    again = await _received(app, smtp)
    assert sum(len(mine) for mine in again.values()) == 6
    count = await session.scalar(select(func.count()).select_from(MailMessage))
    assert count == 6


async def test_only_a_changed_group_is_introduced_again(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6)
    pairing = await adopt(client, paired, await succeeded_run(session, paired.event))
    await _publish(client, paired, introduce=True)
    assert sum(len(m) for m in (await _received(app, smtp)).values()) == 6
    assert (await client.post(f"{paired.program.url}/unpublish", headers=paired.headers)).is_success

    first, second, untouched = pairing["groups"][0], pairing["groups"][1], pairing["groups"][2]
    a, b = members(first)[0], members(second)[0]
    swapped = await edit(
        client, paired, pairing["version"], "swap", registration_a=a, registration_b=b
    )
    assert swapped.status_code == 200, swapped.text
    await _publish(client, paired, introduce=True)

    received = await _received(app, smtp)
    for registration_id in members(first) + members(second):
        assert len(received[_email_of(paired, registration_id)]) == 2
    for registration_id in members(untouched):
        assert len(received[_email_of(paired, registration_id)]) == 1
    # The new introduction of the swapped person names their new group.
    latest = received[_email_of(paired, a)][-1].part("plain")
    for registration_id in members(second):
        if registration_id != b:
            student = paired.student(registration_id).user
            assert f"{student.first_name} {student.last_name}" in latest


async def test_no_introduction_without_the_option_or_for_who_turned_them_off(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer, session: AsyncSession
) -> None:
    paired = await make_paired(session, 4)
    await adopt(client, paired, await succeeded_run(session, paired.event))
    await _publish(client, paired)
    assert await _received(app, smtp) == {}
    assert (await client.post(f"{paired.program.url}/unpublish", headers=paired.headers)).is_success

    quiet = paired.program.students[0]
    turned_off = await client.put(
        "/api/v1/me/email-preferences",
        json={"introductions": False, "reminders": True},
        headers=quiet.headers,
    )
    assert turned_off.status_code == 200, turned_off.text
    assert turned_off.json() == {"introductions": False, "reminders": True}
    read = await client.get("/api/v1/me/email-preferences", headers=quiet.headers)
    assert read.json() == {"introductions": False, "reminders": True}
    await _publish(client, paired, introduce=True)

    received = await _received(app, smtp)
    assert quiet.user.email not in received
    assert len(received) == 3


async def test_a_too_long_message_is_refused_before_publishing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 4)
    await adopt(client, paired, await succeeded_run(session, paired.event))
    url = f"{paired.program.url}/publish"
    refused = await client.post(
        url, json={"introduce": True, "message": "x" * 2001}, headers=paired.headers
    )
    assert refused.status_code == 422
    assert (await client.get(paired.program.url, headers=paired.headers)).json()["status"] == (
        "closed"
    )

"""Delivery through a real SMTP server on loopback: sent with both parts, a temporary refusal
retried, a permanent one recorded and never retried, the outbox without SMTP."""

from __future__ import annotations

import asyncio
import email
import email.policy
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.config import Settings
from peerpear.jobs.inprocess import InProcessQueue
from peerpear.mail import delivery
from peerpear.mail.mailer import create_mailer
from peerpear.mail.outbox import OutboxMailer
from peerpear.mail.rendering import VERIFY_EMAIL
from peerpear.mail.smtp import SmtpMailer
from peerpear.models import MailMessage, MailStatus
from tests.conftest import make_settings
from tests.mail.smtp_server import SmtpServer, free_port

LINK = "http://peerpear.example.edu/verify-email?token=abc"


def settings_for(database_url: str, overrides: dict[str, Any], **more: Any) -> Settings:
    return make_settings(database_url, **{**overrides, **more})


async def queue_one(sessions: async_sessionmaker[AsyncSession], to: str = "ada@example.edu") -> int:
    async with sessions.begin() as db:
        return await delivery.queue_mail(
            db,
            template=VERIFY_EMAIL,
            to=to,
            context={"first_name": "Ada", "email": to, "link": LINK, "hours": 48},
        )


async def row(sessions: async_sessionmaker[AsyncSession], message_id: int) -> MailMessage:
    async with sessions() as db:
        found = await db.get(MailMessage, message_id)
        assert found is not None
        return found


async def test_the_job_queue_delivers_text_and_html(
    database_url: str,
    session_maker: async_sessionmaker[AsyncSession],
    smtp: SmtpServer,
    settings_overrides: dict[str, Any],
) -> None:
    settings = settings_for(database_url, settings_overrides, mail_sender="Club <club@example.edu>")
    assert isinstance(create_mailer(settings), SmtpMailer)
    message_id = await queue_one(session_maker)
    queue = InProcessQueue(session_maker, settings)
    await delivery.enqueue_mail(queue, [message_id])
    await queue.idle()

    [received] = smtp.handler.received
    assert received.recipients == ["ada@example.edu"]
    assert received.sender == "club@example.edu"
    assert received.message["Subject"] == "Confirm your email address for PeerPear"
    assert received.message["From"] == "Club <club@example.edu>"
    assert received.message.get_content_type() == "multipart/alternative"
    assert LINK in received.part("plain")
    html = received.part("html")
    assert f'href="{LINK}"' in html and "Hello Ada" in html

    sent = await row(session_maker, message_id)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, None)
    assert sent.sent_at is not None
    # The bodies (which may hold a live link) are not kept once sent.
    assert sent.body_text is None and sent.body_html is None


async def test_a_temporary_refusal_is_retried_then_delivered(
    database_url: str,
    session_maker: async_sessionmaker[AsyncSession],
    smtp: SmtpServer,
    settings_overrides: dict[str, Any],
) -> None:
    settings = settings_for(database_url, settings_overrides)
    smtp.handler.replies = ["451 4.3.0 Mailbox busy, try again later"]
    message_id = await queue_one(session_maker)
    mailer = create_mailer(settings)

    assert await delivery.deliver(session_maker, settings, mailer, message_id) == "queued"
    waiting = await row(session_maker, message_id)
    assert waiting.attempts == 1 and waiting.status == "queued"
    assert waiting.last_error == (
        "the mail server answered 451 4.3.0 Mailbox busy, try again later"
    )
    assert not smtp.handler.received

    # The periodic pass finds it due (the retry delay is 0 here) and the queue sends it.
    queue = InProcessQueue(session_maker, settings)
    assert await delivery.send_due_mail(queue.context) == [message_id]
    await queue.idle()
    sent = await row(session_maker, message_id)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)
    assert smtp.handler.data_commands == 2 and len(smtp.handler.received) == 1


async def test_a_permanent_refusal_is_recorded_and_never_retried(
    database_url: str,
    session_maker: async_sessionmaker[AsyncSession],
    smtp: SmtpServer,
    settings_overrides: dict[str, Any],
) -> None:
    settings = settings_for(database_url, settings_overrides)
    smtp.handler.replies = ["550 5.1.1 No such user here"]
    message_id = await queue_one(session_maker, to="nobody@example.edu")
    mailer = create_mailer(settings)

    assert await delivery.deliver(session_maker, settings, mailer, message_id) == "failed"
    failed = await row(session_maker, message_id)
    assert failed.status == "failed" and failed.attempts == 1
    assert failed.last_error == "the mail server answered 550 5.1.1 No such user here"
    assert failed.body_text is None

    # Neither the periodic pass nor another job tries it again.
    assert await delivery.due_messages(session_maker) == []
    assert await delivery.deliver(session_maker, settings, mailer, message_id) is None
    assert smtp.handler.data_commands == 1 and not smtp.handler.received


async def test_no_connection_is_temporary_until_the_attempts_run_out(
    database_url: str,
    session_maker: async_sessionmaker[AsyncSession],
    settings_overrides: dict[str, Any],
) -> None:
    closed_port = free_port()  # nothing listens there: connection refused
    settings = settings_for(
        database_url, settings_overrides, smtp_port=closed_port, mail_max_attempts=2
    )
    message_id = await queue_one(session_maker)
    mailer = create_mailer(settings)

    assert await delivery.deliver(session_maker, settings, mailer, message_id) == "queued"
    first = await row(session_maker, message_id)
    assert first.last_error is not None
    assert first.last_error.startswith("the mail server could not be reached")
    assert await delivery.deliver(session_maker, settings, mailer, message_id) == "failed"
    failed = await row(session_maker, message_id)
    assert failed.attempts == 2
    assert failed.last_error is not None and "(gave up after 2 attempts)" in failed.last_error


async def test_two_jobs_for_one_message_send_it_once(
    database_url: str,
    session_maker: async_sessionmaker[AsyncSession],
    smtp: SmtpServer,
    settings_overrides: dict[str, Any],
) -> None:
    settings = settings_for(database_url, settings_overrides)
    message_id = await queue_one(session_maker)
    mailer = create_mailer(settings)
    outcomes = await asyncio.gather(
        delivery.deliver(session_maker, settings, mailer, message_id),
        delivery.deliver(session_maker, settings, mailer, message_id),
    )
    assert sorted(outcomes, key=str) == [None, "sent"]
    assert len(smtp.handler.received) == 1


async def test_without_smtp_the_outbox_keeps_every_message(
    database_url: str,
    session_maker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    outbox = tmp_path / "outbox"
    settings = make_settings(database_url, mail_outbox_dir=outbox)  # no smtp_host
    mailer = create_mailer(settings)
    assert isinstance(mailer, OutboxMailer)
    message_id = await queue_one(session_maker)

    assert await delivery.deliver(session_maker, settings, mailer, message_id) == "sent"
    [written] = list(outbox.glob("*.eml"))
    assert not list(outbox.glob(".*"))  # no partial file left behind
    parsed = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    assert parsed["To"] == "ada@example.edu"
    plain = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert plain is not None and LINK in plain.get_content()
    assert html is not None and LINK in html.get_content()
    assert (await row(session_maker, message_id)).status == MailStatus.SENT.value


async def test_the_outbox_failing_to_write_is_temporary(
    database_url: str, session_maker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    settings = make_settings(database_url, mail_outbox_dir=blocked)
    message_id = await queue_one(session_maker)
    outcome = await delivery.deliver(session_maker, settings, create_mailer(settings), message_id)
    assert outcome == "queued"
    waiting = await row(session_maker, message_id)
    assert waiting.last_error is not None
    assert waiting.last_error.startswith("the outbox file could not be written")


async def test_a_claimed_message_is_not_due_until_its_lease_runs_out(
    database_url: str,
    session_maker: async_sessionmaker[AsyncSession],
) -> None:
    message_id = await queue_one(session_maker)
    assert await delivery.due_messages(session_maker) == [message_id]
    async with session_maker.begin() as db:
        # As a worker that claimed it and died: the lease is still running.
        message = await db.get(MailMessage, message_id)
        assert message is not None
        message.next_attempt_at = message.next_attempt_at + delivery.CLAIM_LEASE
    assert await delivery.due_messages(session_maker) == []
    async with session_maker() as db:
        queued = await db.scalars(select(MailMessage.id).where(MailMessage.status == "queued"))
        assert list(queued) == [message_id]


def test_retries_wait_longer_each_time_up_to_an_hour() -> None:
    settings = make_settings("sqlite://", mail_retry_seconds=60)
    waits = [delivery.retry_delay(settings, attempts) for attempts in (1, 2, 3, 10)]
    assert waits == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        delivery.MAX_RETRY_DELAY,
    ]

"""Queueing and delivering mail: a request records the message (:func:`queue_mail`, in the request's
transaction) and, once that has committed, hands its id to the job queue
(:func:`enqueue_mail`); the ``mail.send`` job (:func:`deliver`) sends it. Nothing is ever sent
inside a request.

Delivery is at least once, never twice at the same time: a job *claims* a queued message by
moving its ``next_attempt_at`` a lease ahead (one conditional UPDATE, so of two jobs for one
message only one gets it), then sends, then records the outcome. A temporary failure leaves it
queued for a later attempt, after ``PEERPEAR_MAIL_RETRY_SECONDS`` doubling each time, up to
``PEERPEAR_MAIL_MAX_ATTEMPTS`` attempts; a permanent one (SMTP 5xx) marks it failed at once,
with the reason. The periodic ``mail.send_due`` pass enqueues every queued message whose time
has come: the retries, a message whose enqueue was lost (a server stopped just after the
commit) and one whose worker died mid-send (its lease ran out).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.config import Settings
from peerpear.db import utcnow
from peerpear.jobs.base import JobContext, JobQueue
from peerpear.mail.mailer import (
    Mailer,
    OutgoingMessage,
    PermanentFailure,
    TemporaryFailure,
    create_mailer,
)
from peerpear.mail.rendering import UNSUBSCRIBE_HEADER, render, unsubscribe_headers
from peerpear.models import MailMessage, MailStatus

logger = logging.getLogger("peerpear.mail")

SEND_MAIL = "mail.send"
SEND_DUE = "mail.send_due"
# Longer than any one attempt (the SMTP timeout applies per step of the conversation).
CLAIM_LEASE = timedelta(minutes=10)
MAX_RETRY_DELAY = timedelta(hours=1)
DUE_BATCH = 200  # messages enqueued per pass at most; the next pass takes the rest


def mail_key(message_id: int) -> str:
    return f"mail:{message_id}"


async def queue_mail(
    db: AsyncSession,
    *,
    template: str,
    to: str,
    context: dict[str, Any],
    user_id: int | None = None,
    event_id: int | None = None,
    dedupe_key: str | None = None,
) -> int:
    """Render ``template`` for ``to`` and record it as queued (flushed, in the caller's
    transaction); its id, to :func:`enqueue_mail` once that transaction has committed."""
    message = render(template, to, context)
    row = MailMessage(
        recipient=to,
        template=template,
        subject=message.subject[:300],
        body_text=message.text,
        body_html=message.html,
        status=MailStatus.QUEUED.value,
        attempts=0,
        user_id=user_id,
        event_id=event_id,
        next_attempt_at=utcnow(),
        dedupe_key=dedupe_key,
        unsubscribe_url=message.headers.get(UNSUBSCRIBE_HEADER),
    )
    db.add(row)
    await db.flush()
    return row.id


async def queue_mail_once(
    db: AsyncSession,
    *,
    dedupe_key: str,
    template: str,
    to: str,
    context: dict[str, Any],
    user_id: int | None = None,
    event_id: int | None = None,
) -> int | None:
    """:func:`queue_mail`, unless a message with ``dedupe_key`` was ever queued (None then).
    The unique key is the last word: two transactions racing to queue the same one cannot both
    commit (the loser's transaction fails; a periodic pass simply tries again later)."""
    already = await db.scalar(select(MailMessage.id).where(MailMessage.dedupe_key == dedupe_key))
    if already is not None:
        return None
    return await queue_mail(
        db,
        template=template,
        to=to,
        context=context,
        user_id=user_id,
        event_id=event_id,
        dedupe_key=dedupe_key,
    )


async def enqueue_mail(queue: JobQueue, message_ids: list[int]) -> None:
    """Hand queued messages to the job queue (after the commit that recorded them). Never
    raises: a message that could not be enqueued waits for the periodic pass."""
    for message_id in message_ids:
        try:
            await queue.enqueue(SEND_MAIL, key=mail_key(message_id), message_id=message_id)
        except Exception:
            logger.exception("could not enqueue mail %s; the periodic pass will", message_id)


def retry_delay(settings: Settings, attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: the base, doubled each time."""
    base = timedelta(seconds=settings.mail_retry_seconds)
    factor: int = 2 ** min(attempts - 1, 20)
    return min(MAX_RETRY_DELAY, base * factor)


async def _claim(
    sessions: async_sessionmaker[AsyncSession], message_id: int
) -> OutgoingMessage | None:
    """The message, if it is queued, due and not claimed by another job; claimed for a lease."""
    now = utcnow()
    async with sessions.begin() as db:
        claimed = await db.execute(
            update(MailMessage)
            .where(
                MailMessage.id == message_id,
                MailMessage.status == MailStatus.QUEUED.value,
                MailMessage.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + CLAIM_LEASE, attempts=MailMessage.attempts + 1)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return None
        row = await db.get(MailMessage, message_id)
        assert row is not None
        return OutgoingMessage(
            to=row.recipient,
            subject=row.subject,
            text=row.body_text or "",
            html=row.body_html or "",
            headers=unsubscribe_headers(row.unsubscribe_url),
        )


async def deliver(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, mailer: Mailer, message_id: int
) -> str | None:
    """One attempt at message ``message_id``; its status afterwards (None: not this job's to
    send: already sent or failed, not due yet, or claimed by another job)."""
    message = await _claim(sessions, message_id)
    if message is None:
        return None
    outcome: dict[str, Any]
    try:
        await mailer.send(message)
    except PermanentFailure as exc:
        outcome = _failed(str(exc))
        logger.warning("mail %s to %s refused for good: %s", message_id, message.to, exc)
    except TemporaryFailure as exc:
        outcome = await _temporary(sessions, settings, message_id, str(exc))
    except Exception as exc:  # a bug or an unforeseen error: recorded, tried again (bounded)
        logger.exception("mail %s: unexpected failure", message_id)
        outcome = await _temporary(sessions, settings, message_id, f"unexpected error: {exc}")
    else:
        outcome = {
            "status": MailStatus.SENT.value,
            "sent_at": utcnow(),
            "last_error": None,
            "body_text": None,
            "body_html": None,
            "unsubscribe_url": None,
        }
    async with sessions.begin() as db:
        await db.execute(update(MailMessage).where(MailMessage.id == message_id).values(outcome))
    status: str = outcome["status"]
    return status


def _failed(reason: str) -> dict[str, Any]:
    # The bodies go: a failed message is never sent, and they may hold a live link.
    return {
        "status": MailStatus.FAILED.value,
        "last_error": reason[:500],
        "body_text": None,
        "body_html": None,
        "unsubscribe_url": None,
    }


async def _temporary(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, message_id: int, reason: str
) -> dict[str, Any]:
    async with sessions() as db:
        attempts = await db.scalar(select(MailMessage.attempts).where(MailMessage.id == message_id))
    attempts = attempts or 1
    if attempts >= settings.mail_max_attempts:
        logger.warning("mail %s failed after %d attempts: %s", message_id, attempts, reason)
        return _failed(f"{reason} (gave up after {attempts} attempts)")
    delay = retry_delay(settings, attempts)
    logger.info("mail %s not delivered (%s); trying again in %s", message_id, reason, delay)
    return {
        "status": MailStatus.QUEUED.value,
        "last_error": reason[:500],
        "next_attempt_at": utcnow() + delay,
    }


async def due_messages(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    """Queued messages whose (next) attempt is due, oldest first."""
    async with sessions() as db:
        rows = await db.scalars(
            select(MailMessage.id)
            .where(
                MailMessage.status == MailStatus.QUEUED.value,
                MailMessage.next_attempt_at <= utcnow(),
            )
            .order_by(MailMessage.next_attempt_at, MailMessage.id)
            .limit(DUE_BATCH)
        )
        return list(rows)


async def send_mail(ctx: JobContext, message_id: int) -> str | None:
    """The ``mail.send`` job: one attempt at the message (see :func:`deliver`)."""
    return await deliver(ctx.sessions, ctx.settings, create_mailer(ctx.settings), message_id)


async def send_due_mail(ctx: JobContext) -> list[int]:
    """The periodic ``mail.send_due`` pass: every due queued message enqueued; their ids."""
    due = await due_messages(ctx.sessions)
    await enqueue_mail(ctx.queue, due)
    return due

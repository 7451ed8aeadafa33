"""The record of an event's email, for its admins (thin: authorize, call a service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from peerpear.deps import PageDep, SessionDep
from peerpear.events.deps import AdminEvent
from peerpear.mail import listing
from peerpear.mail.schemas import MailMessagePage
from peerpear.models import MailStatus
from peerpear.openapi import errors

router = APIRouter(tags=["mail"])


@router.get("/events/{event_id:int}/mail", responses=errors(403))
async def list_mail(
    access: AdminEvent,
    db: SessionDep,
    page: PageDep,
    status: Annotated[MailStatus | None, Query(description="Only this status.")] = None,
) -> MailMessagePage:
    """The email sent for the event, newest first (admins): recipient, which message,
    subject, status (queued, sent, failed) with the attempts made and the last error, and when
    it was queued and sent. A failed message is not tried again."""
    return await listing.list_messages(db, access.event.id, page, status=status)

"""Reading an event's mail records (admins): newest first, optionally one status."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.mail.schemas import MailMessageOut, MailMessagePage
from peerpear.models import MailMessage, MailStatus
from peerpear.pagination import paginate
from peerpear.schemas_common import Pagination


def _to_out(row: tuple[MailMessage]) -> MailMessageOut:
    message = row[0]
    out = MailMessageOut.model_validate(message, from_attributes=True)
    if message.status != MailStatus.QUEUED.value:
        out.next_attempt_at = None  # only a queued message has a next attempt
    return out


async def list_messages(
    db: AsyncSession, event_id: int, page: Pagination, *, status: MailStatus | None = None
) -> MailMessagePage:
    where: list[ColumnElement[bool]] = [MailMessage.event_id == event_id]
    if status is not None:
        where.append(MailMessage.status == status.value)
    listed = await paginate(
        db,
        select(MailMessage).where(*where),
        page,
        order_by=(MailMessage.id.desc(),),
        to_item=_to_out,
    )
    return MailMessagePage(**listed.model_dump(exclude={"items"}), items=listed.items)

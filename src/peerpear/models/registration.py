"""``registrations``: a user taking part in an event."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerpear.db import Base, TimestampMixin
from peerpear.models.enums import RegistrationRole, SummaryStatus, enum_type

if TYPE_CHECKING:
    from peerpear.models.answer import Answer
    from peerpear.models.event import Event
    from peerpear.models.user import User


class Registration(TimestampMixin, Base):
    """One per (event, user): the unique constraint also serves the event's registration list;
    user_id has its own index for "my registrations".

    ``is_complete`` is computed by the server whenever answers or questions change, never set by
    a client. ``role`` is NULL for events without a role scheme. ``summary`` is the background
    LLM summary; ``summary_status`` says whether it is pending, ready or failed (NULL: never
    requested). Withdrawing deletes the row, which cascades to answers and group memberships.
    """

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[RegistrationRole | None] = mapped_column(enum_type(RegistrationRole, "role"))
    is_complete: Mapped[bool] = mapped_column(default=False, server_default=false())
    summary: Mapped[str | None] = mapped_column(Text)
    summary_status: Mapped[SummaryStatus | None] = mapped_column(
        enum_type(SummaryStatus, "summary_status")
    )
    # Recurring rounds (issue 12): paused students are left out of every round until they
    # resume; ``skipped_rounds`` lists the round numbers the student opted out of.
    paused_at: Mapped[datetime | None]
    skipped_rounds: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")

    event: Mapped[Event] = relationship(back_populates="registrations", lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="registration",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

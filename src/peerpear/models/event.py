"""``events``: a pairing program run by an organization."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerpear.db import Base, TimestampMixin
from peerpear.models.enums import EventStatus, EventVisibility, RoleScheme, enum_type

if TYPE_CHECKING:
    from peerpear.models.organization import Organization
    from peerpear.models.question import Question
    from peerpear.models.registration import Registration


class Event(TimestampMixin, Base):
    """An event and its lifecycle (draft -> open -> closed -> published, and archived).

    ``status`` is only ever changed by the lifecycle service, which stamps the matching
    ``opened_at`` / ``closed_at`` / ``published_at``. (organization_id, status) serves an
    organization's event list filtered by status; status alone serves "events open to me".
    Deleting an organization deletes its events; deleting the creator keeps the event.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_organization_id_status", "organization_id", "status"),
        CheckConstraint("default_group_size >= 2", name="group_size_at_least_two"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[EventStatus] = mapped_column(
        enum_type(EventStatus, "status"), default=EventStatus.DRAFT, index=True
    )
    registration_deadline: Mapped[datetime | None]
    # Public by default: students are usually not members (memberships are owners and admins).
    visibility: Mapped[EventVisibility] = mapped_column(
        enum_type(EventVisibility, "visibility"), default=EventVisibility.PUBLIC
    )
    role_scheme: Mapped[RoleScheme] = mapped_column(
        enum_type(RoleScheme, "role_scheme"), default=RoleScheme.NONE
    )
    default_group_size: Mapped[int] = mapped_column(default=2)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    # The stored image's media key (peerpear.media), None without an image. A new key per
    # upload, so a replaced image never reuses the URL (and cache entries) of the old one.
    image_key: Mapped[str | None] = mapped_column(String(200))
    # Recurring rounds (issue 12): peerpear.rounds.recurrence.Recurrence as JSON; NULL: a
    # one-off event.
    recurrence: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))

    organization: Mapped[Organization] = relationship(back_populates="events", lazy="raise")
    questions: Mapped[list[Question]] = relationship(
        back_populates="event",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Question.position",
    )
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="event",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

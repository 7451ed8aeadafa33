"""``organizations``: the student organizations that run pairing events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerpear.db import Base, TimestampMixin

if TYPE_CHECKING:
    from peerpear.models.event import Event
    from peerpear.models.membership import Membership


class Organization(TimestampMixin, Base):
    """An organization. ``name`` and ``slug`` are each unique; the slug is the URL-friendly form
    the service derives from the name."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="organization",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

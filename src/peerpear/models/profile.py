"""``profiles``: the optional matching signals a user keeps about themself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerpear.db import Base, TimestampMixin

if TYPE_CHECKING:
    from peerpear.models.user import User


class Profile(TimestampMixin, Base):
    """1:1 with a user, so the user id is the primary key (no second key to keep unique).

    ``hobbies`` is a JSON list of strings: it is read and written whole and never queried by
    element, so a child table would only add joins.
    """

    __tablename__ = "profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    class_year: Mapped[int | None]
    major: Mapped[str | None] = mapped_column(String(200))
    hobbies: Mapped[list[str]] = mapped_column(JSON, default=list)
    bio: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(back_populates="profile", lazy="raise")

"""``answers``: a registration's answer to one question."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerpear.db import Base, TimestampMixin

if TYPE_CHECKING:
    from peerpear.models.question import Question
    from peerpear.models.registration import Registration


class Answer(TimestampMixin, Base):
    """One per (registration, question).

    ``value`` is JSON because its shape follows the question type (a string, a list of strings,
    a number); the service validates it against the question before writing. question_id is
    indexed for per-question analytics and for the cascade when a question is deleted.
    """

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("registration_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[Any] = mapped_column(JSON)

    registration: Mapped[Registration] = relationship(back_populates="answers", lazy="raise")
    question: Mapped[Question] = relationship(lazy="raise")

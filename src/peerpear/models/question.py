"""``questions``: an event's questionnaire, with the matching settings of each question."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerpear.db import Base, TimestampMixin
from peerpear.models.enums import QuestionMode, QuestionType, enum_type

if TYPE_CHECKING:
    from peerpear.models.event import Event


class Question(TimestampMixin, Base):
    """One question.

    ``position`` orders the questionnaire; the (event_id, position) index is deliberately not
    unique, so a reorder rewrites positions without tripping over transient duplicates.
    ``options`` (a JSON list of strings) is set for choice questions, ``scale_min``/``scale_max``
    for scales; which fields a type needs is validated by the service, the CHECKs only guard
    what is nonsense for every type. ``weight`` 0 means the question is ignored for matching.
    """

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_event_id_position", "event_id", "position"),
        CheckConstraint("weight >= 0", name="weight_non_negative"),
        CheckConstraint(
            "scale_min IS NULL OR scale_max IS NULL OR scale_min < scale_max",
            name="scale_bounds_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    prompt: Mapped[str] = mapped_column(Text)
    help_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    type: Mapped[QuestionType] = mapped_column(enum_type(QuestionType, "type"))
    options: Mapped[list[Any] | None] = mapped_column(JSON)
    scale_min: Mapped[int | None]
    scale_max: Mapped[int | None]
    required: Mapped[bool] = mapped_column(default=True, server_default=true())
    weight: Mapped[float] = mapped_column(default=1.0)
    mode: Mapped[QuestionMode] = mapped_column(
        enum_type(QuestionMode, "mode"), default=QuestionMode.SIMILAR
    )

    event: Mapped[Event] = relationship(back_populates="questions", lazy="raise")

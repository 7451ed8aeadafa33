"""``login_attempts``: failed sign-in counters shared by every API process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from peerpear.db import Base, utcnow


class LoginAttempt(Base):
    """Failures for one throttling key within the current window.

    ``key`` names what is throttled ("email:alice@x.edu", "ip:203.0.113.9"); it is unique so
    concurrent processes update one row (INSERT ... ON CONFLICT, or a retry on IntegrityError)
    instead of keeping per-process counters a load balancer would defeat. The row is deleted on a
    successful sign-in or when the window has passed.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]

"""``login_attempts``: sign-in and sign-up throttling counters shared by every API process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from peerpear.db import Base, utcnow


class LoginAttempt(Base):
    """Attempts counted for one throttling key (see :mod:`peerpear.auth.throttle`).

    ``key`` names what is throttled ("email+ip:alice@x.edu|203.0.113.9",
    "email+site:alice@x.edu|203.0.113.0/24", "email:alice@x.edu", "ip:2001:db8::/64",
    "signup-ip:203.0.113.9"); it is unique so concurrent processes update one
    row (INSERT ... ON CONFLICT) instead of keeping per-process counters a load balancer would
    defeat. ``failures`` counts the attempts since ``first_failure_at`` that were not taken back
    by a successful sign-in (every sign-up counts); ``locked_until`` is when the key may try
    again. Counters no rule would still use are deleted by later attempts, found through the
    index on ``last_failure_at``.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    locked_until: Mapped[datetime | None]

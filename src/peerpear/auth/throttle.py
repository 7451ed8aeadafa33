"""Sign-in throttling, shared by every API process through the ``login_attempts`` table.

Attempts are counted per key ("email:<address>" and "ip:<address>") within a window of
``login_lockout_seconds``, before the password is checked; a successful sign-in takes its attempt
back, so what remains are failures. Reaching ``login_max_failures`` (per account) or
``login_max_failures_per_address`` (per client address, higher: many people share one address
behind a NAT) locks the key for ``login_lockout_seconds``. The count is committed on its own
before the password is checked: the request's transaction is rolled back when the sign-in
answers 401, and the count must survive that.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.config import Settings
from peerpear.db import upsert_insert, utcnow
from peerpear.errors import TooManyRequests
from peerpear.models import LoginAttempt

logger = logging.getLogger("peerpear.auth.throttle")


def email_key(normalized_email: str) -> str:
    return f"email:{normalized_email}"


def address_key(request: Request) -> str:
    return f"ip:{request.client.host if request.client else 'unknown'}"


async def ensure_not_locked(db: AsyncSession, keys: list[str]) -> None:
    """429 with ``Retry-After`` when any of ``keys`` is locked out right now."""
    now = utcnow()
    rows = (
        await db.scalars(
            select(LoginAttempt).where(LoginAttempt.key.in_(keys), LoginAttempt.locked_until > now)
        )
    ).all()
    if not rows:
        return
    until = max(row.locked_until for row in rows if row.locked_until is not None)
    raise _too_many(until, now)


def _too_many(until: datetime, now: datetime) -> TooManyRequests:
    retry_after = max(1, math.ceil((until - now).total_seconds()))
    return TooManyRequests(
        f"too many failed sign-ins; try again in {retry_after} seconds",
        details={"retry_after": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


async def _count_one(
    db: AsyncSession, key: str, limit: int, settings: Settings, now: datetime
) -> tuple[int, datetime | None]:
    """Add one attempt to ``key``'s counter; its new count and lockout end."""
    # An atomic upsert, so concurrent attempts from many processes all count, each seeing its
    # own count.
    stmt = (
        upsert_insert(db, LoginAttempt)
        .values(key=key, failures=1, first_failure_at=now, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[LoginAttempt.key],
            set_={"failures": LoginAttempt.failures + 1, "last_failure_at": now},
        )
        .returning(
            LoginAttempt.id,
            LoginAttempt.failures,
            LoginAttempt.first_failure_at,
            LoginAttempt.locked_until,
        )
    )
    row_id, failures, first_failure_at, locked_until = (await db.execute(stmt)).one()._tuple()
    window = timedelta(seconds=settings.login_lockout_seconds)
    values: dict[str, object] = {}
    if first_failure_at <= now - window and (locked_until is None or locked_until <= now):
        # The previous window (and any lockout in it) is over: this attempt starts a new one.
        values = {"failures": 1, "first_failure_at": now, "locked_until": None}
        failures, locked_until = 1, None
    if failures >= limit and (locked_until is None or locked_until <= now):
        locked_until = now + window
        values["locked_until"] = locked_until
        logger.warning("sign-in locked for %s after %d failures", key, failures)
    if values:
        await db.execute(update(LoginAttempt).where(LoginAttempt.id == row_id).values(**values))
    return failures, locked_until


async def count_attempt(db: AsyncSession, limits: dict[str, int], settings: Settings) -> None:
    """Count one sign-in attempt against each key *before* the password is checked, and commit.

    Counting first (the upsert hands back each request's own count) means concurrent requests
    cannot all slip in under the limit: once a key is over ``limits[key]`` the attempt answers
    429 without the password being checked. A successful sign-in takes its attempt back
    (:func:`forgive`). The count is committed here, on the request's own session, so it survives
    the rollback of a failed sign-in and the request never holds a second connection.
    """
    now = utcnow()
    stale = now - timedelta(seconds=2 * settings.login_lockout_seconds)
    over: list[datetime] = []
    try:
        for key, limit in limits.items():
            failures, locked_until = await _count_one(db, key, limit, settings, now)
            if failures > limit and locked_until is not None:
                over.append(locked_until)
        # Housekeeping: counters whose window and lockout are long over count for nothing.
        await db.execute(
            delete(LoginAttempt).where(
                LoginAttempt.last_failure_at < stale,
                (LoginAttempt.locked_until.is_(None)) | (LoginAttempt.locked_until < now),
            )
        )
        await db.commit()
    except BaseException:
        await db.rollback()
        raise
    if over:
        raise _too_many(max(over), now)


async def clear(db: AsyncSession, key: str) -> None:
    """Forget the failures of ``key`` (after a successful sign-in)."""
    await db.execute(delete(LoginAttempt).where(LoginAttempt.key == key))


async def forgive(db: AsyncSession, key: str, limit: int) -> None:
    """Take back one attempt counted against ``key`` (it was a successful sign-in)."""
    await db.execute(
        update(LoginAttempt)
        .where(LoginAttempt.key == key, LoginAttempt.failures > 0)
        .values(failures=LoginAttempt.failures - 1)
    )
    # Unlock only if this success was what reached the limit.
    await db.execute(
        update(LoginAttempt)
        .where(LoginAttempt.key == key, LoginAttempt.failures < limit)
        .values(locked_until=None)
    )

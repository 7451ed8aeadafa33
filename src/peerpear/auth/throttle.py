"""Sign-in throttling, shared by every API process through the ``login_attempts`` table.

Failures are counted per key ("email:<address>" and "ip:<address>") within a window of
``login_lockout_seconds``; reaching ``login_max_failures`` locks the key for
``login_lockout_seconds``. Failures are recorded in their own short transaction: the request's
transaction is rolled back when the sign-in answers 401, and the count must survive that.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.config import Settings
from peerpear.db import utcnow
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
    retry_after = max(1, math.ceil((until - now).total_seconds()))
    raise TooManyRequests(
        f"too many failed sign-ins; try again in {retry_after} seconds",
        details={"retry_after": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


async def _record_one(db: AsyncSession, key: str, settings: Settings, now: datetime) -> None:
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    # An atomic upsert, so concurrent failures from many processes all count.
    stmt = (
        insert(LoginAttempt)
        .values(key=key, failures=1, first_failure_at=now, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[LoginAttempt.key],
            set_={"failures": LoginAttempt.failures + 1, "last_failure_at": now},
        )
        .returning(LoginAttempt.id, LoginAttempt.failures, LoginAttempt.first_failure_at)
    )
    row_id, failures, first_failure_at = (await db.execute(stmt)).one()._tuple()
    window = timedelta(seconds=settings.login_lockout_seconds)
    if first_failure_at <= now - window:
        # The previous window (and any lockout in it) is over: this failure starts a new one.
        values: dict[str, object] = {"failures": 1, "first_failure_at": now, "locked_until": None}
        failures = 1
    else:
        values = {}
    if failures >= settings.login_max_failures:
        values["locked_until"] = now + window
        logger.warning("sign-in locked for %s after %d failures", key, failures)
    if values:
        await db.execute(update(LoginAttempt).where(LoginAttempt.id == row_id).values(**values))


async def record_failure(
    maker: async_sessionmaker[AsyncSession], keys: list[str], settings: Settings
) -> None:
    """Count one failed sign-in against each key, in a transaction of its own."""
    now = utcnow()
    stale = now - timedelta(seconds=2 * settings.login_lockout_seconds)
    async with maker() as db, db.begin():
        for key in keys:
            await _record_one(db, key, settings, now)
        # Housekeeping: counters whose window and lockout are long over count for nothing.
        await db.execute(
            delete(LoginAttempt).where(
                LoginAttempt.last_failure_at < stale,
                (LoginAttempt.locked_until.is_(None)) | (LoginAttempt.locked_until < now),
            )
        )


async def clear(db: AsyncSession, key: str) -> None:
    """Forget the failures of ``key`` (after a successful sign-in)."""
    await db.execute(delete(LoginAttempt).where(LoginAttempt.key == key))

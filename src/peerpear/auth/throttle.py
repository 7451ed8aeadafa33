"""Throttling of sign-in and sign-up, shared by every API process through ``login_attempts``.

Each key is counted under one rule:

- :class:`Backoff`, for one account from one client address: the first ``free`` failures cost
  nothing, then each further attempt must wait twice as long as the one before (1 s, 2 s, 4 s,
  ... up to ``max_delay``). A guesser slows down only themself: the owner signing in from
  another address is not held up. The count is forgotten after a successful sign-in, or after
  :data:`BACKOFF_MEMORY` without a failure.
- :class:`Ceiling`, for an account across every address (high: it is there against guessing
  spread over many addresses, and it locks the owner out too), for a client address across
  every account, and for sign-ups from one address: ``limit`` attempts within ``window`` (from
  the first), and reaching it locks the key for ``window``.

Attempts are counted *before* the password is checked, by :func:`count_attempt`, which runs in
a short transaction of its own and commits at once: concurrent guesses cannot all slip in
under a limit, and the count survives the rollback of the sign-in request that then fails. A
successful sign-in takes its attempt back (:func:`forgive`) inside the request's transaction.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.config import Settings
from peerpear.db import upsert_insert, utcnow
from peerpear.errors import TooManyRequests
from peerpear.models import LoginAttempt

logger = logging.getLogger("peerpear.auth.throttle")

FIRST_DELAY = timedelta(seconds=1)
# How long a (account, address) pair's failures are remembered after the last one (or after its
# delay ends): long enough that waiting out a delay does not buy a fresh set of free attempts.
BACKOFF_MEMORY = timedelta(hours=1)
# Client addresses come from the socket or a trusted proxy's X-Forwarded-For: bounded so a key
# always fits the column (a 320-character email, an address, a prefix < 400).
MAX_ADDRESS_LENGTH = 64
# Housekeeping deletes at most this many dead counters per attempt.
PURGE_BATCH = 500


@dataclass(frozen=True)
class State:
    """A counter as stored: failures since ``first``, the latest at ``last``, blocked until."""

    failures: int
    first: datetime
    last: datetime
    locked_until: datetime | None

    def blocked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


@dataclass(frozen=True)
class Ceiling:
    """At most ``limit`` attempts per ``window``; reaching it locks the key for ``window``."""

    key: str
    limit: int
    window: timedelta

    def current(self, state: State, now: datetime) -> State:
        """``state``, or a fresh count once its window (and any lockout) is over."""
        if state.first + self.window <= now and not state.blocked_at(now):
            return State(0, now, now, None)
        return state

    def counted(self, state: State, now: datetime) -> State:
        failures = state.failures + 1
        locked_until = now + self.window if failures >= self.limit else None
        if locked_until is not None:
            logger.warning("%s locked for %s after %d attempts", self.key, self.window, failures)
        return State(failures, state.first, now, locked_until)


@dataclass(frozen=True)
class Backoff:
    """``free`` attempts, then each further attempt waits a doubling delay, up to ``max_delay``."""

    key: str
    free: int
    max_delay: timedelta

    def current(self, state: State, now: datetime) -> State:
        quiet_since = max(state.last, state.locked_until or state.last)
        if quiet_since + BACKOFF_MEMORY <= now:
            return State(0, now, now, None)
        return state

    def counted(self, state: State, now: datetime) -> State:
        failures = state.failures + 1
        if failures < self.free:
            return State(failures, state.first, now, None)
        # The exponent is bounded so the product cannot overflow a timedelta.
        delay = min(self.max_delay, FIRST_DELAY * 2 ** min(failures - self.free, 40))
        return State(failures, state.first, now, now + delay)


Rule = Ceiling | Backoff


def login_rules(settings: Settings, email: str, address: str) -> list[Rule]:
    """The throttles of a password sign-in for ``email`` (normalized) from ``address``.

    Always in this order (pair, account, address), so two concurrent attempts lock their
    shared rows in the same order and cannot deadlock.
    """
    return [
        Backoff(
            f"email+ip:{email}|{address}",
            free=settings.login_failures_before_delay,
            max_delay=timedelta(seconds=settings.login_max_delay_seconds),
        ),
        Ceiling(
            f"email:{email}",
            limit=settings.login_max_failures_per_account,
            window=timedelta(seconds=settings.login_lockout_seconds),
        ),
        Ceiling(
            f"ip:{address}",
            limit=settings.login_max_failures_per_address,
            window=timedelta(seconds=settings.login_lockout_seconds),
        ),
    ]


def signup_rules(settings: Settings, address: str) -> list[Rule]:
    return [
        Ceiling(
            f"signup-ip:{address}",
            limit=settings.signup_max_per_address,
            window=timedelta(seconds=settings.signup_window_seconds),
        )
    ]


def _too_many(until: datetime, now: datetime, what: str) -> TooManyRequests:
    retry_after = max(1, math.ceil((until - now).total_seconds()))
    return TooManyRequests(
        f"too many {what}; try again in {retry_after} seconds",
        details={"retry_after": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


async def _lock_row(db: AsyncSession, key: str, now: datetime) -> tuple[int, State]:
    """``key``'s counter (created empty if missing), row-locked until the transaction ends.

    An upsert whose update changes nothing: one atomic statement that takes the row lock on
    PostgreSQL (SQLite's write lock covers the whole database), so concurrent attempts from any
    process see and update the counter one at a time.
    """
    stmt = (
        upsert_insert(db, LoginAttempt)
        .values(key=key, failures=0, first_failure_at=now, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[LoginAttempt.key], set_={"failures": LoginAttempt.failures}
        )
        .returning(
            LoginAttempt.id,
            LoginAttempt.failures,
            LoginAttempt.first_failure_at,
            LoginAttempt.last_failure_at,
            LoginAttempt.locked_until,
        )
    )
    row_id, failures, first, last, locked_until = (await db.execute(stmt)).one()._tuple()
    return row_id, State(failures, first, last, locked_until)


async def count_attempt(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    rules: Sequence[Rule],
    *,
    what: str,
) -> None:
    """Count one attempt against every rule, in a transaction of its own, committed at once.

    429 with ``Retry-After`` (nothing counted) when any key is blocked right now. Call it before
    the request's own session has touched the database, so the request never holds two
    connections at once (a burst of failures would otherwise exhaust the pool).
    """
    now = utcnow()
    async with sessions() as db, db.begin():
        rows = [(rule, *await _lock_row(db, rule.key, now)) for rule in rules]
        current = [(rule, row_id, rule.current(state, now)) for rule, row_id, state in rows]
        blocked = [s.locked_until for _, _, s in current if s.locked_until and s.blocked_at(now)]
        if blocked:
            raise _too_many(max(blocked), now, what)  # rolls back the empty rows just made
        for rule, row_id, state in current:
            new = rule.counted(state, now)
            await db.execute(
                update(LoginAttempt)
                .where(LoginAttempt.id == row_id)
                .values(
                    failures=new.failures,
                    first_failure_at=new.first,
                    last_failure_at=new.last,
                    locked_until=new.locked_until,
                )
            )
        await _purge(db, settings, now)


async def _purge(db: AsyncSession, settings: Settings, now: datetime) -> None:
    """Delete counters every rule would start afresh anyway.

    Rows another transaction holds are skipped (FOR UPDATE SKIP LOCKED on PostgreSQL), so this
    never waits for a lock while holding this attempt's own, and cannot deadlock.
    """
    horizon = max(
        timedelta(seconds=settings.login_lockout_seconds),
        timedelta(seconds=settings.signup_window_seconds),
        BACKOFF_MEMORY,
    )
    cutoff = now - horizon
    dead = (
        select(LoginAttempt.id)
        .where(
            LoginAttempt.last_failure_at < cutoff,
            LoginAttempt.locked_until.is_(None) | (LoginAttempt.locked_until < cutoff),
        )
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    await db.execute(delete(LoginAttempt).where(LoginAttempt.id.in_(dead.scalar_subquery())))


async def forgive(db: AsyncSession, rules: Sequence[Rule]) -> None:
    """Take back the attempt :func:`count_attempt` counted: it was a successful sign-in.

    The (account, address) pair has proved it knows the password and is forgotten; a ceiling
    gives back one attempt and unlocks if this one was what reached it. Runs in the caller's
    transaction, so it commits with the sign-in.
    """
    for rule in rules:
        if isinstance(rule, Backoff):
            await db.execute(delete(LoginAttempt).where(LoginAttempt.key == rule.key))
            continue
        await db.execute(
            update(LoginAttempt)
            .where(LoginAttempt.key == rule.key, LoginAttempt.failures > 0)
            .values(failures=LoginAttempt.failures - 1)
        )
        await db.execute(
            update(LoginAttempt)
            .where(LoginAttempt.key == rule.key, LoginAttempt.failures < rule.limit)
            .values(locked_until=None)
        )

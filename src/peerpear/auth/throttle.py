"""Throttling of sign-in and sign-up, shared by every API process through ``login_attempts``.

A client is counted by its host and site networks (:mod:`peerpear.auth.client_networks`: an
IPv4 address or IPv6 /64, and an IPv4 /24 or IPv6 /48), never by an exact IPv6 address, which
anyone can change at will within their /64. A password sign-in is counted under four keys:

- :class:`Backoff`, for one account from one host: the first ``free`` failures cost nothing,
  then each further attempt must wait twice as long as the one before (1 s, 2 s, 4 s, ... up to
  ``max_delay``). A guesser slows down only themself: the owner signing in from another host
  is not held up. The count is forgotten after a successful sign-in, or after
  :data:`BACKOFF_MEMORY` without a failure.
- :class:`Ceiling` rules: ``limit`` attempts within ``window`` (from the first), and reaching
  it blocks the key for ``window``.

  - one account from one site: a site full of hosts (a /48 holds 65,536 /64s) gets no more
    tries at that account than this, and blocking it stops only that site, for that account.
  - one account across sites, counting each *site* once per window (``once_per``), not each
    failure: it is the one rule that also shuts the owner out, so reaching it takes failures
    from that many different sites (a botnet, not one person with an IPv6 block).
  - one host across every account (against one machine trying many accounts).

Sign-ups are counted per host; joins with an invite code per account and per host. Attempts are
counted *before* the password (or code) is checked, by :func:`count_attempt`, in a short
transaction the caller commits at once: concurrent guesses cannot all slip in under a limit, and
the count survives the rollback of the sign-in request that then fails. A successful sign-in
takes its attempt back (:func:`forgive`) inside the request's transaction.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.client_networks import client_networks
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
    """At most ``limit`` attempts per ``window``; reaching it locks the key for ``window``.

    With ``once_per`` (another rule's key, counted in the same attempt) an attempt counts here
    only when it is the first of that other key's current count: so it counts distinct sites,
    not failures.
    """

    key: str
    limit: int
    window: timedelta
    once_per: str | None = None

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

    Always in this order (host pair, site pair, account, host), so two concurrent attempts
    lock their shared rows in the same order and cannot deadlock.
    """
    networks = client_networks(address)
    window = timedelta(seconds=settings.login_lockout_seconds)
    site_key = f"email+site:{email}|{networks.site}"
    return [
        Backoff(
            f"email+ip:{email}|{networks.host}",
            free=settings.login_failures_before_delay,
            max_delay=timedelta(seconds=settings.login_max_delay_seconds),
        ),
        Ceiling(site_key, limit=settings.login_max_failures_per_network, window=window),
        Ceiling(
            f"email:{email}",
            limit=settings.login_max_networks_per_account,
            window=window,
            once_per=site_key,
        ),
        Ceiling(
            f"ip:{networks.host}", limit=settings.login_max_failures_per_address, window=window
        ),
    ]


def signup_rules(settings: Settings, address: str) -> list[Rule]:
    return [
        Ceiling(
            f"signup-ip:{client_networks(address).host}",
            limit=settings.signup_max_per_address,
            window=timedelta(seconds=settings.signup_window_seconds),
        )
    ]


def invite_join_rules(settings: Settings, user_id: int, address: str) -> list[Rule]:
    """The throttles of joining with an invite code: per account, then per client host (this
    order everywhere, so concurrent attempts lock their rows alike and cannot deadlock)."""
    window = timedelta(seconds=settings.invite_join_window_seconds)
    return [
        Ceiling(
            f"join-user:{user_id}",
            limit=settings.invite_join_max_failures_per_account,
            window=window,
        ),
        Ceiling(
            f"join-ip:{client_networks(address).host}",
            limit=settings.invite_join_max_failures_per_address,
            window=window,
        ),
    ]


def _too_many(until: datetime, now: datetime, what: str) -> TooManyRequests:
    retry_after = max(1, math.ceil((until - now).total_seconds()))
    return TooManyRequests(
        f"too many {what}; try again in {retry_after} seconds",
        details={"retry_after": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


async def _lock_rows(
    db: AsyncSession, keys: Sequence[str], now: datetime
) -> dict[str, tuple[int, State]]:
    """Each key's counter (created empty if missing), row-locked until the transaction ends.

    One upsert of all the rows whose update changes nothing: one atomic statement that takes
    the row locks on PostgreSQL, in the order given (SQLite's write lock covers the whole
    database), so concurrent attempts from any process see and update each counter one at a
    time. One statement, not one per key: on SQLite every other writer waits while this
    transaction lasts, so it makes as few round trips as it can.
    """
    stmt = (
        upsert_insert(db, LoginAttempt)
        .values([dict(key=k, failures=0, first_failure_at=now, last_failure_at=now) for k in keys])
        .on_conflict_do_update(
            index_elements=[LoginAttempt.key], set_={"failures": LoginAttempt.failures}
        )
        .returning(
            LoginAttempt.key,
            LoginAttempt.id,
            LoginAttempt.failures,
            LoginAttempt.first_failure_at,
            LoginAttempt.last_failure_at,
            LoginAttempt.locked_until,
        )
    )
    rows = (await db.execute(stmt)).all()
    return {key: (row_id, State(*state)) for key, row_id, *state in rows}


async def count_attempt(
    db: AsyncSession, settings: Settings, rules: Sequence[Rule], *, what: str
) -> list[Rule]:
    """Count one attempt against ``rules``; the rules it was counted under (for :func:`forgive`).

    429 with ``Retry-After`` (nothing counted) when any key is blocked right now. ``db`` is a
    short transaction of the caller's, which must commit before the password is checked (so the
    count stands whatever becomes of the sign-in) and must not be the request's own session
    (which a failed sign-in rolls back).
    """
    now = utcnow()
    rows = await _lock_rows(db, [rule.key for rule in rules], now)
    current = [(rule, rows[rule.key][0], rule.current(rows[rule.key][1], now)) for rule in rules]
    blocked = [s.locked_until for _, _, s in current if s.locked_until and s.blocked_at(now)]
    if blocked:
        raise _too_many(max(blocked), now, what)  # the caller rolls back the empty rows made
    first_of = {rule.key for rule, _, state in current if state.failures == 0}
    updates: list[dict[str, Any]] = []
    counted: list[Rule] = []
    for rule, row_id, state in current:
        if isinstance(rule, Ceiling) and rule.once_per and rule.once_per not in first_of:
            continue
        new = rule.counted(state, now)
        updates.append(
            {
                "id": row_id,
                "failures": new.failures,
                "first_failure_at": new.first,
                "last_failure_at": new.last,
                "locked_until": new.locked_until,
            }
        )
        counted.append(rule)
    if updates:
        await db.execute(update(LoginAttempt), updates)  # one executemany, by primary key
    await _purge(db, settings, now)
    return counted


async def raise_if_blocked(db: AsyncSession, rules: Sequence[Rule], *, what: str) -> None:
    """429 with ``Retry-After`` when any of ``rules``' keys is blocked right now; counts nothing.

    For throttles that count only failures (invite codes): check this first, then
    :func:`count_attempt` once the attempt has failed. Concurrent attempts can each pass the
    check before any is counted, so the limit can be passed by as many as arrive at once.
    """
    now = utcnow()
    until = await db.scalar(
        select(func.max(LoginAttempt.locked_until)).where(
            LoginAttempt.key.in_([rule.key for rule in rules]), LoginAttempt.locked_until > now
        )
    )
    if until is not None:
        raise _too_many(until, now, what)


async def _purge(db: AsyncSession, settings: Settings, now: datetime) -> None:
    """Delete counters every rule would start afresh anyway.

    Rows another transaction holds are skipped (FOR UPDATE SKIP LOCKED on PostgreSQL), so this
    never waits for a lock while holding this attempt's own, and cannot deadlock.
    """
    horizon = max(
        timedelta(seconds=settings.login_lockout_seconds),
        timedelta(seconds=settings.signup_window_seconds),
        timedelta(seconds=settings.invite_join_window_seconds),
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


async def forgive(db: AsyncSession, counted: Sequence[Rule]) -> None:
    """Take back the attempt :func:`count_attempt` counted (under ``counted``, the rules it
    returned): it was a successful sign-in.

    The (account, host) pair has proved it knows the password and is forgotten; a ceiling gives
    back one attempt and unlocks if this one was what reached it. Runs in the caller's
    transaction, so it commits with the sign-in.
    """
    for rule in counted:
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

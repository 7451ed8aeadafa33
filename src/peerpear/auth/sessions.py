"""Server-side sessions behind the cookie and the bearer token.

A token is 32 random bytes (URL-safe base64); only its SHA-256 hex digest is stored, so a leaked
``auth_sessions`` table holds no usable credential. The same token is both the cookie value and
the bearer token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import manager_of_class

from peerpear.db import utcnow
from peerpear.models import AuthSession, User
from peerpear.raw_reads import RawReader

DEFAULT_TTL_HOURS = 24 * 14


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def create_session(
    db: AsyncSession, user: User, *, ttl_hours: int = DEFAULT_TTL_HOURS
) -> tuple[str, AuthSession]:
    """Store a new session for ``user``; return the raw token and the row."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    # Housekeeping: the user's ended sessions are of no further use.
    await db.execute(
        delete(AuthSession).where(AuthSession.user_id == user.id, AuthSession.expires_at <= now)
    )
    row = AuthSession(
        user_id=user.id,
        token_hash=hash_token(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=ttl_hours),
    )
    db.add(row)
    await db.flush()
    return token, row


async def issue_session(db: AsyncSession, user: User, *, ttl_hours: int = DEFAULT_TTL_HOURS) -> str:
    """Start a session for ``user`` and return its raw token (the caller commits)."""
    token, _ = await create_session(db, user, ttl_hours=ttl_hours)
    return token


_USERS = User.__table__
_USER_MANAGER = manager_of_class(User)
_SESSIONS = AuthSession.__table__

# Built once at import: constructing a select() costs more than running the cached statement.
# Validity is decided by the database in the same statement, on every request (nothing about a
# session is cached), so a revoked or expired session fails on the very next request. It reads
# plain columns (Core), not ORM entities: loading through the ORM costs more than the query.
_LIVE_SESSION_USER = (
    select(_USERS)
    .join_from(_USERS, _SESSIONS, _SESSIONS.c.user_id == _USERS.c.id)
    .where(
        _SESSIONS.c.token_hash == bindparam("token_hash"),
        _SESSIONS.c.revoked_at.is_(None),
        _SESSIONS.c.expires_at > bindparam("now"),
        _USERS.c.is_active.is_(True),
    )
)


class SessionLookup:
    """Finds the active user of a live session: one prebuilt statement on the raw reader
    (:mod:`peerpear.raw_reads`), on every request."""

    def __init__(self, reader: RawReader) -> None:
        self._reader = reader
        self._statement = reader.prepare(_LIVE_SESSION_USER)
        # The users are built without their constructor (below), which is what would otherwise
        # configure the mappers on first use.
        configure_mappers()

    async def user(self, token: str) -> User | None:
        """The active user of the live session for ``token``, or None.

        None when the token is unknown, revoked or expired, or the user is inactive. The user
        has every column loaded and is detached, as if a closed session had loaded it; the
        request's session adopts it (:func:`peerpear.deps.attach_to_request`), so a route can
        change it and flush.
        """
        rows = await self._reader.fetch(
            self._statement, {"token_hash": hash_token(token), "now": utcnow()}
        )
        if not rows:
            return None
        # As the ORM loads a row: a new instance whose loaded values go straight into its
        # __dict__ (no constructor, no change events), then given its identity. A third of the
        # cost of User(**row), which records every value as a change.
        user: User = _USER_MANAGER.new_instance()
        user.__dict__.update(zip(self._statement.keys, rows[0], strict=True))
        make_transient_to_detached(user)
        return user


async def revoke_session(db: AsyncSession, token: str) -> None:
    """Revoke the session for ``token`` (nothing happens when it is unknown or already ended)."""
    await db.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == hash_token(token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def revoke_all_sessions(db: AsyncSession, user_id: int) -> None:
    """Revoke every live session of a user (after a password change, or on deactivation)."""
    await db.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )

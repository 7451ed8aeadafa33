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
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from peerpear.db import utcnow
from peerpear.models import AuthSession, User

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


async def resolve_session(db: AsyncSession, token: str) -> User | None:
    """The active user of the live session for ``token``, or None.

    None when the token is unknown, revoked or expired, or the user is inactive. The user is
    attached to ``db`` as a persistent object with every column loaded, exactly as if the ORM had
    loaded it, so a route can change it and flush.
    """
    row = (
        await db.execute(_LIVE_SESSION_USER, {"token_hash": hash_token(token), "now": utcnow()})
    ).first()
    if row is None:
        return None
    user = db.identity_map.get(identity_key(User, row.id))
    if user is None:
        user = User(**row._mapping)
        make_transient_to_detached(user)
        db.add(user)
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

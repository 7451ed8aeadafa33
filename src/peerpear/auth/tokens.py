"""The single-use links of account emails: a random token in the link, only its digest stored
(``account_tokens``), working once and until it expires, for one purpose and one address."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.sessions import hash_token
from peerpear.db import utcnow
from peerpear.errors import ValidationFailed
from peerpear.models import AccountToken, TokenPurpose, User

# One message for every link that does not work (unknown, used, expired, for an address the
# account no longer has): which of them it is would tell a guesser nothing useful either.
LINK_NOT_VALID = (
    "this link is not valid: it may have expired or been used already; ask for a new one"
)


def link_refused() -> ValidationFailed:
    """The 422 of a link that does not work, on the body's ``token``."""
    return ValidationFailed(
        LINK_NOT_VALID,
        details=[{"loc": ["body", "token"], "msg": LINK_NOT_VALID, "type": "token_invalid"}],
    )


async def issue(db: AsyncSession, user: User, purpose: TokenPurpose, ttl: timedelta) -> str:
    """A new token for ``user``'s current address (flushed); the raw value, for the link.

    Earlier unused tokens of the same purpose stop working: only the latest link does.
    """
    now = utcnow()
    await _retire(db, user.id, purpose)
    token = secrets.token_urlsafe(32)
    db.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose.value,
            token_hash=hash_token(token),
            email=user.email,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    await db.flush()
    return token


async def redeem(db: AsyncSession, purpose: TokenPurpose, token: str) -> User:
    """The user whose live token this is, the token used up in the same statement (so two
    concurrent uses cannot both succeed); 422 on ``token`` for a link that does not work."""
    now = utcnow()
    found = (
        await db.execute(
            update(AccountToken)
            .where(
                AccountToken.token_hash == hash_token(token),
                AccountToken.purpose == purpose.value,
                AccountToken.used_at.is_(None),
                AccountToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(AccountToken.user_id, AccountToken.email)
        )
    ).one_or_none()
    user = None if found is None else await db.get(User, found.user_id)
    if user is None or found is None or user.email != found.email or not user.is_active:
        raise link_refused()
    await _retire(db, user.id, purpose)  # its siblings, sent earlier, are of no more use
    return user


async def _retire(db: AsyncSession, user_id: int, purpose: TokenPurpose) -> None:
    await db.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )


async def live_tokens(db: AsyncSession, user_id: int, purpose: TokenPurpose) -> int:
    """How many of the user's tokens of ``purpose`` still work (tests, diagnostics)."""
    rows = await db.scalars(
        select(AccountToken.id).where(
            AccountToken.user_id == user_id,
            AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > utcnow(),
        )
    )
    return len(list(rows))

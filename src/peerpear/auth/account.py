"""Account safety (issue 12): resetting a forgotten password by email, changing it, and
signing out everywhere (verifying the address: verification.py). Services flush; the
request commits, then enqueues the mail these return the ids of (mail/delivery.py).

No answer says whether an address has an account: a reset request answers the same either way
(and is throttled per address and per client host whether or not the address exists).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.auth import service, throttle, tokens
from peerpear.auth.client_networks import client_networks
from peerpear.auth.passwords import hash_password_async, verify_password_async
from peerpear.auth.sessions import hash_token, revoke_all_sessions
from peerpear.auth.verification import link
from peerpear.config import Settings
from peerpear.db import utcnow
from peerpear.errors import InvalidState, ValidationFailed
from peerpear.mail import rendering
from peerpear.mail.delivery import queue_mail
from peerpear.models import (
    AuthSession,
    Identity,
    IdentityProvider,
    TokenPurpose,
    User,
    normalize_email,
)

logger = logging.getLogger("peerpear.auth")

# Where the links lead: pages of the console (the reset page posts the token to the API).
RESET_PATH = "/reset-password"
FORGOT_PATH = "/forgot-password"

RESET_REQUESTED = (
    "If this address has an account with a password, a link to reset it is on its way; it "
    "works once, for a limited time."
)
HOUR = timedelta(hours=1)


def reset_rules(settings: Settings, email: str, address: str) -> list[throttle.Rule]:
    """Reset requests per address asked about, then per client host (this order everywhere)."""
    return [
        throttle.Ceiling(f"reset-email:{email}", settings.password_reset_max_per_email, HOUR),
        throttle.Ceiling(
            f"reset-ip:{client_networks(address).host}",
            settings.password_reset_max_per_address,
            HOUR,
        ),
    ]


async def request_password_reset(
    db: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    email: str,
    client_address: str,
) -> list[int]:
    """Send a reset link when ``email`` has an active local account; the queued message ids
    (none otherwise: the caller answers the same either way). 429 once the address or the
    client host asked too often, counted whether or not the address has an account."""
    service.ensure_local_accounts(settings)
    address = normalize_email(email)
    async with sessions.begin() as short:
        await throttle.count_attempt(
            short, settings, reset_rules(settings, address, client_address), what="reset requests"
        )
    credentials = await service.local_credentials(db, address)
    if credentials is None or not credentials.is_active:
        logger.info("password reset asked for %s, which has no active local account", address)
        return []
    user = await db.get(User, credentials.user_id)
    assert user is not None
    minutes = settings.password_reset_ttl_minutes
    token = await tokens.issue(db, user, TokenPurpose.PASSWORD_RESET, timedelta(minutes=minutes))
    message_id = await queue_mail(
        db,
        template=rendering.PASSWORD_RESET,
        to=user.email,
        context={
            "first_name": user.first_name or "there",
            "email": user.email,
            "link": link(settings, RESET_PATH, token),
            "minutes": minutes,
        },
        user_id=user.id,
    )
    return [message_id]


async def _set_password(db: AsyncSession, user: User, password_hash: str) -> bool:
    """Store a new hash on ``user``'s local identity; False when they have none (CAS only)."""
    changed = await db.execute(
        update(Identity)
        .where(Identity.user_id == user.id, Identity.provider == IdentityProvider.LOCAL)
        .values(password_hash=password_hash, updated_at=utcnow())
    )
    return bool(getattr(changed, "rowcount", 0))


async def _notify_changed(db: AsyncSession, settings: Settings, user: User, *, reset: bool) -> int:
    return await queue_mail(
        db,
        template=rendering.PASSWORD_CHANGED,
        to=user.email,
        context={
            "first_name": user.first_name or "there",
            "email": user.email,
            "reset": reset,
            "reset_url": link(settings, FORGOT_PATH),
        },
        user_id=user.id,
    )


async def confirm_password_reset(
    db: AsyncSession, settings: Settings, *, token: str, password: str
) -> list[int]:
    """Set the password of the link's account and end all its sessions; the ids of the mail
    to enqueue (the notice of the change). 422 for a link that does not work or a password
    the policy refuses. The link also proves the address: it becomes verified."""
    service.ensure_local_accounts(settings)
    service.check_password_policy(password, settings)
    password_hash = await hash_password_async(password)  # before any row is locked
    user = await tokens.redeem(db, TokenPurpose.PASSWORD_RESET, token)
    if not await _set_password(db, user, password_hash):
        # Linked to CAS since the link was sent, which removed the password on purpose.
        raise tokens.link_refused()
    await revoke_all_sessions(db, user.id)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    await db.flush()
    return [await _notify_changed(db, settings, user, reset=True)]


async def change_password(
    db: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    user: User,
    *,
    current_password: str,
    new_password: str,
    current_token: str | None,
    client_address: str,
) -> list[int]:
    """Change the signed-in ``user``'s password, ending their other sessions; the ids of the
    mail to enqueue. The current password is checked like a sign-in (the same throttle: a
    stolen session must not become a way to guess it): 422 on ``current_password`` when wrong,
    409 for an account without a password (CAS)."""
    service.ensure_local_accounts(settings)
    service.check_password_policy(new_password, settings)
    rules = throttle.login_rules(settings, user.email, client_address)
    async with sessions.begin() as short:
        counted = await throttle.count_attempt(short, settings, rules, what="failed sign-ins")
        credentials = await service.local_credentials(short, user.email)
    if credentials is None or credentials.user_id != user.id:
        raise InvalidState("this account signs in with CAS and has no password to change")
    if not await verify_password_async(credentials.password_hash, current_password):
        message = "the current password is not correct"
        raise ValidationFailed(
            message,
            details=[{"loc": ["body", "current_password"], "msg": message, "type": "wrong"}],
        )
    await throttle.forgive(db, counted)
    new_hash = await hash_password_async(new_password)
    await _set_password(db, user, new_hash)
    await _revoke_other_sessions(db, user.id, current_token)
    return [await _notify_changed(db, settings, user, reset=False)]


async def _revoke_other_sessions(db: AsyncSession, user_id: int, keep: str | None) -> None:
    if keep is None:
        await revoke_all_sessions(db, user_id)
        return
    await db.execute(
        update(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.token_hash != hash_token(keep),
        )
        .values(revoked_at=utcnow())
    )


async def sign_out_everywhere(db: AsyncSession, user: User) -> None:
    """End every session of ``user``, the current one included."""
    await revoke_all_sessions(db, user.id)

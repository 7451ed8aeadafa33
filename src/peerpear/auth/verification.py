"""Verifying the address of an account (issue 12): a single-use link sent at sign-up (and on
request), and the rule that, when the server requires it, an unverified account can sign in but
can neither join an organization nor register for an event. CAS accounts count as verified (CAS
proved the address: auth/cas.py); so do accounts whose password was reset by email.

The links lead to console pages, which post the token to the API.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.auth import throttle, tokens
from peerpear.config import Settings
from peerpear.db import utcnow
from peerpear.errors import Forbidden, InvalidState
from peerpear.mail import rendering
from peerpear.mail.delivery import queue_mail
from peerpear.models import TokenPurpose, User

VERIFY_PATH = "/verify-email"
RESEND_PER_HOUR = 5
VERIFICATION_SENT = "A new confirmation link is on its way to your address."
NOT_VERIFIED = (
    "confirm your email address first: follow the link we sent to {email}, or ask for a new "
    "one (POST /api/v1/auth/verify-email/resend)"
)


def link(settings: Settings, path: str, token: str | None = None) -> str:
    query = f"?{urlencode({'token': token})}" if token is not None else ""
    return f"{settings.public_url.rstrip('/')}{path}{query}"


def ensure_verified(user: User, settings: Settings) -> None:
    """403 when the server requires verified addresses (to join an organization, to register
    for an event) and ``user``'s is not. CAS accounts are verified at their sign-in."""
    if settings.requires_verified_email and user.email_verified_at is None:
        raise Forbidden(NOT_VERIFIED.format(email=user.email), details={"reason": "unverified"})


async def send_verification(db: AsyncSession, settings: Settings, user: User) -> int:
    """Issue a verification link for ``user``'s address and queue its email; the message id."""
    hours = settings.verify_email_ttl_hours
    token = await tokens.issue(db, user, TokenPurpose.VERIFY_EMAIL, timedelta(hours=hours))
    return await queue_mail(
        db,
        template=rendering.VERIFY_EMAIL,
        to=user.email,
        context={
            "first_name": user.first_name or "there",
            "email": user.email,
            "link": link(settings, VERIFY_PATH, token),
            "hours": hours,
        },
        user_id=user.id,
    )


async def verify_email(db: AsyncSession, token: str) -> User:
    """Mark the address of the link's account verified (422 for a link that does not work)."""
    user = await tokens.redeem(db, TokenPurpose.VERIFY_EMAIL, token)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        await db.flush()
    return user


async def resend_verification(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings: Settings, user: User
) -> int:
    """A new link for the signed-in ``user`` (earlier ones stop working); 409 when already
    verified, 429 after ``RESEND_PER_HOUR`` in an hour."""
    if user.email_verified_at is not None:
        raise InvalidState("your email address is already confirmed")
    hour = timedelta(hours=1)
    rules = [throttle.Ceiling(f"verify-resend-user:{user.id}", RESEND_PER_HOUR, hour)]
    async with sessions.begin() as short:
        await throttle.count_attempt(short, settings, rules, what="confirmation emails")
    return await send_verification(db, settings, user)

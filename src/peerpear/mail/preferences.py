"""A person's email preferences and the one-click unsubscribe link (issue 12).

Two kinds of mail are the person's to turn off: ``introductions`` (their group, when an event is
published) and ``reminders`` (an unfinished questionnaire before the deadline). Account emails
(verification, password reset) are transactional and always sent.

Every non-transactional message carries a link ``/unsubscribe?token=...`` that works without
signing in: the token is ``<user id>.<kind>.<signature>``, an HMAC of the user id, the kind and
the user's current address under the server's secret key. Nothing is stored: a forged or
altered token fails the signature, and a link stops working when the address changes. Using it
again only turns off what is already off.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.config import Settings
from peerpear.models import User

Kind = Literal["introductions", "reminders"]
KINDS: tuple[Kind, ...] = ("introductions", "reminders")
UNSUBSCRIBE_PATH = "/unsubscribe"
_PURPOSE = b"peerpear-unsubscribe:"


class EmailPreferences(BaseModel):
    """Which emails that are not transactional you receive (account emails always come)."""

    introductions: bool = Field(
        description="An email introducing your group when an event you registered for is published."
    )
    reminders: bool = Field(
        description="A reminder before the deadline of an event whose questionnaire you have "
        "not finished."
    )


def preferences_of(user: User) -> EmailPreferences:
    return EmailPreferences(introductions=user.email_introductions, reminders=user.email_reminders)


async def set_preferences(db: AsyncSession, user: User, chosen: EmailPreferences) -> User:
    user.email_introductions = chosen.introductions
    user.email_reminders = chosen.reminders
    await db.flush()
    return user


def wants(user: User, kind: Kind) -> bool:
    """Whether ``user`` receives mail of ``kind`` (never an inactive account)."""
    chosen = user.email_introductions if kind == "introductions" else user.email_reminders
    return bool(user.is_active and chosen)


def _signature(secret_key: str, user_id: int, kind: str, email: str) -> str:
    message = _PURPOSE + f"{user_id}:{kind}:{email}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def unsubscribe_token(settings: Settings, user: User, kind: Kind) -> str:
    return f"{user.id}.{kind}.{_signature(settings.secret_key, user.id, kind, user.email)}"


def unsubscribe_url(settings: Settings, user: User, kind: Kind) -> str:
    """The link of a message of ``kind`` to ``user``: its ``preferences_url``."""
    token = unsubscribe_token(settings, user, kind)
    return f"{settings.public_url.rstrip('/')}{UNSUBSCRIBE_PATH}?token={token}"


async def redeem(db: AsyncSession, settings: Settings, token: str) -> tuple[User, Kind] | None:
    """The person and the kind of mail a link is for, when its signature checks out."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12:
        return None
    user_id, kind, signature = int(parts[0]), parts[1], parts[2]
    if kind not in KINDS:
        return None
    user = await db.get(User, user_id)
    if user is None:
        return None
    expected = _signature(settings.secret_key, user.id, kind, user.email)
    if not hmac.compare_digest(expected, signature):
        return None
    return user, "introductions" if kind == "introductions" else "reminders"


async def unsubscribe(db: AsyncSession, user: User, kind: Kind) -> None:
    """Turn ``kind`` off for ``user`` (the other kind stays as it is)."""
    if kind == "introductions":
        user.email_introductions = False
    else:
        user.email_reminders = False
    await db.flush()

"""Local accounts: sign-up, password sign-in and sign-out. Services flush; the request commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth import cas
from peerpear.auth.passwords import hash_password_async, needs_rehash, verify_password_async
from peerpear.auth.sessions import create_session
from peerpear.config import Settings
from peerpear.errors import Conflict, Forbidden, Unauthorized, ValidationFailed
from peerpear.models import Identity, IdentityProvider, User, normalize_email

BAD_CREDENTIALS = "email or password is incorrect"


@dataclass(frozen=True)
class SignedIn:
    """A freshly issued session: the raw token (shown once) and when it ends."""

    token: str
    expires_at: datetime
    user: User


def check_password_policy(password: str, settings: Settings) -> None:
    if len(password) < settings.min_password_length:
        raise ValidationFailed(
            f"password must be at least {settings.min_password_length} characters",
            details=[
                {
                    "loc": ["body", "password"],
                    "msg": f"at least {settings.min_password_length} characters",
                    "type": "string_too_short",
                }
            ],
        )


def ensure_local_accounts(settings: Settings) -> None:
    if not settings.allow_local_accounts:
        raise Forbidden("email and password accounts are disabled on this server; sign in with CAS")


def ensure_not_cas_address(settings: Settings, email: str) -> None:
    """403 for a local sign-up with an address of the CAS domain when CAS is configured.

    Sign-up does not prove the person owns the address, and a CAS sign-in with that address links
    to the account, so a local account there would let whoever created it sign in as the real
    owner. Those addresses sign in through CAS instead.
    """
    domain = cas.email_domain(settings)
    if not settings.cas_server_url or not domain:
        return
    if normalize_email(email).rpartition("@")[2] == domain:
        raise Forbidden(
            f"addresses at @{domain} cannot sign up with a password; sign in with CAS "
            "(GET /api/v1/auth/cas/login) instead"
        )


async def user_by_email(db: AsyncSession, email: str) -> User | None:
    user: User | None = await db.scalar(select(User).where(User.email == normalize_email(email)))
    return user


async def create_user(
    db: AsyncSession,
    *,
    email: str,
    password: str | None,
    first_name: str,
    last_name: str = "",
    platform_admin: bool = False,
) -> User:
    """A new user, with a local identity when ``password`` is given; 409 if the email is taken."""
    address = normalize_email(email)
    if await user_by_email(db, address) is not None:
        raise Conflict(f"an account with email {address} already exists")
    # Hash before writing anything, so the slow part does not hold the new rows' locks.
    password_hash = await hash_password_async(password) if password is not None else None
    user = User(
        email=address,
        first_name=first_name,
        last_name=last_name,
        is_platform_admin=platform_admin,
    )
    db.add(user)
    try:
        await db.flush()
        if password_hash is not None:
            db.add(
                Identity(
                    user_id=user.id,
                    provider=IdentityProvider.LOCAL,
                    subject=address,
                    password_hash=password_hash,
                )
            )
            await db.flush()
    except IntegrityError as exc:  # a concurrent sign-up with the same email won the race
        raise Conflict(f"an account with email {address} already exists") from exc
    return user


async def signup(
    db: AsyncSession,
    settings: Settings,
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
) -> User:
    ensure_local_accounts(settings)
    ensure_not_cas_address(settings, email)
    check_password_policy(password, settings)
    return await create_user(
        db, email=email, password=password, first_name=first_name, last_name=last_name
    )


async def authenticate(db: AsyncSession, email: str, password: str) -> User:
    """The user whose local password this is; 401 (one generic message) otherwise.

    The argon2 work is done even for an unknown email so timing does not reveal accounts.
    """
    found = (
        await db.execute(
            select(Identity, User)
            .join(User, User.id == Identity.user_id)
            .where(
                Identity.provider == IdentityProvider.LOCAL,
                Identity.subject == normalize_email(email),
            )
        )
    ).one_or_none()
    identity, user = found._tuple() if found is not None else (None, None)
    stored = identity.password_hash if identity is not None else None
    if not await verify_password_async(stored, password) or identity is None or user is None:
        raise Unauthorized(BAD_CREDENTIALS)
    if not user.is_active:
        # Only said after a correct password, so it reveals nothing to a guesser.
        raise Forbidden("this account is disabled")
    if stored is not None and needs_rehash(stored):
        identity.password_hash = await hash_password_async(password)
    return user


async def sign_in(db: AsyncSession, settings: Settings, user: User) -> SignedIn:
    token, row = await create_session(db, user, ttl_hours=settings.session_ttl_hours)
    return SignedIn(token=token, expires_at=row.expires_at, user=user)

"""Local accounts: sign-up and password sign-in. Services flush; the request commits (except
the throttling counts, which commit on their own: see :func:`login`).

No database connection is held while a password is hashed or verified: argon2 takes tens of
milliseconds and waits for one of a few slots (:mod:`peerpear.auth.passwords`), and a burst of
sign-ins holding their connections through that wait would exhaust the pool.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.auth import cas, throttle, verification
from peerpear.auth.passwords import hash_password_async, needs_rehash, verify_password_async
from peerpear.auth.sessions import create_session
from peerpear.config import Settings
from peerpear.db import upsert_insert, utcnow
from peerpear.errors import Conflict, Forbidden, Unauthorized, ValidationFailed
from peerpear.models import Identity, IdentityProvider, User, normalize_email

logger = logging.getLogger("peerpear.auth")

BAD_CREDENTIALS = "email or password is incorrect"
# The one answer to every accepted sign-up, whether or not the address already had an account.
SIGNUP_ACCEPTED = (
    "If this email address had no account yet, it has one now: sign in with POST "
    "/api/v1/auth/login. An address that already has an account is left unchanged."
)


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


async def create_user(
    db: AsyncSession,
    *,
    email: str,
    password: str | None,
    first_name: str,
    last_name: str = "",
    platform_admin: bool = False,
    email_verified: bool = False,
) -> User:
    """A new user, with a local identity when ``password`` is given; 409 if the email is taken.

    The insert is one atomic ``INSERT ... ON CONFLICT (email) DO NOTHING``: a concurrent sign-up
    with the same email cannot slip in between a check and the insert, and a taken address
    leaves the transaction usable (no IntegrityError).
    """
    address = normalize_email(email)
    # Hash before writing anything, so the slow part does not hold the new rows' locks.
    password_hash = await hash_password_async(password) if password is not None else None
    user: User | None = await db.scalar(
        upsert_insert(db, User)
        .values(
            email=address,
            first_name=first_name,
            last_name=last_name,
            is_platform_admin=platform_admin,
            email_verified_at=utcnow() if email_verified else None,
        )
        .on_conflict_do_nothing(index_elements=[User.email])
        .returning(User)
    )
    if user is None:
        raise Conflict(f"an account with email {address} already exists")
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
    return user


async def signup(
    db: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    client_address: str,
) -> list[int]:
    """Create a local account, answering the same whether or not the email is already taken;
    the ids of the mail to enqueue once the request has committed (the new account's
    verification link: auth/account.py).

    Both paths hash the password (the slow part) and try the same insert, so neither the answer
    nor its timing says whether the address has an account; an existing account is left as it
    is and the attempt is logged. Sign-ups are throttled per client host: the attempt is
    counted in a short transaction of its own, committed before any work. The request's
    session ``db`` is first used after the hash (:func:`create_user` hashes first).
    """
    ensure_local_accounts(settings)
    ensure_not_cas_address(settings, email)
    check_password_policy(password, settings)
    async with sessions.begin() as short:
        rules = throttle.signup_rules(settings, client_address)
        await throttle.count_attempt(short, settings, rules, what="sign-ups")
    try:
        user = await create_user(
            db, email=email, password=password, first_name=first_name, last_name=last_name
        )
    except Conflict:
        # Said to no one: the owner is not told yet (no mail is sent), the account is unchanged.
        logger.info("sign-up from %s for an address that already has an account", client_address)
        return []
    return [await verification.send_verification(db, settings, user)]


@dataclass(frozen=True)
class LocalCredentials:
    """What checking a local password needs, read without holding on to the connection."""

    identity_id: int
    user_id: int
    password_hash: str | None
    is_active: bool


async def login(
    db: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    email: str,
    password: str,
    client_address: str,
) -> SignedIn:
    """The whole password sign-in: throttle, check the password, take the attempt back, and
    start a session. 429 with ``Retry-After`` when throttled.

    Three steps, so that no connection is held while argon2 runs or waits for a slot:

    1. A short transaction of its own (from ``sessions``), committed at once: count the attempt
       and read the identity's password hash. Counting before the check means concurrent
       guesses cannot all get in under a limit, and committing on its own means a failed
       sign-in's count survives the rollback of ``db``, the request's transaction, which a 401
       or 403 rolls back.
    2. No connection: verify the password (and rehash it if its parameters are outdated).
    3. ``db``, which only now takes a connection: forgive the attempt, store a rehash, start
       the session; all of it commits with the response.
    """
    ensure_local_accounts(settings)
    address = normalize_email(email)
    rules = throttle.login_rules(settings, address, client_address)
    async with sessions.begin() as short:
        counted = await throttle.count_attempt(short, settings, rules, what="failed sign-ins")
        credentials = await local_credentials(short, address)
    credentials = await check_password(credentials, password)
    stored = credentials.password_hash
    rehashed = await hash_password_async(password) if stored and needs_rehash(stored) else None

    await throttle.forgive(db, counted)
    if rehashed is not None:
        # Only if the hash is still the one checked (a concurrent change of password wins).
        await db.execute(
            update(Identity)
            .where(Identity.id == credentials.identity_id, Identity.password_hash == stored)
            .values(password_hash=rehashed)
        )
    user = await db.get(User, credentials.user_id)
    if user is None or not user.is_active:  # deleted or disabled while the password was checked
        raise Forbidden("this account is disabled")
    return await sign_in(db, settings, user)


async def local_credentials(db: AsyncSession, email: str) -> LocalCredentials | None:
    """The local identity of ``email`` (normalized) and its user's state, if there is one."""
    found = (
        await db.execute(
            select(Identity.id, User.id, Identity.password_hash, User.is_active)
            .join(User, User.id == Identity.user_id)
            .where(Identity.provider == IdentityProvider.LOCAL, Identity.subject == email)
        )
    ).one_or_none()
    return None if found is None else LocalCredentials(*found._tuple())


async def check_password(credentials: LocalCredentials | None, password: str) -> LocalCredentials:
    """``credentials`` if ``password`` is theirs; 401 (one generic message) otherwise.

    The argon2 work is done even for an unknown email so timing does not reveal accounts.
    """
    stored = credentials.password_hash if credentials is not None else None
    if not await verify_password_async(stored, password) or credentials is None:
        raise Unauthorized(BAD_CREDENTIALS)
    if not credentials.is_active:
        # Only said after a correct password, so it reveals nothing to a guesser.
        raise Forbidden("this account is disabled")
    return credentials


async def sign_in(db: AsyncSession, settings: Settings, user: User) -> SignedIn:
    token, row = await create_session(db, user, ttl_hours=settings.session_ttl_hours)
    return SignedIn(token=token, expires_at=row.expires_at, user=user)

"""Small helpers that arrange test data directly in the database.

Each helper commits, so the app (which uses its own connections) sees the rows.
"""

from __future__ import annotations

import itertools

from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.passwords import hash_password
from peerpear.auth.sessions import issue_session
from peerpear.models import Identity, IdentityProvider, User, normalize_email

_counter = itertools.count(1)


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}{next(_counter)}@example.edu"


async def create_user(
    session: AsyncSession,
    email: str | None = None,
    *,
    password: str | None = None,
    first_name: str = "Test",
    last_name: str | None = None,
    platform_admin: bool = False,
    is_active: bool = True,
) -> User:
    """A committed user (unique email by default); with ``password``, also a local identity."""
    n = next(_counter)
    address = normalize_email(email or f"user{n}@example.edu")
    user = User(
        email=address,
        first_name=first_name,
        last_name=last_name if last_name is not None else f"User{n}",
        is_platform_admin=platform_admin,
        is_active=is_active,
    )
    session.add(user)
    await session.flush()
    if password is not None:
        session.add(
            Identity(
                user_id=user.id,
                provider=IdentityProvider.LOCAL,
                subject=address,
                password_hash=hash_password(password),
            )
        )
    await session.commit()
    return user


async def auth_headers(session: AsyncSession, user: User) -> dict[str, str]:
    """Sign ``user`` in (a committed session) and return the bearer header for requests."""
    token = await issue_session(session, user)
    await session.commit()
    return {"Authorization": f"Bearer {token}"}

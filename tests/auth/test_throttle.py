"""Repeated failed sign-ins answer 429 with Retry-After, per account and per client address,
from a counter in the database; the lockout ends on its own and a success clears the count."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.models import LoginAttempt
from tests.factories import create_user

PASSWORD = "correct horse battery"
LOGIN = "/api/v1/auth/login"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"login_max_failures": 3, "login_lockout_seconds": 60}


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(LOGIN, json={"email": email, "password": password})


async def expire_lockouts(session: AsyncSession) -> None:
    """Move every counter's clock two windows back, as if the lockout had passed."""
    past = utcnow() - timedelta(seconds=121)
    await session.execute(
        update(LoginAttempt).values(
            first_failure_at=past, last_failure_at=past, locked_until=past + timedelta(seconds=60)
        )
    )
    await session.commit()


async def test_account_lockout_and_recovery(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "t@example.edu", password=PASSWORD)
    for _ in range(3):
        assert (await login(client, "t@example.edu", "wrong password")).status_code == 401
    locked = await login(client, "T@example.edu", PASSWORD)  # even the right password
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(locked.headers["Retry-After"]) <= 60

    key = "email:t@example.edu"
    row = await session.scalar(select(LoginAttempt).where(LoginAttempt.key == key))
    assert row is not None and row.failures == 3 and row.locked_until is not None

    await expire_lockouts(session)
    assert (await login(client, "t@example.edu", PASSWORD)).status_code == 200
    # Success cleared the account's counter.
    session.expire_all()
    keys = set((await session.scalars(select(LoginAttempt.key))).all())
    assert "email:t@example.edu" not in keys


async def test_success_resets_the_count(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await create_user(session, "r@example.edu", password=PASSWORD)
    for _ in range(2):
        assert (await login(client, "r@example.edu", "wrong password")).status_code == 401
    assert (await login(client, "r@example.edu", PASSWORD)).status_code == 200
    await expire_lockouts(session)  # forget the address counter; the account one is gone
    for _ in range(2):
        assert (await login(client, "r@example.edu", "wrong password")).status_code == 401
    assert (await login(client, "r@example.edu", PASSWORD)).status_code == 200


async def test_a_new_window_starts_after_the_old_one(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "n@example.edu", password=PASSWORD)
    for _ in range(2):
        await login(client, "n@example.edu", "wrong password")
    await expire_lockouts(session)
    # The two old failures are outside the window: two more do not lock the account.
    for _ in range(2):
        assert (await login(client, "n@example.edu", "wrong password")).status_code == 401
    assert (await login(client, "n@example.edu", PASSWORD)).status_code == 200


async def test_address_lockout_across_accounts(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "victim@example.edu", password=PASSWORD)
    for n in range(3):  # one failure each on three different (unknown) accounts
        assert (await login(client, f"guess{n}@example.edu", "wrong password")).status_code == 401
    resp = await login(client, "victim@example.edu", PASSWORD)
    assert resp.status_code == 429 and "Retry-After" in resp.headers
    addr = await session.scalar(select(LoginAttempt).where(LoginAttempt.key.startswith("ip:")))
    assert addr is not None and addr.failures == 3

    await expire_lockouts(session)
    assert (await login(client, "victim@example.edu", PASSWORD)).status_code == 200


async def test_counter_is_shared_across_processes(
    client: httpx.AsyncClient, session: AsyncSession, database_url: str
) -> None:
    """Two app instances (as two API processes) share one counter through the database."""
    from peerpear.main import create_app
    from tests.conftest import make_settings

    await create_user(session, "shared@example.edu", password=PASSWORD)
    other_app = create_app(
        make_settings(database_url, login_max_failures=3, login_lockout_seconds=60)
    )
    async with other_app.router.lifespan_context(other_app):
        transport = httpx.ASGITransport(app=other_app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://other") as other:
            await login(client, "shared@example.edu", "wrong password")
            await login(other, "shared@example.edu", "wrong password")
            await login(client, "shared@example.edu", "wrong password")
            assert (await login(other, "shared@example.edu", PASSWORD)).status_code == 429


async def test_concurrent_failures_all_count(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "race@example.edu", password=PASSWORD)
    results = await asyncio.gather(
        *(login(client, "race@example.edu", "wrong password") for _ in range(6))
    )
    assert {r.status_code for r in results} <= {401, 429}
    row = await session.scalar(
        select(LoginAttempt).where(LoginAttempt.key == "email:race@example.edu")
    )
    # Every failure that was checked before the lock landed was counted (none lost to a race).
    assert row is not None
    assert row.failures == sum(r.status_code == 401 for r in results) >= 3
    assert (await login(client, "race@example.edu", PASSWORD)).status_code == 429


async def test_stale_counters_are_purged(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await login(client, "old@example.edu", "wrong password")
    await expire_lockouts(session)  # two windows ago: of no further use
    await login(client, "new@example.edu", "wrong password")
    session.expire_all()
    keys = set((await session.scalars(select(LoginAttempt.key))).all())
    assert "email:old@example.edu" not in keys and "email:new@example.edu" in keys

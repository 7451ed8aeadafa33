"""Repeated failed sign-ins answer 429 with Retry-After, per account and per client address,
from a counter in the database; the lockout ends on its own and a success clears the count."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from peerpear.auth import passwords
from peerpear.db import utcnow
from peerpear.models import LoginAttempt
from tests.factories import create_user

PASSWORD = "correct horse battery"
LOGIN = "/api/v1/auth/login"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "login_max_failures": 3,
        "login_max_failures_per_address": 5,
        "login_lockout_seconds": 60,
    }


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
    for n in range(5):  # one failure each on five different (unknown) accounts
        assert (await login(client, f"guess{n}@example.edu", "wrong password")).status_code == 401
    resp = await login(client, "victim@example.edu", PASSWORD)
    assert resp.status_code == 429 and "Retry-After" in resp.headers
    addr = await session.scalar(select(LoginAttempt).where(LoginAttempt.key.startswith("ip:")))
    assert addr is not None and addr.failures == 5

    await expire_lockouts(session)
    assert (await login(client, "victim@example.edu", PASSWORD)).status_code == 200


async def test_address_limit_is_its_own_and_higher(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Many people share one address behind a NAT: a few of them mistyping their passwords
    (as many failures as lock one account) must not lock everyone else out."""
    await create_user(session, "innocent@example.edu", password=PASSWORD)
    for n in range(4):
        assert (await login(client, f"typo{n}@example.edu", "wrong password")).status_code == 401
    assert (await login(client, "innocent@example.edu", PASSWORD)).status_code == 200
    # Successful sign-ins do not count against the address.
    for _ in range(3):
        assert (await login(client, "innocent@example.edu", PASSWORD)).status_code == 200
    addr = await session.scalar(select(LoginAttempt).where(LoginAttempt.key.startswith("ip:")))
    assert addr is not None and addr.failures == 4 and addr.locked_until is None


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
    """Concurrent guesses get no free tries: at most ``login_max_failures`` of them have the
    password checked (401); the rest answer 429."""
    await create_user(session, "race@example.edu", password=PASSWORD)
    results = await asyncio.gather(
        *(login(client, "race@example.edu", "wrong password") for _ in range(10))
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses == [401] * 3 + [429] * 7, [r.text for r in results]
    row = await session.scalar(
        select(LoginAttempt).where(LoginAttempt.key == "email:race@example.edu")
    )
    assert row is not None and row.failures >= 3 and row.locked_until is not None
    assert (await login(client, "race@example.edu", PASSWORD)).status_code == 429


async def test_a_failed_login_holds_one_connection(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """A failing sign-in must not hold its request's connection while taking a second one to
    count the failure: enough concurrent failures would otherwise exhaust the pool (500s)."""
    await create_user(session, "pool@example.edu", password=PASSWORD)
    engine: AsyncEngine = app.state.engine
    out = 0
    most = 0

    def checkout(*_: Any) -> None:
        nonlocal out, most
        out += 1
        most = max(most, out)

    def checkin(*_: Any) -> None:
        nonlocal out
        out -= 1

    event.listen(engine.sync_engine.pool, "checkout", checkout)
    event.listen(engine.sync_engine.pool, "checkin", checkin)
    try:
        assert (await login(client, "pool@example.edu", "wrong password")).status_code == 401
        assert (await login(client, "nobody@example.edu", "wrong password")).status_code == 401
        assert (await login(client, "pool@example.edu", PASSWORD)).status_code == 200
    finally:
        event.remove(engine.sync_engine.pool, "checkout", checkout)
        event.remove(engine.sync_engine.pool, "checkin", checkin)
    assert most == 1


async def test_argon2_concurrency_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each argon2 hash takes 64 MiB: a burst of sign-ins queues for a few slots."""
    running = 0
    most = 0
    lock = threading.Lock()

    def slow(*_: Any) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return False

    monkeypatch.setattr(passwords, "verify_password", slow)
    monkeypatch.setattr(passwords, "hash_password", slow)
    n = passwords.MAX_CONCURRENT_HASHES
    await asyncio.gather(
        *(passwords.verify_password_async(None, "x") for _ in range(12)),
        *(passwords.hash_password_async("x") for _ in range(12)),
    )
    assert 1 <= most <= n


async def test_stale_counters_are_purged(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await login(client, "old@example.edu", "wrong password")
    await expire_lockouts(session)  # two windows ago: of no further use
    await login(client, "new@example.edu", "wrong password")
    session.expire_all()
    keys = set((await session.scalars(select(LoginAttempt.key))).all())
    assert "email:old@example.edu" not in keys and "email:new@example.edu" in keys

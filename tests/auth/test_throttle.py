"""Sign-in and sign-up throttling, from counters in the database that every process shares.

One account from one client host gets a few free failures, then each further attempt waits
a doubling delay (429 with Retry-After); a guesser's failures do not stop the owner at another
address. A ceiling per address still locks. Sign-ups are limited per address. The per-network
and per-account rules are in test_throttle_networks.py. The throttle's clock is a fake one the
tests move forward.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from peerpear.auth import passwords
from peerpear.models import LoginAttempt
from tests.auth.throttling import (
    PASSWORD,
    SIGNUP,
    WRONG,
    ClientAt,
    Clock,
    counter,
    login,
    retry_after,
)
from tests.factories import create_user


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "login_failures_before_delay": 3,
        "login_max_delay_seconds": 8,
        "login_max_failures_per_network": 30,
        "login_max_networks_per_account": 20,
        "login_max_failures_per_address": 30,
        "login_lockout_seconds": 60,
        "signup_max_per_address": 3,
        "signup_window_seconds": 600,
    }


async def test_a_guesser_does_not_lock_the_owner_out(
    client_at: ClientAt, session: AsyncSession, clock: Clock
) -> None:
    """Five wrong passwords from one address used to lock the account for everyone."""
    await create_user(session, "owner@example.edu", password=PASSWORD)
    async with client_at("198.51.100.7") as attacker, client_at("203.0.113.20") as owner:
        statuses = []
        for n in range(5):
            clock.advance(10 if n else 0)  # each delay (1 s, 2 s, ...) is waited out
            statuses.append((await login(attacker, "owner@example.edu", WRONG)).status_code)
        assert statuses == [401] * 5
        still_guessing = await login(attacker, "owner@example.edu", PASSWORD)
        assert retry_after(still_guessing) >= 1  # the guesser's own address must wait
        assert (await login(owner, "OWNER@example.edu", PASSWORD)).status_code == 200


async def test_failures_from_one_address_wait_longer_each_time(
    client: httpx.AsyncClient, session: AsyncSession, clock: Clock
) -> None:
    await create_user(session, "pair@example.edu", password=PASSWORD)
    for _ in range(3):  # the free failures
        assert (await login(client, "pair@example.edu", WRONG)).status_code == 401
    waits = []
    for _ in range(5):
        refused = await login(client, "pair@example.edu", WRONG)
        waits.append(retry_after(refused))
        # Even the right password waits: the delay is before any password is checked.
        assert (await login(client, "pair@example.edu", PASSWORD)).status_code == 429
        clock.advance(waits[-1])
        assert (await login(client, "pair@example.edu", WRONG)).status_code == 401
    assert waits == [1, 2, 4, 8, 8]  # doubling, capped at login_max_delay_seconds

    clock.advance(8)
    assert (await login(client, "pair@example.edu", PASSWORD)).status_code == 200
    # The success forgets the pair: three free failures again.
    assert await counter(session, "email+ip:pair@example.edu|127.0.0.1") is None
    for _ in range(3):
        assert (await login(client, "pair@example.edu", WRONG)).status_code == 401
    assert retry_after(await login(client, "pair@example.edu", WRONG)) == 1


async def test_a_pair_is_forgotten_after_an_hour_without_failures(
    client: httpx.AsyncClient, session: AsyncSession, clock: Clock
) -> None:
    await create_user(session, "idle@example.edu", password=PASSWORD)
    for _ in range(3):
        await login(client, "idle@example.edu", WRONG)
    clock.advance(1)
    await login(client, "idle@example.edu", WRONG)  # the 4th: the next one waits 2 s
    clock.advance(3500)  # waiting out the delay does not reset the count...
    await login(client, "idle@example.edu", WRONG)
    assert retry_after(await login(client, "idle@example.edu", WRONG)) == 4
    clock.advance(4 + 3600)  # ...an hour of quiet after it does
    for _ in range(3):
        assert (await login(client, "idle@example.edu", WRONG)).status_code == 401


async def test_success_gives_back_its_attempt(
    client: httpx.AsyncClient, session: AsyncSession, clock: Clock
) -> None:
    await create_user(session, "back@example.edu", password=PASSWORD)
    for _ in range(2):
        assert (await login(client, "back@example.edu", WRONG)).status_code == 401
    for _ in range(3):  # successes do not count against the account or the address
        assert (await login(client, "back@example.edu", PASSWORD)).status_code == 200
    assert await counter(session, "email+site:back@example.edu|127.0.0.0/24") == (2, None)
    assert await counter(session, "ip:127.0.0.1") == (2, None)
    # The account counts sites, not failures: one, from the first failure.
    assert await counter(session, "email:back@example.edu") == (1, None)


class TestAddressCeiling:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"login_max_failures_per_address": 5, "login_lockout_seconds": 60}

    async def test_one_address_guessing_many_accounts_is_locked(
        self, client_at: ClientAt, session: AsyncSession, clock: Clock
    ) -> None:
        await create_user(session, "victim@example.edu", password=PASSWORD)
        async with client_at("198.51.100.9") as sprayer:
            for n in range(5):  # one failure each on five accounts
                assert (await login(sprayer, f"guess{n}@example.edu", WRONG)).status_code == 401
            # The address is locked, so even a correct password from it waits.
            assert retry_after(await login(sprayer, "victim@example.edu", PASSWORD)) == 60
        async with client_at("203.0.113.20") as elsewhere:
            assert (await login(elsewhere, "victim@example.edu", PASSWORD)).status_code == 200
        async with client_at("198.51.100.9") as sprayer:
            clock.advance(60)
            assert (await login(sprayer, "victim@example.edu", PASSWORD)).status_code == 200


async def test_counter_is_shared_across_processes(
    client: httpx.AsyncClient, session: AsyncSession, database_url: str, clock: Clock
) -> None:
    """Two app instances (as two API processes) share one counter through the database."""
    from peerpear.main import create_app
    from tests.conftest import make_settings

    await create_user(session, "shared@example.edu", password=PASSWORD)
    other_app = create_app(make_settings(database_url, login_failures_before_delay=3))
    async with other_app.router.lifespan_context(other_app):
        transport = httpx.ASGITransport(app=other_app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://other") as other:
            await login(client, "shared@example.edu", WRONG)
            await login(other, "shared@example.edu", WRONG)
            await login(client, "shared@example.edu", WRONG)
            assert retry_after(await login(other, "shared@example.edu", PASSWORD)) == 1


async def test_concurrent_failures_from_one_address_all_count(
    client: httpx.AsyncClient, session: AsyncSession, clock: Clock
) -> None:
    """Concurrent guesses get no free tries: only the free failures have the password checked
    (401); the rest answer 429."""
    await create_user(session, "burst@example.edu", password=PASSWORD)
    results = await asyncio.gather(*(login(client, "burst@example.edu", WRONG) for _ in range(10)))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [401] * 3 + [429] * 7, [r.text for r in results]
    assert retry_after(await login(client, "burst@example.edu", PASSWORD)) == 1


async def test_sign_up_is_limited_per_address(client_at: ClientAt, clock: Clock) -> None:
    def body(n: int) -> dict[str, str]:
        return {"email": f"new{n}@example.edu", "password": PASSWORD, "first_name": "New"}

    async with client_at("198.51.100.3") as crowd:
        for n in range(3):
            assert (await crowd.post(SIGNUP, json=body(n))).status_code == 202
        assert retry_after(await crowd.post(SIGNUP, json=body(3))) == 600
        async with client_at("203.0.113.20") as elsewhere:
            assert (await elsewhere.post(SIGNUP, json=body(4))).status_code == 202
        clock.advance(600)
        assert (await crowd.post(SIGNUP, json=body(5))).status_code == 202


async def test_requests_hold_one_connection(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Sign-in and sign-up count their attempt in a transaction of their own, before the
    request's session takes its connection: a request never holds two at once (enough
    concurrent ones would otherwise exhaust the pool)."""
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

    signup = {"password": PASSWORD, "first_name": "P"}
    event.listen(engine.sync_engine.pool, "checkout", checkout)
    event.listen(engine.sync_engine.pool, "checkin", checkin)
    try:
        assert (await login(client, "pool@example.edu", WRONG)).status_code == 401
        assert (await login(client, "nobody@example.edu", WRONG)).status_code == 401
        assert (await login(client, "pool@example.edu", PASSWORD)).status_code == 200
        for email in ("pool@example.edu", "fresh@example.edu"):
            resp = await client.post(SIGNUP, json={"email": email, **signup})
            assert resp.status_code == 202
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


async def test_dead_counters_are_purged(
    client: httpx.AsyncClient, session: AsyncSession, clock: Clock
) -> None:
    await login(client, "old@example.edu", WRONG)
    for _ in range(4):  # a delayed pair, whose last delay ends later than its last failure
        await login(client, "slow@example.edu", WRONG)
        clock.advance(8)
    clock.advance(3600)  # past every window: of no further use
    await login(client, "new@example.edu", WRONG)
    session.expire_all()
    keys = set((await session.scalars(select(LoginAttempt.key))).all())
    assert keys == {
        "email+ip:new@example.edu|127.0.0.1",
        "email+site:new@example.edu|127.0.0.0/24",
        "email:new@example.edu",
        "ip:127.0.0.1",
    }

"""A burst of sign-ins is an overload, never a server error.

A sign-in used to hold its database connection while it waited for one of the few argon2
slots, so a burst bigger than the pool waited out the pool timeout and answered 500. Now no
connection is held while a password is checked, and an exhausted pool answers 503 with
Retry-After.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import weakref
from collections import Counter
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from peerpear.auth import passwords
from peerpear.errors import OVERLOAD_RETRY_AFTER
from peerpear.models import Identity
from tests.auth.throttling import PASSWORD, SIGNUP, WRONG, ClientAt, login
from tests.factories import create_user

# Added to every password check in the burst: argon2 as slow as on a busy server, whatever this
# machine's speed, so the checks one after another take far longer than the pool timeout.
SLOW_CHECK_SECONDS = 0.1


@pytest.fixture
def one_slow_argon2_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    """One password check at a time, each slow, so a burst queues for argon2."""
    real_verify = passwords.verify_password

    def slow_verify(password_hash: str | None, password: str) -> bool:
        time.sleep(SLOW_CHECK_SECONDS)
        return real_verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", slow_verify)
    monkeypatch.setattr(passwords, "MAX_CONCURRENT_HASHES", 1)
    monkeypatch.setattr(passwords, "_slots", weakref.WeakKeyDictionary())


async def test_no_connection_is_held_while_a_password_is_checked(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await create_user(session, "held@example.edu", password=PASSWORD)
    # An outdated hash, so the correct sign-in rehashes too (also without a connection).
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    await session.execute(
        update(Identity).where(Identity.user_id == user.id).values(password_hash=weak)
    )
    await session.commit()

    engine: AsyncEngine = app.state.engine
    held_while_hashing: list[int] = []

    def watching(work: Any) -> Any:
        def run(*args: Any) -> Any:
            held_while_hashing.append(engine.sync_engine.pool.checkedout())  # type: ignore[attr-defined]
            return work(*args)

        return run

    monkeypatch.setattr(passwords, "verify_password", watching(passwords.verify_password))
    monkeypatch.setattr(passwords, "hash_password", watching(passwords.hash_password))
    assert (await login(client, "held@example.edu", WRONG)).status_code == 401
    assert (await login(client, "nobody@example.edu", WRONG)).status_code == 401
    assert (await login(client, "held@example.edu", PASSWORD)).status_code == 200
    signup = {"password": PASSWORD, "first_name": "H"}
    for email in ("held@example.edu", "fresh@example.edu"):
        assert (await client.post(SIGNUP, json={"email": email, **signup})).status_code == 202
    # Three verifications, one rehash, two sign-up hashes: none with a connection checked out.
    assert held_while_hashing == [0] * 6


class TestBurst:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"database_pool_size": 2, "database_pool_timeout_seconds": 3.0}

    async def test_a_burst_of_wrong_passwords_answers_401_not_500(
        self, client_at: ClientAt, session: AsyncSession, one_slow_argon2_slot: None
    ) -> None:
        """40 concurrent wrong passwords through 2 connections and 1 argon2 slot: the checks
        take over 4 s one after another, past the 3 s pool timeout, which used to turn the
        requests queued behind them into 500s. Only the short counting step needs a
        connection now."""
        for n in range(20):
            await create_user(session, f"burst{n}@example.edu", password=PASSWORD)

        async def guess(n: int) -> int:
            async with client_at(f"198.51.{n}.1") as guesser:
                return (await login(guesser, f"burst{n % 20}@example.edu", WRONG)).status_code

        statuses = Counter(await asyncio.gather(*(guess(n) for n in range(40))))
        assert statuses == {401: 40}


class TestPoolTimeout:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"database_pool_size": 1, "database_pool_timeout_seconds": 0.2}

    async def test_an_exhausted_pool_answers_503_with_retry_after(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        engine: AsyncEngine = app.state.engine
        async with engine.connect():  # the pool's only connection, held by the test
            resp = await login(client, "anyone@example.edu", WRONG)
        assert resp.status_code == 503, resp.text
        assert resp.headers["Retry-After"] == str(OVERLOAD_RETRY_AFTER)
        error = resp.json()["error"]
        assert error["code"] == "service_unavailable"
        assert error["details"] == {"retry_after": OVERLOAD_RETRY_AFTER}
        # The connection back in the pool, the same request is answered normally.
        assert (await login(client, "anyone@example.edu", WRONG)).status_code == 401


class TestSqliteBusy:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"sqlite_busy_timeout_ms": 100}

    async def test_a_write_lock_held_past_the_busy_timeout_answers_503(
        self, client: httpx.AsyncClient, database_url: str
    ) -> None:
        """SQLite's one writer at a time: waiting longer than the busy timeout for the write
        lock is the same overload as an exhausted pool (it used to answer 500)."""
        if not database_url.startswith("sqlite"):
            pytest.skip("SQLite's database-wide write lock; PostgreSQL locks rows")
        holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # the write lock, held by the test
            resp = await login(client, "anyone@example.edu", WRONG)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert resp.status_code == 503, resp.text
        assert resp.headers["Retry-After"] == str(OVERLOAD_RETRY_AFTER)
        assert resp.json()["error"]["code"] == "service_unavailable"
        assert (await login(client, "anyone@example.edu", WRONG)).status_code == 401

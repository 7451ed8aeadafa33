"""Helpers shared by the throttling tests: a fake clock, clients at chosen addresses, counters.

The fixtures built on them (``clock``, ``client_at``) are in ``tests/auth/conftest.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.models import LoginAttempt

PASSWORD = "correct horse battery"
WRONG = "wrong password"
LOGIN = "/api/v1/auth/login"
SIGNUP = "/api/v1/auth/signup"


class Clock:
    """The throttle's notion of now: starts at the real time, moves only when told to."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


ClientAt = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


def clients_at(app: FastAPI) -> ClientAt:
    """Make clients whose requests come from a given client address."""

    @asynccontextmanager
    async def make(address: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(
            app=app, raise_app_exceptions=False, client=(address, 40000)
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c

    return make


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(LOGIN, json={"email": email, "password": password})


async def counter(session: AsyncSession, key: str) -> tuple[int, datetime | None] | None:
    """The stored (failures, locked_until) of ``key``, or None when there is no counter."""
    row = (
        await session.execute(
            select(LoginAttempt.failures, LoginAttempt.locked_until).where(LoginAttempt.key == key)
        )
    ).one_or_none()
    await session.rollback()  # the next read sees what the app commits meanwhile
    return None if row is None else row._tuple()


def retry_after(resp: httpx.Response) -> int:
    assert resp.status_code == 429, resp.text
    assert resp.json()["error"]["code"] == "too_many_requests"
    return int(resp.headers["Retry-After"])

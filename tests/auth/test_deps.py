"""The authentication dependencies on a probe route: cookie, bearer, expiry, revocation."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.deps import SESSION_COOKIE, CurrentUser, OptionalUser, PlatformAdmin
from peerpear.auth.sessions import hash_token, issue_session
from peerpear.db import utcnow
from peerpear.models import AuthSession, User
from tests.factories import auth_headers, create_user


@pytest.fixture
def probe_app(app: FastAPI) -> FastAPI:
    async def whoami(user: CurrentUser) -> dict[str, int]:
        return {"id": user.id}

    async def maybe(user: OptionalUser) -> dict[str, int | None]:
        return {"id": user.id if user else None}

    async def admin_only(user: PlatformAdmin) -> dict[str, int]:
        return {"id": user.id}

    app.router.add_api_route("/_probe/whoami", whoami)
    app.router.add_api_route("/_probe/maybe", maybe)
    app.router.add_api_route("/_probe/admin", admin_only)
    return app


@pytest.fixture
async def probe(probe_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=probe_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_anonymous(probe: httpx.AsyncClient) -> None:
    resp = await probe.get("/_probe/whoami")
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "unauthorized"
    assert (await probe.get("/_probe/maybe")).json() == {"id": None}
    assert (await probe.get("/_probe/admin")).status_code == 401


async def test_bearer_and_cookie(probe: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await create_user(session)
    headers = await auth_headers(session, user)
    assert (await probe.get("/_probe/whoami", headers=headers)).json() == {"id": user.id}
    token = headers["Authorization"].removeprefix("Bearer ")
    probe.cookies.set(SESSION_COOKIE, token)
    assert (await probe.get("/_probe/whoami")).json() == {"id": user.id}
    assert (await probe.get("/_probe/maybe", headers=headers)).json() == {"id": user.id}


async def test_garbage_token_refused(probe: httpx.AsyncClient) -> None:
    resp = await probe.get("/_probe/whoami", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401
    assert (await probe.get("/_probe/maybe", headers={"Authorization": "Bearer x"})).json() == {
        "id": None
    }


async def test_expired_and_revoked_refused(probe: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await create_user(session)
    expired = await issue_session(session, user)
    revoked = await issue_session(session, user)
    await session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == hash_token(expired))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    await session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == hash_token(revoked))
        .values(revoked_at=utcnow())
    )
    await session.commit()
    for token in (expired, revoked):
        resp = await probe.get("/_probe/whoami", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 401


async def test_inactive_user_refused(probe: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await create_user(session)
    headers = await auth_headers(session, user)
    await session.execute(update(User).where(User.id == user.id).values(is_active=False))
    await session.commit()
    assert (await probe.get("/_probe/whoami", headers=headers)).status_code == 401


async def test_platform_admin(probe: httpx.AsyncClient, session: AsyncSession) -> None:
    plain = await create_user(session)
    admin = await create_user(session, platform_admin=True)
    resp = await probe.get("/_probe/admin", headers=await auth_headers(session, plain))
    assert resp.status_code == 403
    resp = await probe.get("/_probe/admin", headers=await auth_headers(session, admin))
    assert resp.json() == {"id": admin.id}


_FRESH_PROCESS_ME = """
import asyncio, sys
import httpx
from peerpear.config import Settings
from peerpear.main import create_app

async def main() -> None:
    app = create_app(Settings(database_url=sys.argv[1]))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/api/v1/me", headers={"Authorization": sys.argv[2]})
    print(response.status_code, response.json().get("id"))

asyncio.run(main())
"""


async def test_a_fresh_process_serves_its_first_request(
    session: AsyncSession, database_url: str
) -> None:
    """The first request of a new server process finds its user (nothing else has used the
    ORM yet in that process: the benchmark's servers answered 500 to every request once)."""
    user = await create_user(session)
    headers = await auth_headers(session, user)
    # In a thread: the subprocess must not block the event loop the test's database runs on.
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", _FRESH_PROCESS_ME, database_url, headers["Authorization"]],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("PEERPEAR_")},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", str(user.id)], result.stderr

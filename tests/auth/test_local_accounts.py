"""Sign-up, sign-in and sign-out with email and password; cookie and bearer both work."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth import passwords
from peerpear.auth.deps import SESSION_COOKIE
from peerpear.auth.passwords import hash_password
from peerpear.auth.service import SIGNUP_ACCEPTED
from peerpear.models import AuthSession, Identity, IdentityProvider, User
from tests.factories import create_user

PASSWORD = "correct horse battery"
SIGNUP = "/api/v1/auth/signup"
LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"


async def signup(client: httpx.AsyncClient, email: str, **extra: Any) -> httpx.Response:
    body = {"email": email, "password": PASSWORD, "first_name": "Ada", "last_name": "Lovelace"}
    body.update(extra)
    return await client.post(SIGNUP, json=body)


def session_cookie(resp: httpx.Response) -> str:
    header = resp.headers["set-cookie"]
    assert header.startswith(f"{SESSION_COOKIE}=")
    return header.split(";", 1)[0].split("=", 1)[1]


async def test_signup_login_me_logout(client: httpx.AsyncClient, session: AsyncSession) -> None:
    created = await signup(client, "Ada@Example.EDU")
    assert created.status_code == 202, created.text
    assert created.json() == {"message": SIGNUP_ACCEPTED}
    user = await session.scalar(select(User).where(User.email == "ada@example.edu"))
    assert user is not None and (user.first_name, user.last_name) == ("Ada", "Lovelace")

    login = await client.post(LOGIN, json={"email": "ADA@example.edu", "password": PASSWORD})
    assert login.status_code == 200, login.text
    body = login.json()
    assert body["token_type"] == "bearer" and body["user"]["email"] == "ada@example.edu"
    expires_at = datetime.fromisoformat(body["expires_at"])
    expected = datetime.now(UTC) + timedelta(hours=336)
    assert abs((expires_at - expected).total_seconds()) < 60
    cookie_header = login.headers["set-cookie"].lower()
    assert "httponly" in cookie_header and "samesite=lax" in cookie_header
    assert "secure" in cookie_header  # the test environment is not "development"
    assert f"max-age={336 * 3600}" in cookie_header
    token = body["access_token"]
    assert session_cookie(login) == token

    # Only the digest is stored.
    stored = (await session.scalars(select(AuthSession.token_hash))).all()
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64

    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get(ME, headers=bearer)).json()["email"] == "ada@example.edu"
    by_cookie = await client.get(ME, headers={"Cookie": f"{SESSION_COOKIE}={token}"})
    assert by_cookie.status_code == 200 and by_cookie.json()["email"] == "ada@example.edu"

    out = await client.post(LOGOUT, headers=bearer)
    assert out.status_code == 204
    assert f'{SESSION_COOKIE}=""' in out.headers["set-cookie"]
    assert (await client.get(ME, headers=bearer)).status_code == 401
    cookie = {"Cookie": f"{SESSION_COOKIE}={token}"}
    assert (await client.get(ME, headers=cookie)).status_code == 401


async def test_logout_by_cookie(client: httpx.AsyncClient) -> None:
    await signup(client, "c@example.edu")
    token = (
        await client.post(LOGIN, json={"email": "c@example.edu", "password": PASSWORD})
    ).json()["access_token"]
    cookie = {"Cookie": f"{SESSION_COOKIE}={token}"}
    assert (await client.post(LOGOUT, headers=cookie)).status_code == 204
    assert (await client.get(ME, headers={"Authorization": f"Bearer {token}"})).status_code == 401
    # Signing out again, or anonymously, is harmless.
    assert (await client.post(LOGOUT, headers=cookie)).status_code == 204
    assert (await client.post(LOGOUT)).status_code == 204


async def test_signup_does_not_tell_whether_the_email_is_registered(
    client: httpx.AsyncClient, session: AsyncSession, caplog: pytest.LogCaptureFixture
) -> None:
    """Same status and body for a taken address (any case) as for a new one; the existing
    account is left as it was, and the attempt is logged."""
    owner = await create_user(session, "dup@example.edu", password=PASSWORD, first_name="Dee")
    with caplog.at_level(logging.INFO, logger="peerpear.auth"):
        taken = await signup(client, "DUP@Example.edu", password="the intruder's password")
    fresh = await signup(client, "fresh@example.edu")
    assert (taken.status_code, taken.json()) == (fresh.status_code, fresh.json())
    assert taken.status_code == 202 and "user" not in taken.text and "dup@" not in taken.text
    assert "already has an account" in caplog.text

    session.expire_all()
    users = (await session.scalars(select(User).order_by(User.id))).all()
    assert [(u.email, u.first_name) for u in users] == [
        ("dup@example.edu", "Dee"),
        ("fresh@example.edu", "Ada"),
    ]
    identities = await session.scalar(
        select(func.count()).select_from(Identity).where(Identity.user_id == owner.id)
    )
    assert identities == 1
    intruder = {"email": "dup@example.edu", "password": "the intruder's password"}
    assert (await client.post(LOGIN, json=intruder)).status_code == 401
    real = await client.post(LOGIN, json={"email": "dup@example.edu", "password": PASSWORD})
    assert real.status_code == 200


async def test_both_signup_paths_hash_the_password(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The slow part (argon2) runs for a taken address too, so timing does not tell them apart
    (a taken address used to answer 409 at once, without hashing)."""
    await create_user(session, "known@example.edu")
    hashed: list[str] = []
    real_hash = passwords.hash_password

    def counting_hash(password: str) -> str:
        hashed.append(password)
        return real_hash(password)

    monkeypatch.setattr(passwords, "hash_password", counting_hash)
    assert (await signup(client, "known@example.edu")).status_code == 202
    assert hashed == [PASSWORD]
    assert (await signup(client, "unknown@example.edu")).status_code == 202
    assert hashed == [PASSWORD, PASSWORD]


async def test_signup_validation(client: httpx.AsyncClient, session: AsyncSession) -> None:
    short = await signup(client, "s@example.edu", password="short")
    assert short.status_code == 422
    assert short.json()["error"]["code"] == "validation_error"
    assert "at least 10" in short.json()["error"]["message"]
    bad_email = await signup(client, "not-an-email")
    assert bad_email.status_code == 422
    no_name = await signup(client, "n@example.edu", first_name="  ")
    assert no_name.status_code == 422
    assert await session.scalar(select(func.count()).select_from(User)) == 0


async def test_wrong_credentials_one_message(client: httpx.AsyncClient) -> None:
    await signup(client, "w@example.edu")
    wrong_pw = await client.post(LOGIN, json={"email": "w@example.edu", "password": "nope" * 3})
    unknown = await client.post(LOGIN, json={"email": "x@example.edu", "password": PASSWORD})
    assert wrong_pw.status_code == unknown.status_code == 401
    assert wrong_pw.json() == unknown.json()
    assert "set-cookie" not in wrong_pw.headers


async def test_cas_only_user_cannot_use_a_password(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "casonly@example.edu")  # no local identity
    resp = await client.post(LOGIN, json={"email": "casonly@example.edu", "password": PASSWORD})
    assert resp.status_code == 401


async def test_inactive_user_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await create_user(session, "gone@example.edu", password=PASSWORD)
    token = (
        await client.post(LOGIN, json={"email": "gone@example.edu", "password": PASSWORD})
    ).json()["access_token"]
    await session.execute(update(User).where(User.id == user.id).values(is_active=False))
    await session.commit()
    resp = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401
    again = await client.post(LOGIN, json={"email": "gone@example.edu", "password": PASSWORD})
    assert again.status_code == 403
    assert "disabled" in again.json()["error"]["message"]


async def test_weak_hash_is_upgraded_on_login(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    from argon2 import PasswordHasher

    user_id = (await create_user(session, "old@example.edu", password=PASSWORD)).id
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    await session.execute(
        update(Identity).where(Identity.user_id == user_id).values(password_hash=weak)
    )
    await session.commit()
    resp = await client.post(LOGIN, json={"email": "old@example.edu", "password": PASSWORD})
    assert resp.status_code == 200
    session.expire_all()
    stored = await session.scalar(
        select(Identity.password_hash).where(
            Identity.user_id == user_id, Identity.provider == IdentityProvider.LOCAL
        )
    )
    assert stored is not None and stored != weak
    assert stored.split("$")[3] == hash_password("x").split("$")[3]  # today's parameters


class TestLocalAccountsDisabled:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"allow_local_accounts": False}

    async def test_signup_and_login_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await create_user(session, "op@example.edu", password=PASSWORD)
        resp = await signup(client, "new@example.edu")
        assert resp.status_code == 403
        assert "CAS" in resp.json()["error"]["message"]
        login = await client.post(LOGIN, json={"email": "op@example.edu", "password": PASSWORD})
        assert login.status_code == 403


class TestDevelopmentCookie:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"environment": "development", "session_ttl_hours": 2}

    async def test_cookie_not_secure_in_development(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await create_user(session, "dev@example.edu", password=PASSWORD)
        resp = await client.post(LOGIN, json={"email": "dev@example.edu", "password": PASSWORD})
        header = resp.headers["set-cookie"].lower()
        assert "secure" not in header and "max-age=7200" in header
        # The client's jar now holds the cookie and sends it back on its own.
        assert (await client.get(ME)).json()["email"] == "dev@example.edu"


async def test_concurrent_signups_one_wins(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    emails = ["race@example.edu", "RACE@example.edu", "Race@Example.EDU", "race@EXAMPLE.edu"]
    results = await asyncio.gather(*(signup(client, email) for email in emails))
    assert [r.status_code for r in results] == [202] * 4, [r.text for r in results]
    assert len({r.text for r in results}) == 1
    assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_login_purges_the_users_ended_sessions(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await create_user(session, "h@example.edu", password=PASSWORD)
    other = await create_user(session)
    for owner in (user, other):
        await session.execute(
            insert(AuthSession).values(
                user_id=owner.id,
                token_hash=f"{owner.id:064d}",
                expires_at=datetime.now(UTC) - timedelta(days=1),
            )
        )
    await session.commit()
    resp = await client.post(LOGIN, json={"email": "h@example.edu", "password": PASSWORD})
    assert resp.status_code == 200
    owners = (await session.scalars(select(AuthSession.user_id))).all()
    assert sorted(owners) == sorted([user.id, other.id])  # the new one, and the other user's

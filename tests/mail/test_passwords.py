"""Password reset by email, change of password, sign out everywhere: which sessions end, the
link works once and not after it expires, and an unknown address gets the same answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.account import RESET_REQUESTED
from peerpear.db import utcnow
from peerpear.models import AccountToken, MailMessage, User
from tests.factories import auth_headers, create_user
from tests.mail.helpers import PASSWORD, bearer, mail_to, me_status, sign_in, token_in
from tests.mail.smtp_server import SmtpServer

RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
CHANGE = "/api/v1/auth/password"
REVOKE_ALL = "/api/v1/auth/sessions/revoke-all"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any]) -> dict[str, Any]:
    """Two reset requests per address an hour, for the throttle's test."""
    return {**settings_overrides, "password_reset_max_per_email": 2}


async def login_status(client: httpx.AsyncClient, email: str, password: str) -> int:
    answer = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    client.cookies.clear()
    return answer.status_code


async def test_a_reset_link_sets_the_password_once_and_ends_every_session(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer, session: AsyncSession
) -> None:
    await create_user(session, "ada@example.edu", password=PASSWORD, first_name="Ada")
    laptop, phone = (
        await sign_in(client, "ada@example.edu"),
        await sign_in(client, "ada@example.edu"),
    )

    asked = await client.post(RESET, json={"email": "ADA@example.edu"})
    assert asked.status_code == 202 and asked.json() == {"message": RESET_REQUESTED}
    [message] = await mail_to(app, smtp, "ada@example.edu")
    assert message.message["Subject"] == "Reset your PeerPear password"
    assert "http://127.0.0.1:8000/reset-password?token=" in message.part("plain")
    token = token_in(message)
    assert await me_status(client, laptop) == 200  # asking changes nothing yet

    done = await client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 200, done.text
    assert await me_status(client, laptop) == 401 and await me_status(client, phone) == 401
    assert await login_status(client, "ada@example.edu", PASSWORD) == 401
    assert await login_status(client, "ada@example.edu", NEW_PASSWORD) == 200
    # The link proved the address; a notice of the change went out.
    session.expire_all()
    user = await session.scalar(select(User).where(User.email == "ada@example.edu"))
    assert user is not None and user.email_verified_at is not None
    notices = await mail_to(app, smtp, "ada@example.edu")
    assert [m.message["Subject"] for m in notices][1] == "Your PeerPear password was changed"

    reused = await client.post(CONFIRM, json={"token": token, "password": "yet another one!"})
    assert reused.status_code == 422
    assert reused.json()["error"]["details"][0]["loc"] == ["body", "token"]
    assert await login_status(client, "ada@example.edu", NEW_PASSWORD) == 200


async def test_an_expired_reset_link_is_refused(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer, session: AsyncSession
) -> None:
    await create_user(session, "bo@example.edu", password=PASSWORD)
    assert (await client.post(RESET, json={"email": "bo@example.edu"})).status_code == 202
    [message] = await mail_to(app, smtp, "bo@example.edu")
    await session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    await session.commit()

    body = {"token": token_in(message), "password": NEW_PASSWORD}
    refused = await client.post(CONFIRM, json=body)
    assert refused.status_code == 422
    assert await login_status(client, "bo@example.edu", PASSWORD) == 200


async def test_a_short_password_keeps_the_link_usable(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer, session: AsyncSession
) -> None:
    await create_user(session, "cy@example.edu", password=PASSWORD)
    await client.post(RESET, json={"email": "cy@example.edu"})
    [message] = await mail_to(app, smtp, "cy@example.edu")
    short = await client.post(CONFIRM, json={"token": token_in(message), "password": "short"})
    assert short.status_code == 422
    assert short.json()["error"]["details"][0]["loc"] == ["body", "password"]
    ok = await client.post(CONFIRM, json={"token": token_in(message), "password": NEW_PASSWORD})
    assert ok.status_code == 200


async def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer, session: AsyncSession
) -> None:
    await create_user(session, "known@example.edu", password=PASSWORD)
    await create_user(session, "cas-only@example.edu")  # no password: nothing to reset
    known = await client.post(RESET, json={"email": "known@example.edu"})
    for address in ("unknown@example.edu", "cas-only@example.edu", "not even an address"):
        other = await client.post(RESET, json={"email": address})
        assert (other.status_code, other.json()) == (known.status_code, known.json())
    await mail_to(app, smtp, "known@example.edu")
    assert [m.recipients for m in smtp.handler.received] == [["known@example.edu"]]
    assert await session.scalar(select(MailMessage.recipient)) == "known@example.edu"


async def test_reset_requests_are_throttled_per_address_known_or_not(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer, session: AsyncSession
) -> None:
    await create_user(session, "dee@example.edu", password=PASSWORD)
    for address in ("dee@example.edu", "nobody@example.edu"):
        statuses = [
            (await client.post(RESET, json={"email": address})).status_code for _ in range(3)
        ]
        assert statuses == [202, 202, 429], address
    assert len(await mail_to(app, smtp, "dee@example.edu")) == 2


async def test_changing_the_password_ends_the_other_sessions(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer, session: AsyncSession
) -> None:
    await create_user(session, "eve@example.edu", password=PASSWORD)
    here, elsewhere = (
        await sign_in(client, "eve@example.edu"),
        await sign_in(client, "eve@example.edu"),
    )
    wrong = await client.post(
        CHANGE,
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
        headers=bearer(here),
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"][0]["loc"] == ["body", "current_password"]
    assert await me_status(client, elsewhere) == 200

    changed = await client.post(
        CHANGE,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(here),
    )
    assert changed.status_code == 200, changed.text
    assert await me_status(client, here) == 200
    assert await me_status(client, elsewhere) == 401
    assert await login_status(client, "eve@example.edu", PASSWORD) == 401
    assert await login_status(client, "eve@example.edu", NEW_PASSWORD) == 200
    [notice] = await mail_to(app, smtp, "eve@example.edu")
    assert "every other session was signed out" in " ".join(notice.part("plain").split())


async def test_an_account_without_a_password_cannot_change_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await create_user(session, "cas@example.edu")
    answer = await client.post(
        CHANGE,
        json={"current_password": "anything at all", "new_password": NEW_PASSWORD},
        headers=await auth_headers(session, user),
    )
    assert answer.status_code == 409


async def test_sign_out_everywhere_ends_every_session(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "fay@example.edu", password=PASSWORD)
    here, elsewhere = (
        await sign_in(client, "fay@example.edu"),
        await sign_in(client, "fay@example.edu"),
    )
    other = await create_user(session, "gil@example.edu", password=PASSWORD)
    theirs = await sign_in(client, other.email)

    assert (await client.post(REVOKE_ALL)).status_code == 401
    done = await client.post(REVOKE_ALL, headers=bearer(here))
    assert done.status_code == 204
    assert "peerpear_session=" in done.headers["set-cookie"]  # cleared
    assert await me_status(client, here) == 401 and await me_status(client, elsewhere) == 401
    assert await me_status(client, theirs) == 200

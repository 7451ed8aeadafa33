"""Confirming the address of a local account: the link sent at sign-up works once, until it
expires; a new one can be asked for; CAS accounts count as confirmed."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth import cas
from peerpear.auth.sessions import hash_token
from peerpear.db import utcnow
from peerpear.models import AccountToken, MailMessage, User
from tests.conftest import make_settings
from tests.mail.helpers import bearer, mail_to, sign_in, sign_up, token_in
from tests.mail.smtp_server import SmtpServer

VERIFY = "/api/v1/auth/verify-email"
RESEND = "/api/v1/auth/verify-email/resend"


async def verified_at(session: AsyncSession, email: str) -> object:
    session.expire_all()
    return await session.scalar(select(User.email_verified_at).where(User.email == email))


async def test_sign_up_sends_a_link_that_confirms_the_address_once(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer, session: AsyncSession
) -> None:
    await sign_up(client, "ada@example.edu")
    [message] = await mail_to(app, smtp, "ada@example.edu")
    assert message.message["Subject"] == "Confirm your email address for PeerPear"
    assert "http://127.0.0.1:8000/verify-email?token=" in message.part("plain")
    token = token_in(message)
    me = await client.get("/api/v1/me", headers=bearer(await sign_in(client, "ada@example.edu")))
    assert me.json()["email_verified_at"] is None

    confirmed = await client.post(VERIFY, json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["email"] == "ada@example.edu"
    assert confirmed.json()["email_verified_at"] is not None
    assert await verified_at(session, "ada@example.edu") is not None
    # Only the digest is stored; the record of the message shows it sent.
    stored = await session.scalar(select(AccountToken.token_hash))
    assert stored == hash_token(token) != token
    assert await session.scalar(select(MailMessage.status)) == "sent"

    again = await client.post(VERIFY, json={"token": token})
    assert again.status_code == 422
    assert again.json()["error"]["details"][0]["loc"] == ["body", "token"]


async def test_an_expired_or_unknown_link_is_refused(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer, session: AsyncSession
) -> None:
    await sign_up(client, "bo@example.edu")
    [message] = await mail_to(app, smtp, "bo@example.edu")
    await session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    await session.commit()

    expired = await client.post(VERIFY, json={"token": token_in(message)})
    assert expired.status_code == 422
    unknown = await client.post(VERIFY, json={"token": "not-a-token-we-sent"})
    assert unknown.status_code == 422
    assert expired.json()["error"]["message"] == unknown.json()["error"]["message"]
    assert await verified_at(session, "bo@example.edu") is None


async def test_a_new_link_replaces_the_old_one_until_confirmed(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer, session: AsyncSession
) -> None:
    await sign_up(client, "cy@example.edu")
    token = await sign_in(client, "cy@example.edu")
    assert (await client.post(RESEND)).status_code == 401
    resent = await client.post(RESEND, headers=bearer(token))
    assert resent.status_code == 202, resent.text
    first, second = await mail_to(app, smtp, "cy@example.edu")

    assert (await client.post(VERIFY, json={"token": token_in(first)})).status_code == 422
    assert (await client.post(VERIFY, json={"token": token_in(second)})).status_code == 200
    already = await client.post(RESEND, headers=bearer(token))
    assert already.status_code == 409
    assert len(await mail_to(app, smtp, "cy@example.edu")) == 2


async def test_asking_for_links_is_throttled(
    app: FastAPI, client: httpx.AsyncClient, smtp: SmtpServer
) -> None:
    await sign_up(client, "di@example.edu")
    token = await sign_in(client, "di@example.edu")
    statuses = [(await client.post(RESEND, headers=bearer(token))).status_code for _ in range(6)]
    assert statuses == [202] * 5 + [429]
    assert len(await mail_to(app, smtp, "di@example.edu")) == 6  # the sign-up's and 5


async def test_a_cas_sign_in_confirms_the_address(database_url: str, session: AsyncSession) -> None:
    settings = make_settings(database_url, cas_server_url="http://127.0.0.1:9/cas")
    principal = cas.CasPrincipal(user="ev123", attributes={"mail": "ev@example.edu"})
    user = await cas.find_or_create_user(session, settings, principal)
    await session.commit()
    assert user.email_verified_at is not None

"""Helpers of the account-email tests: wait for the app's mail, read the link out of it."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from peerpear.jobs.inprocess import InProcessQueue
from tests.mail.smtp_server import Received, SmtpServer

PASSWORD = "correct horse battery"
TOKEN = re.compile(r"[?&]token=([A-Za-z0-9_-]+)")


async def mail_settles(app: FastAPI) -> None:
    """Wait until the app's job queue has sent what the requests so far queued."""
    queue = app.state.jobs
    assert isinstance(queue, InProcessQueue)
    await queue.idle()


async def mail_to(app: FastAPI, smtp: SmtpServer, address: str) -> list[Received]:
    await mail_settles(app)
    return [m for m in smtp.handler.received if m.recipients == [address]]


def token_in(received: Received) -> str:
    """The token of the one link in the message (the same in both parts)."""
    found = TOKEN.findall(received.part("plain"))
    assert len(found) == 1, received.part("plain")
    assert TOKEN.findall(received.part("html")) == found
    return str(found[0])


async def sign_up(client: httpx.AsyncClient, email: str) -> None:
    answer = await client.post(
        "/api/v1/auth/signup",
        json={"email": email, "password": PASSWORD, "first_name": "Ada", "last_name": "L"},
    )
    assert answer.status_code == 202, answer.text


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """A new session's bearer token (the client's cookie is dropped)."""
    answer = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    client.cookies.clear()
    return str(answer.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def me_status(client: httpx.AsyncClient, token: str) -> int:
    return (await client.get("/api/v1/me", headers=bearer(token))).status_code

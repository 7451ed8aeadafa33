"""PEERPEAR_REQUIRE_VERIFIED_EMAIL: an unconfirmed account can sign in but neither join an
organization nor register for an event, until it follows its link; off, it can."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import EventStatus, EventVisibility, Membership, Registration, User
from tests.conftest import make_settings
from tests.factories import create_event, create_invite, create_organization, create_user
from tests.mail.helpers import bearer, mail_to, sign_in, sign_up, token_in
from tests.mail.smtp_server import SmtpServer


@pytest.fixture(params=[True, False], ids=["required", "not-required"])
def settings_overrides(
    request: pytest.FixtureRequest, settings_overrides: dict[str, Any]
) -> dict[str, Any]:
    return {**settings_overrides, "require_verified_email": request.param}


async def test_joining_and_registering_wait_for_a_confirmed_address(
    app: FastAPI,
    client: httpx.AsyncClient,
    smtp: SmtpServer,
    session: AsyncSession,
    settings_overrides: dict[str, Any],
) -> None:
    required = settings_overrides["require_verified_email"]
    owner = await create_user(session)
    org = await create_organization(session, owner)
    _, code = await create_invite(session, org)
    event = await create_event(
        session, org, status=EventStatus.OPEN, visibility=EventVisibility.PUBLIC
    )
    await sign_up(client, "new@example.edu")
    token = await sign_in(client, "new@example.edu")

    join = await client.post(
        "/api/v1/organizations/join", json={"code": code}, headers=bearer(token)
    )
    register = await client.post(
        f"/api/v1/events/{event.id}/registration", json={}, headers=bearer(token)
    )
    if not required:
        assert (join.status_code, register.status_code) == (200, 201)
        return
    assert join.status_code == 403 and register.status_code == 403
    for refused in (join, register):
        error = refused.json()["error"]
        assert error["details"] == {"reason": "unverified"}
        assert "confirm your email address first" in error["message"]
        assert "new@example.edu" in error["message"]
    user = await session.scalar(select(User).where(User.email == "new@example.edu"))
    assert user is not None
    assert await session.scalar(select(Membership).where(Membership.user_id == user.id)) is None
    assert await session.scalar(select(Registration).where(Registration.user_id == user.id)) is None

    [message] = await mail_to(app, smtp, "new@example.edu")
    confirmed = await client.post("/api/v1/auth/verify-email", json={"token": token_in(message)})
    assert confirmed.status_code == 200
    join = await client.post(
        "/api/v1/organizations/join", json={"code": code}, headers=bearer(token)
    )
    register = await client.post(
        f"/api/v1/events/{event.id}/registration", json={}, headers=bearer(token)
    )
    assert (join.status_code, register.status_code) == (200, 201)


def test_required_by_default_in_production_only() -> None:
    production = make_settings("sqlite://", environment="production")
    assert production.requires_verified_email
    assert not make_settings("sqlite://", environment="development").requires_verified_email
    assert not make_settings("sqlite://").requires_verified_email  # test
    forced = make_settings("sqlite://", require_verified_email=True)
    assert forced.requires_verified_email
    off = make_settings("sqlite://", environment="production", require_verified_email=False)
    assert not off.requires_verified_email

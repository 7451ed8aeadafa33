"""Security headers on every response, no-store where tokens or personal data travel, HSTS in
production only, and the docs pages: served from the app with a CSP that allows exactly what
they load, or switched off entirely."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.main import create_app
from tests.conftest import make_settings
from tests.factories import auth_headers, create_user

PASSWORD = "correct horse battery"
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def _assert_baseline(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_api_responses_carry_the_headers(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await create_user(session)
    headers = await auth_headers(session, user)
    for response in (
        await client.get("/api/v1/me", headers=headers),
        await client.get("/api/v1/me"),  # 401
        await client.get("/api/v1/no-such-route"),  # 404
        await client.get("/health"),
    ):
        _assert_baseline(response)
        assert response.headers["content-security-policy"] == API_CSP
        assert "strict-transport-security" not in response.headers  # not in production
    me = await client.get("/api/v1/me", headers=headers)
    assert me.headers["cache-control"] == "no-store"


async def test_token_responses_are_no_store(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "nostore@example.edu", password=PASSWORD)
    login = await client.post(
        "/api/v1/auth/login", json={"email": "nostore@example.edu", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    assert "access_token" in login.json() and "set-cookie" in login.headers
    assert login.headers["cache-control"] == "no-store"
    _assert_baseline(login)


async def test_a_request_with_credentials_is_no_store_outside_the_api(
    client: httpx.AsyncClient,
) -> None:
    anonymous = await client.get("/health")
    assert "cache-control" not in anonymous.headers
    signed_in = await client.get("/health", headers={"Authorization": "Bearer whatever"})
    assert signed_in.headers["cache-control"] == "no-store"


async def test_unexpected_errors_carry_the_headers(app: FastAPI) -> None:
    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    _assert_baseline(response)
    assert response.headers["cache-control"] == "no-store"


@pytest.fixture
async def production_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(database_url, environment="production"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_hsts_in_production(production_client: httpx.AsyncClient) -> None:
    response = await production_client.get("/health")
    assert response.headers["strict-transport-security"].startswith("max-age=")
    _assert_baseline(response)


def _inline_script_hashes(html: str) -> set[str]:
    return {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    }


def _directives(csp: str) -> dict[str, list[str]]:
    parts = (d.split() for d in csp.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_load_only_their_own_assets(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    _assert_baseline(response)
    csp = _directives(response.headers["content-security-policy"])
    assert csp["default-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    # Every inline script is allowed by its hash, and nothing else inline may run.
    hashes = _inline_script_hashes(response.text)
    assert set(csp["script-src"]) == {"'self'", *hashes}
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    # Every asset the page references is same-origin and served by the app (no CDN).
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets
    for url in assets:
        assert url.startswith("/"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
    spec = re.findall(r"(?:url: '|spec-url=\")([^'\"]+)", response.text)
    assert spec == ["/openapi.json"]
    assert (await client.get(spec[0])).status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"api_docs": False}])
async def test_docs_can_be_turned_off(client: httpx.AsyncClient) -> None:
    for path in ("/docs", "/redoc", "/openapi.json", "/docs-assets/swagger-ui-bundle.js"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    assert (await client.get("/health")).status_code == 200

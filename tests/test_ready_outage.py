"""With PostgreSQL unreachable /ready answers 503 while /health stays 200, and /ready recovers
without a restart. The outage is a proxy we stop, never the real server."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy.engine import make_url

from peerpear.main import create_app
from tests.conftest import make_settings
from tests.db_backends import pg_server_url
from tests.tcp_proxy import TcpProxy, free_port


@pytest.mark.skipif(pg_server_url() is None, reason="PEERPEAR_TEST_DATABASE_URL is not set")
async def test_ready_follows_database_outage_and_recovery() -> None:
    server = make_url(pg_server_url() or "")
    proxy = TcpProxy(server.host or "127.0.0.1", server.port or 5432)
    port = await proxy.start()
    url = server.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    app = create_app(make_settings(url))
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        ):
            assert (await client.get("/ready")).status_code == 200

            await proxy.stop()
            down = await client.get("/ready")
            assert down.status_code == 503
            assert down.json()["error"]["code"] == "service_unavailable"
            assert (await client.get("/health")).status_code == 200

            await proxy.start(port)
            assert (await client.get("/ready")).status_code == 200
    finally:
        await proxy.stop()


async def test_ready_is_503_when_database_port_is_closed() -> None:
    """Works on any machine: nothing listens on a freshly released port."""
    port = free_port()
    app = create_app(make_settings(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/none"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        assert (await client.get("/ready")).status_code == 503
        assert (await client.get("/health")).status_code == 200


@pytest.mark.skipif(pg_server_url() is None, reason="PEERPEAR_TEST_DATABASE_URL is not set")
async def test_restart_while_pool_is_idle_fails_no_request() -> None:
    """Without a ping per checkout, a pooled connection the server closed while idle must still
    never reach a request: the first request after the database comes back succeeds."""
    server = make_url(pg_server_url() or "")
    proxy = TcpProxy(server.host or "127.0.0.1", server.port or 5432)
    port = await proxy.start()
    url = server.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    app = create_app(make_settings(url))
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        ):
            assert (await client.get("/ready")).status_code == 200  # a connection is now pooled

            await proxy.stop()  # cuts the pooled connection; no request sees the outage
            await proxy.start(port)
            await asyncio.sleep(0.05)  # the client side reads the EOF

            assert (await client.get("/ready")).status_code == 200
    finally:
        await proxy.stop()

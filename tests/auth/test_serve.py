"""``peerpear serve`` hands uvicorn the proxies whose X-Forwarded-For it may believe, so the
per-address sign-in limit counts real clients rather than the load balancer."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from peerpear.cli import app
from peerpear.config import get_settings


@pytest.fixture
def captured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    calls: dict[str, Any] = {}
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    monkeypatch.setenv("PEERPEAR_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    monkeypatch.setenv("PEERPEAR_AUTO_MIGRATE", "false")
    monkeypatch.delenv("PEERPEAR_TRUSTED_PROXIES", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.update(kwargs))
    get_settings.cache_clear()
    yield calls
    get_settings.cache_clear()


def test_default_trusts_only_loopback(captured: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert captured["proxy_headers"] is True
    assert captured["forwarded_allow_ips"] == "127.0.0.1"


def test_configured_proxies(captured: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERPEAR_TRUSTED_PROXIES", "10.0.0.0/8,192.0.2.7")
    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert captured["forwarded_allow_ips"] == "10.0.0.0/8,192.0.2.7"
    assert captured["workers"] == 2


@pytest.mark.parametrize("proxies", ["*", "10.0.0.1, *"])
def test_production_refuses_any_proxy(
    captured: dict[str, Any], monkeypatch: pytest.MonkeyPatch, proxies: str
) -> None:
    """With "*", uvicorn takes the leftmost X-Forwarded-For entry, which the client writes: any
    client could name a fresh address per request and escape every per-address limit."""
    monkeypatch.setenv("PEERPEAR_ENVIRONMENT", "production")
    monkeypatch.setenv("PEERPEAR_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("PEERPEAR_TRUSTED_PROXIES", proxies)
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code != 0
    assert "PEERPEAR_TRUSTED_PROXIES cannot be '*' in production" in result.output
    assert captured == {}  # the server never started


def test_any_proxy_outside_production_is_warned_about(
    captured: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("PEERPEAR_TRUSTED_PROXIES", "*")
    with caplog.at_level(logging.WARNING, logger="peerpear.config"):
        result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    warnings = [r.getMessage() for r in caplog.records if r.name == "peerpear.config"]
    assert any("per-address sign-in limits do not hold" in w for w in warnings), warnings

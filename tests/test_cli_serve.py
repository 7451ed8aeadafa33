"""`peerpear serve` alone, in an empty directory, gives a working service on SQLite with every
table created by the migrations."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import peerpear.models  # noqa: F401  (registers every table on Base)
from peerpear.cli import app as cli_app
from peerpear.config import get_settings
from peerpear.db import Base
from tests.tcp_proxy import free_port


def test_serve_on_embedded_default(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERPEAR_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "peerpear.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                time.sleep(0.3)
        assert health is not None and health.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/docs").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)

    db = tmp_path / "peerpear.db"
    assert db.exists()
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_db_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERPEAR_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'ops.db'}")
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str) -> str:
        done = runner.invoke(cli_app, ["db", *args])
        assert done.exit_code == 0, done.output
        return done.output

    try:
        assert "base" in run("current")
        run("upgrade")
        head = run("current").strip()
        assert head and "base" not in head
        run("downgrade", "base")
        assert "base" in run("current")
    finally:
        get_settings.cache_clear()


def test_serve_workers_auto_uses_every_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("PEERPEAR_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    monkeypatch.setenv("PEERPEAR_AUTO_MIGRATE", "false")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        auto = runner.invoke(cli_app, ["serve", "--workers", "auto"])
        assert auto.exit_code == 0, auto.output
        three = runner.invoke(cli_app, ["serve", "--workers", "3"])
        assert three.exit_code == 0, three.output
        for bad in ("0", "many"):
            refused = runner.invoke(cli_app, ["serve", "--workers", bad])
            assert refused.exit_code == 2 and "auto" in refused.output
    finally:
        get_settings.cache_clear()
    assert [call["workers"] for call in calls] == [len(os.sched_getaffinity(0)), 3]

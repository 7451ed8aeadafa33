"""``peerpear users create`` on a fresh SQLite database (migrated first, as `serve` does)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from peerpear.auth.passwords import verify_password
from peerpear.cli import app
from peerpear.config import get_settings

runner = CliRunner()
PASSWORD = "operator password 1"


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("PEERPEAR_ALLOW_LOCAL_ACCOUNTS", "PEERPEAR_AUTO_MIGRATE"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "ops.db"
    monkeypatch.setenv("PEERPEAR_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute(sql))


def test_create_platform_admin(db_file: Path) -> None:
    result = runner.invoke(
        app,
        [
            "users", "create", "--email", "Root@Example.EDU", "--password", PASSWORD,
            "--first-name", "Ops", "--last-name", "Person", "--platform-admin",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "root@example.edu" in result.output
    users = rows(db_file, "SELECT email, first_name, last_name, is_platform_admin FROM users")
    assert users == [("root@example.edu", "Ops", "Person", 1)]
    # The operator vouches for the address: it counts as confirmed.
    [(verified_at,)] = rows(db_file, "SELECT email_verified_at FROM users")
    assert verified_at is not None
    [(provider, subject, password_hash)] = rows(
        db_file, "SELECT provider, subject, password_hash FROM identities"
    )
    assert (provider, subject) == ("local", "root@example.edu")
    assert isinstance(password_hash, str) and verify_password(password_hash, PASSWORD)

    again = runner.invoke(
        app, ["users", "create", "--email", "ROOT@example.edu", "--password", PASSWORD]
    )
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert len(rows(db_file, "SELECT id FROM users")) == 1


def test_password_prompt_and_policy(db_file: Path) -> None:
    short = runner.invoke(app, ["users", "create", "--email", "a@example.edu", "--password", "x"])
    assert short.exit_code == 2 and "at least" in short.output
    prompted = runner.invoke(
        app, ["users", "create", "--email", "a@example.edu"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert prompted.exit_code == 0, prompted.output
    [(password_hash,)] = rows(db_file, "SELECT password_hash FROM identities")
    assert isinstance(password_hash, str) and verify_password(password_hash, PASSWORD)
    assert rows(db_file, "SELECT is_platform_admin FROM users") == [(0,)]


def test_cas_only_and_bad_email(db_file: Path) -> None:
    bad = runner.invoke(app, ["users", "create", "--email", "nope", "--no-password"])
    assert bad.exit_code == 2 and "invalid email" in bad.output
    ok = runner.invoke(app, ["users", "create", "--email", "c@example.edu", "--no-password"])
    assert ok.exit_code == 0, ok.output
    assert rows(db_file, "SELECT email FROM users") == [("c@example.edu",)]
    assert rows(db_file, "SELECT id FROM identities") == []


def test_unmigrated_database_is_a_clear_error(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEERPEAR_AUTO_MIGRATE", "false")
    get_settings.cache_clear()
    result = runner.invoke(app, ["users", "create", "--email", "u@example.edu", "--no-password"])
    assert result.exit_code == 1
    assert "peerpear db upgrade" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_uses_the_sign_up_password_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """One password rule: the CLI checks passwords with the service's policy, not a copy."""
    from peerpear.auth import service
    from peerpear.cli_support import check_password_length
    from peerpear.errors import ValidationFailed
    from tests.conftest import make_settings

    settings = make_settings("sqlite://")

    def no_spaces(password: str, _settings: object) -> None:
        if " " in password:
            raise ValidationFailed("password must not contain spaces")

    monkeypatch.setattr(service, "check_password_policy", no_spaces)
    with pytest.raises(typer.Exit) as exited:
        check_password_length(settings, "a long password with spaces")
    assert exited.value.exit_code == 2
    check_password_length(settings, "x")  # the stand-in policy allows short ones


def test_password_length_message_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    from peerpear.cli_support import check_password_length
    from tests.conftest import make_settings

    settings = make_settings("sqlite://")
    with pytest.raises(typer.Exit):
        check_password_length(settings, "short", "--password")
    assert "error: --password must be at least 10 characters" in capsys.readouterr().err
    check_password_length(settings, "long enough!")

"""`peerpear db upgrade|downgrade|current` with a bad configuration: the reason and exit 2, no
traceback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from peerpear.cli import app as cli_app
from peerpear.config import get_settings


@pytest.fixture
def bad_configuration(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Production without a secret key is refused by the settings.
    monkeypatch.setenv("PEERPEAR_ENVIRONMENT", "production")
    monkeypatch.delenv("PEERPEAR_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("args", [["upgrade"], ["downgrade", "base"], ["current"]])
def test_db_commands_report_a_bad_configuration(bad_configuration: None, args: list[str]) -> None:
    done = CliRunner().invoke(cli_app, ["db", *args])
    assert done.exit_code == 2, done.output
    assert not isinstance(done.exception, ValueError)  # handled, not a crash
    assert "Traceback" not in done.output
    assert done.output.startswith("error: invalid configuration")
    assert "PEERPEAR_SECRET_KEY" in done.output


def test_bad_configuration_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PEERPEAR_LOG_FORMAT", "xml")
    get_settings.cache_clear()
    try:
        done = CliRunner().invoke(cli_app, ["db", "current"])
    finally:
        get_settings.cache_clear()
    assert done.exit_code == 2
    lines = done.output.strip().splitlines()
    assert len(lines) == 1, done.output
    assert lines[0].startswith("error: invalid configuration: PEERPEAR_LOG_FORMAT:")

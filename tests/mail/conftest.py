"""Fixtures of the mail tests: a loopback SMTP server, and the app sending through it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.mail.smtp_server import SmtpServer, smtp_server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def settings_overrides(smtp: SmtpServer, tmp_path: Path) -> dict[str, Any]:
    # Retries due at once and no periodic pass: a test runs each attempt itself.
    return {
        **smtp.settings(),
        "mail_retry_seconds": 0,
        "mail_check_seconds": 0,
        "mail_outbox_dir": tmp_path / "outbox",
    }

"""Every setting is documented in both README.md and .env.example."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from peerpear.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    env_example = (ROOT / ".env.example").read_text()
    for name in Settings.model_fields:
        variable = f"PEERPEAR_{name.upper()}"
        assert variable in readme, f"{variable} missing from README.md"
        assert variable in env_example, f"{variable} missing from .env.example"


def test_a_retired_variable_is_refused_with_its_replacement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # PEERPEAR_LOGIN_MAX_FAILURES once locked an account after 5 failures from anywhere; an
    # operator who still sets it must learn that it no longer applies, not be ignored.
    monkeypatch.setenv("PEERPEAR_LOGIN_MAX_FAILURES", "3")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "PEERPEAR_LOGIN_MAX_FAILURES is no longer read" in str(refused.value)
    assert "PEERPEAR_LOGIN_MAX_FAILURES_PER_NETWORK" in str(refused.value)
    monkeypatch.delenv("PEERPEAR_LOGIN_MAX_FAILURES")
    assert Settings().login_max_failures_per_network >= 1

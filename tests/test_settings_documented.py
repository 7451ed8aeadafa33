"""Every setting is documented in both README.md and .env.example."""

from __future__ import annotations

from pathlib import Path

from peerpear.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    env_example = (ROOT / ".env.example").read_text()
    for name in Settings.model_fields:
        variable = f"PEERPEAR_{name.upper()}"
        assert variable in readme, f"{variable} missing from README.md"
        assert variable in env_example, f"{variable} missing from .env.example"

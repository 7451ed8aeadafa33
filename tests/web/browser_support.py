"""What the browser tests share: Debian's Chromium (never a downloaded browser), the skip when
it is absent, screenshots on request, the phone-width check and the console watcher."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pytest
from playwright.async_api import ConsoleMessage, Page

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does)",
)


def screenshot(name: str) -> Path | None:
    """Where to save a screenshot, with ``PEERPEAR_SCREENSHOTS=1`` (the README shows them)."""
    if os.environ.get("PEERPEAR_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name


async def fits_width(page: Page) -> bool:
    """Whether the page needs no sideways scrolling at its viewport's width."""
    width: int = await page.evaluate("document.documentElement.scrollWidth")
    return width <= page.viewport_size["width"] if page.viewport_size else False


def problems_of(page: Page, problems: list[str], expected: Iterable[int] = (422,)) -> None:
    """Collect into ``problems`` what the page logs as an error or warning (a CSP violation, a
    failed load, a script error), except the statuses of forms refused on purpose."""
    allowed = [f"status of {code}" for code in expected]

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") and not any(a in message.text for a in allowed):
            problems.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

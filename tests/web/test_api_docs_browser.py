"""The API docs in Chromium load everything from the app itself: Swagger UI and ReDoc render,
every request the page makes (scripts, styles, fonts, images, the schema, workers) is to the
server's own origin, and nothing is refused by the pages' CSP. tests/test_security_headers.py
checks the HTML; this checks what the scripts fetch once they run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import ConsoleMessage, Request, async_playwright

from peerpear import migrate
from peerpear.main import create_app
from tests.conftest import make_settings
from tests.db_backends import sqlite_url
from tests.web.browser_support import CHROMIUM
from tests.web.live_server import serving

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does)",
)


@pytest.fixture
async def live_url(tmp_path: Path) -> AsyncIterator[str]:
    url = sqlite_url(tmp_path)
    await migrate.upgrade_async(url)
    with serving(create_app(make_settings(url, environment="development"))) as base_url:
        yield base_url


@pytest.mark.parametrize(
    ("path", "rendered"),
    [("/docs", ".swagger-ui .info .title"), ("/redoc", "redoc-wrap, .redoc-wrap")],
)
async def test_the_api_docs_load_nothing_from_elsewhere(
    live_url: str, path: str, rendered: str
) -> None:
    requested: list[str] = []
    problems: list[str] = []

    def on_request(request: Request) -> None:
        requested.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":  # a CSP refusal or a failed load is logged as an error
            problems.append(message.text)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = await browser.new_page()
            page.on("request", on_request)
            page.on("console", on_console)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            await page.goto(live_url + path)
            await page.locator(rendered).first.wait_for()
            assert "PeerPear" in await page.locator(rendered).first.inner_text()
            await page.wait_for_load_state("networkidle")
        finally:
            await browser.close()
    elsewhere = [url for url in requested if not url.startswith((live_url + "/", "data:", "blob:"))]
    assert not elsewhere, f"requests to other origins: {elsewhere}"
    assert f"{live_url}/openapi.json" in requested
    assert not problems, problems

"""A browser asking for an address that is no page gets the console's 404 page, while the API
and non-browser clients keep the JSON error; HEAD on console pages answers as GET, bodiless."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.web.pages import CONSOLE_CSP
from tests.factories import create_user
from tests.web.helpers import PASSWORD, browser, sign_in

__all__ = ["browser"]

# What a browser sends when it navigates to an address.
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


async def test_a_browser_gets_the_console_404_page(browser: httpx.AsyncClient) -> None:
    missing = await browser.get("/no-such-page/really", headers=HTML)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert missing.headers["content-security-policy"] == CONSOLE_CSP
    assert "<title>Page not found · PeerPear</title>" in missing.text
    assert '<main id="main"' in missing.text  # the base layout, with its navigation
    assert '<a href="/sign-in"' in missing.text and "Back to PeerPear" in missing.text


async def test_the_404_page_knows_who_is_signed_in(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_user(session, "lost@example.edu", password=PASSWORD)
    assert (await sign_in(browser, "lost@example.edu")).status_code == 303
    missing = await browser.get("/evnets", headers=HTML)
    assert missing.status_code == 404
    assert "Sign out" in missing.text and "Signed in as lost@example.edu" in missing.text
    assert '<a href="/events">Back to your events</a>' in missing.text


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/no-such-thing", HTML),  # the API's paths, whatever the client accepts
        ("/api", HTML),
        ("/no-such-page", {"Accept": "application/json"}),  # a script, not a browser
        ("/no-such-page", {"Accept": "*/*"}),
        ("/static/no-such-file.css", {"Accept": "text/css,*/*;q=0.1"}),
    ],
)
async def test_the_api_and_other_clients_keep_the_json_404(
    browser: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    missing = await browser.get(path, headers=headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/json"
    assert missing.json()["error"]["code"] == "not_found"


async def test_head_answers_a_page_like_get_without_the_body(browser: httpx.AsyncClient) -> None:
    got = await browser.get("/sign-in")
    head = await browser.head("/sign-in")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-security-policy"] == CONSOLE_CSP
    assert head.headers["content-length"] == str(len(got.content))


async def test_head_follows_the_pages_own_rules(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    anonymous = await browser.head("/events")
    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/sign-in?next=/events")
    missing = await browser.head("/no-such-page", headers=HTML)
    assert (missing.status_code, missing.content) == (404, b"")
    assert missing.headers["content-type"].startswith("text/html")
    await create_user(session, "head@example.edu", password=PASSWORD)
    assert (await sign_in(browser, "head@example.edu")).status_code == 303
    events = await browser.head("/events")
    assert (events.status_code, events.content) == (200, b"")
    css = await browser.head("/static/console.css")  # the static files did HEAD already
    assert css.status_code == 200 and int(css.headers["content-length"]) > 0


async def test_head_on_the_api_is_unchanged(browser: httpx.AsyncClient) -> None:
    # The API answers only the methods it documents.
    refused = await browser.head("/api/v1/me")
    assert refused.status_code == 405
    assert "HEAD" not in refused.headers["allow"]
    # POST-only console routes still refuse GET (and HEAD) with 405.
    assert (await browser.head("/sign-out")).status_code == 405

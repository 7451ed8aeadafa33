"""Console pages in tests: the CSRF token a page's forms carry, a cookie-keeping client, and
signing in through the sign-in form."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_token_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


PASSWORD = "correct horse battery"


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client over https (the test settings mark cookies Secure)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as c:
        yield c


async def sign_in(
    browser: httpx.AsyncClient, email: str, password: str = PASSWORD, **extra: str
) -> httpx.Response:
    form_page = await browser.get("/sign-in")
    fields = {"csrf_token": csrf_token_of(form_page.text), "email": email, "password": password}
    return await browser.post("/sign-in", data={**fields, **extra})

"""Reading console pages in tests: the CSRF token a page's forms carry."""

from __future__ import annotations

import re

_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_token_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)

"""Rendering console pages: one Jinja2 environment over ``web/templates``, autoescaped.

Plain Jinja2 (no web framework here), so it renders the same in a route or a test.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

# What console pages may load and run: only files of this app (the CSS and JS under /static),
# no inline script or style, no plugins, not framed, forms posting only back here.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def _when(value: datetime | None) -> str:
    """A date and time as people read it, in UTC (the server does not know the reader's zone)."""
    if value is None:
        return "no deadline"
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%a %d %b %Y, %H:%M UTC")


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("peerpear.web", "templates"),
        autoescape=select_autoescape(["html"]),
        # A misspelt variable fails the render (and the test) instead of printing nothing.
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)

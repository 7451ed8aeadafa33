"""Accessibility checks of console pages in Chromium: axe-core's rules plus the phone-width rule.

axe-core is the copy the ``axe-playwright-python`` dev dependency ships (``axe.min.js``); it is
run with Playwright's ``page.evaluate``, which the DevTools protocol executes outside the page's
Content-Security-Policy, so the console's ``script-src 'self'`` needs no exception (and no
``bypass_csp``) for the test.

To check more pages (the organizer pages, say), sign a Playwright page in and call
:func:`audit` with their paths::

    problems = await audit(page, base_url, ["/organizations", f"/manage/events/{event_id}"])
    assert not problems, "\\n".join(problems)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from playwright.async_api import Page

# What fails a test: axe rates each violation minor, moderate, serious or critical.
FAILING_IMPACTS = frozenset({"serious", "critical"})
# The WCAG 2.x A and AA rules and axe's best practices (landmarks, heading order, ...).
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@dataclass(frozen=True)
class Viewport:
    name: str
    width: int
    height: int


DESKTOP = Viewport("desktop", 1280, 800)
PHONE = Viewport("phone", 375, 667)  # the narrowest the console promises to fit
VIEWPORTS = (DESKTOP, PHONE)


@cache
def _axe_source() -> str:
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def _describe(violation: dict[str, Any]) -> str:
    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
    return (
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"on {', '.join(targets[:5])}{' ...' if len(targets) > 5 else ''} "
        f"[{violation['helpUrl'].split('?')[0]}]"
    )


async def violations(page: Page) -> list[str]:
    """The serious and critical axe violations on the page as it is now, one line each."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(_axe_source())
    results: dict[str, Any] = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        RULE_TAGS,
    )
    return [_describe(v) for v in results["violations"] if v["impact"] in FAILING_IMPACTS]


async def scrolls_sideways(page: Page) -> bool:
    """Whether the page is wider than the window (a phone reader would scroll sideways)."""
    overflow: bool = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    return overflow


async def check_current(page: Page, viewport: Viewport, label: str) -> list[str]:
    """The problems of the page as it is now at ``viewport`` (it is resized to it first)."""
    await page.set_viewport_size({"width": viewport.width, "height": viewport.height})
    problems = [f"{label} at {viewport.name}: {found}" for found in await violations(page)]
    if viewport.width <= PHONE.width and await scrolls_sideways(page):
        problems.append(f"{label} at {viewport.name}: wider than the screen (scrolls sideways)")
    return problems


async def audit(
    page: Page,
    base_url: str,
    paths: Iterable[str],
    *,
    viewports: Sequence[Viewport] = VIEWPORTS,
) -> list[str]:
    """Visit each path (as whoever ``page`` is signed in as) and check it at each viewport; the
    problems found, each naming its page and viewport (empty when all is well)."""
    problems: list[str] = []
    for path in paths:
        await page.goto(base_url + path)
        if page.url != base_url + path:  # sent elsewhere (to sign in, say): not the page meant
            problems.append(f"{path}: the browser ended at {page.url}, not checked")
            continue
        for viewport in viewports:
            problems += await check_current(page, viewport, path)
    return problems

"""The organizer's analytics page over HTTP, on both databases: the analytics service's numbers
as server-side SVG charts (bars per option, columns per scale value, registrations over time,
roles), read back from the markup, with their tables; the empty state."""

from __future__ import annotations

import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import EventStatus, QuestionType, RegistrationRole, RoleScheme
from tests.factories import (
    create_event,
    create_organization,
    create_question,
    create_registration,
    create_user,
)
from tests.web.helpers import PASSWORD, browser, sign_in

__all__ = ["browser"]  # the fixture

_FIGURE = re.compile(r'<figure class="chart-figure">(.*?)</figure>', re.S)
_MARK = re.compile(
    r'<g class="chart-(?:row|column|point)"><title>(.*?): (\d+)</title>.*?'
    r'<text class="chart-value"[^>]*>(\d+)</text>',
    re.S,
)


def charts_of(html: str) -> dict[str, list[tuple[str, int]]]:
    """Each chart's heading → its marks (label, the count printed next to the mark)."""
    found: dict[str, list[tuple[str, int]]] = {}
    for figure in _FIGURE.findall(html):
        heading = re.search(r'class="chart-heading">(.*?)</h3>', figure)
        assert heading is not None
        marks = []
        for label, titled, printed in _MARK.findall(figure):
            assert titled == printed, f"{label}: the title says {titled}, the mark {printed}"
            marks.append((label, int(printed)))
        assert "<svg" in figure and 'role="img"' in figure and "<table" in figure
        found[heading.group(1)] = marks
    return found


async def test_the_charts_show_the_analytics(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await create_user(session, "owner@example.edu", password=PASSWORD)
    club = await create_organization(session, owner, name="Chess Club")
    event = await create_event(
        session, club, status=EventStatus.OPEN, role_scheme=RoleScheme.BIG_LITTLE
    )
    drink = await create_question(
        session, event, prompt="Tea <or> coffee?", options=["Tea", "Coffee", "Water"]
    )
    social = await create_question(
        session, event, type=QuestionType.SCALE, prompt="How social?", position=1
    )
    await create_question(session, event, type=QuestionType.TEXT, prompt="Hobbies", position=2)
    picks = [("Tea", 4, RegistrationRole.BIG), ("Tea", 4, RegistrationRole.LITTLE),
             ("Coffee", 2, RegistrationRole.BIG)]  # fmt: skip
    for n, (pick, level, role) in enumerate(picks):
        person = await create_user(session, f"p{n}@example.edu")
        await create_registration(
            session, event, person, role=role, answers={drink: pick, social: level},
            is_complete=n < 2,
        )  # fmt: skip
    await sign_in(browser, "owner@example.edu")
    page = await browser.get(f"/manage/events/{event.id}/analytics")
    assert page.status_code == 200
    assert "style=" not in page.text  # the CSP forbids inline styles: classes only
    assert '<dd id="total-registrations">3</dd>' in page.text
    assert '<dd id="total-complete">2</dd>' in page.text
    charts = charts_of(page.text)
    assert charts["Tea &lt;or&gt; coffee?"] == [("Tea", 2), ("Coffee", 1), ("Water", 0)]
    assert charts["How social?"] == [("1", 0), ("2", 1), ("3", 0), ("4", 2), ("5", 0)]
    assert "Mean: 3.33." in page.text
    assert charts["Role balance"] == [("Big", 2), ("Little", 1), ("Either", 0)]
    (day,) = charts["Registrations per day"]
    assert day[1] == 3 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day[0])
    assert "Registrations so far" not in charts  # one day is no line
    # The text question has no chart, only its answer count.
    assert "Hobbies" in page.text and "Hobbies" not in charts
    # The tables carry the same numbers.
    assert re.search(r'<th scope="row">Coffee</th><td>1</td>', page.text)


async def test_no_registrations_is_an_empty_state(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await create_user(session, "owner@example.edu", password=PASSWORD)
    club = await create_organization(session, owner, name="Chess Club")
    event = await create_event(session, club, status=EventStatus.OPEN)
    await sign_in(browser, "owner@example.edu")
    page = await browser.get(f"/manage/events/{event.id}/analytics")
    assert page.status_code == 200
    assert "Nobody has registered yet" in page.text and "<svg" not in page.text

"""The organizer's pair rules page over HTTP, on both databases: the rules by name, adding one
for two or more chosen people (every pair among them), removing one, and refusals (a person not
registered, a pair both must-pair and never-pair, too few people) back on the page with 422 and
nothing saved."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import (
    Event,
    EventStatus,
    PairRule,
    PairRuleKind,
    User,
)
from tests.factories import create_event, create_organization, create_registration, create_user
from tests.web.helpers import PASSWORD, browser, csrf_token_of, sign_in

__all__ = ["browser"]  # the fixture

Rules = set[tuple[PairRuleKind, int, int]]


async def _world(session: AsyncSession) -> tuple[Event, list[User], User]:
    """An open event with three registered people, and a member of nobody's event (Zed)."""
    owner = await create_user(session, "owner@example.edu", password=PASSWORD)
    club = await create_organization(session, owner, name="Chess Club")
    event = await create_event(session, club, status=EventStatus.OPEN, title="Spring pairs")
    people = []
    for first in ("Ada", "Bob", "Cy"):
        person = await create_user(session, f"{first.lower()}@example.edu", first_name=first,
                                   last_name="Pear")  # fmt: skip
        await create_registration(session, event, person)
        people.append(person)
    zed = await create_user(session, "zed@example.edu", first_name="Zed", last_name="Stranger")
    return event, people, zed


async def _rules(session: AsyncSession, event: Event) -> Rules:
    rows = await session.scalars(
        select(PairRule)
        .where(PairRule.event_id == event.id)
        .execution_options(populate_existing=True)
    )
    return {(rule.kind, rule.user_a_id, rule.user_b_id) for rule in rows}


def _pair(kind: PairRuleKind, one: User, other: User) -> tuple[PairRuleKind, int, int]:
    return (kind, min(one.id, other.id), max(one.id, other.id))


async def test_adding_and_removing_rules(browser: httpx.AsyncClient, session: AsyncSession) -> None:
    event, (ada, bob, cy), _ = await _world(session)
    await sign_in(browser, "owner@example.edu")
    url = f"/manage/events/{event.id}/rules"
    page = await browser.get(url)
    assert page.status_code == 200
    assert "No must pair rules." in page.text and "No never pair rules." in page.text
    assert f'name="user_id" value="{ada.id}"' in page.text and "Ada Pear" in page.text
    token = csrf_token_of(page.text)
    refused = await browser.post(url, data={"kind": "must_pair", "user_id": [ada.id, bob.id]})
    assert refused.status_code == 403 and await _rules(session, event) == set()
    # Three people who must be together: a rule for each pair among them.
    added = await browser.post(
        url, data={"csrf_token": token, "kind": "must_pair", "user_id": [ada.id, bob.id, cy.id]}
    )
    assert (added.status_code, added.headers["location"]) == (303, url)
    must = PairRuleKind.MUST_PAIR
    assert await _rules(session, event) == {
        _pair(must, ada, bob), _pair(must, ada, cy), _pair(must, bob, cy)
    }  # fmt: skip
    shown = await browser.get(url)
    assert "The rule is added." in shown.text and "Must pair (3)" in shown.text
    assert 'Remove<span class="visually-hidden"> the rule for Ada Pear and Bob Pear' in shown.text
    removed = await browser.post(
        url + "/remove",
        data={"csrf_token": token, "kind": "must_pair", "user_id": [bob.id, ada.id]},
    )
    assert removed.status_code == 303
    assert await _rules(session, event) == {_pair(must, ada, cy), _pair(must, bob, cy)}
    assert "The rule is removed." in (await browser.get(url)).text


async def test_refused_rules_come_back_with_the_reason(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    event, (ada, bob, _), zed = await _world(session)
    await sign_in(browser, "owner@example.edu")
    url = f"/manage/events/{event.id}/rules"
    token = csrf_token_of((await browser.get(url)).text)
    await browser.post(
        url, data={"csrf_token": token, "kind": "must_pair", "user_id": [ada.id, bob.id]}
    )
    before = await _rules(session, event)
    assert len(before) == 1
    # Both must-pair and never-pair: refused by the service, the people named.
    conflict = await browser.post(
        url, data={"csrf_token": token, "kind": "never_pair", "user_id": [ada.id, bob.id]}
    )
    assert conflict.status_code == 422
    assert "Nothing was saved" in conflict.text
    assert "Ada Pear and Bob Pear are both must-pair and never-pair" in conflict.text
    # The choices are kept.
    assert f'value="{ada.id}" checked' in conflict.text
    assert 'value="never_pair" checked' in conflict.text
    # Someone who is not registered (a form sent by hand, or they withdrew meanwhile).
    stranger = await browser.post(
        url, data={"csrf_token": token, "kind": "never_pair", "user_id": [ada.id, zed.id]}
    )
    assert stranger.status_code == 422
    assert f"User {zed.id} is not registered for the event" in stranger.text
    one = await browser.post(url, data={"csrf_token": token, "kind": "never_pair",
                                        "user_id": [ada.id]})  # fmt: skip
    assert one.status_code == 422 and "Choose at least two people." in one.text
    no_kind = await browser.post(url, data={"csrf_token": token, "user_id": [ada.id, bob.id]})
    assert no_kind.status_code == 422 and "must or must never" in no_kind.text
    assert await _rules(session, event) == before


async def test_rules_are_fixed_once_published(
    browser: httpx.AsyncClient, session: AsyncSession
) -> None:
    event, (ada, bob, _), _ = await _world(session)
    event.status = EventStatus.PUBLISHED
    await session.commit()
    await sign_in(browser, "owner@example.edu")
    url = f"/manage/events/{event.id}/rules"
    token = csrf_token_of((await browser.get(url)).text)
    refused = await browser.post(
        url, data={"csrf_token": token, "kind": "must_pair", "user_id": [ada.id, bob.id]}
    )
    assert refused.status_code == 409 and "unpublish it first" in refused.text
    assert await _rules(session, event) == set()

"""Questions: the four types and their fields, the freezing rules by event status, reorder,
copy, and what students see."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import EventStatus, QuestionType
from tests.events.helpers import make_club
from tests.factories import create_event, create_question

VALID: list[dict[str, Any]] = [
    {"type": "text", "prompt": "Tell us about yourself", "help_text": "A few lines"},
    {"type": "single_choice", "prompt": "Year?", "options": ["2027", "2028"], "weight": 2},
    {"type": "multi_choice", "prompt": "Hobbies", "options": ["Hiking"], "mode": "different"},
    {"type": "scale", "prompt": "Introvert 1..7", "scale_min": 1, "scale_max": 7},
]
INVALID = [
    {"type": "text", "prompt": "x", "options": ["a"]},  # options on a text question
    {"type": "single_choice", "prompt": "x"},  # no options
    {"type": "single_choice", "prompt": "x", "options": []},
    {"type": "single_choice", "prompt": "x", "options": ["Tea", "Tea"]},  # not distinct
    {"type": "single_choice", "prompt": "x", "options": ["Tea", " Tea"]},  # not trimmed
    {"type": "single_choice", "prompt": "x", "options": ["  "]},
    {"type": "single_choice", "prompt": "x", "options": [""]},
    {"type": "multi_choice", "prompt": "x", "options": [f"o{i}" for i in range(51)]},
    {"type": "scale", "prompt": "x", "scale_min": 5, "scale_max": 5},
    {"type": "scale", "prompt": "x", "scale_min": 1},
    {"type": "text", "prompt": "x", "weight": -1},
    {"type": "text", "prompt": "x", "mode": "opposite"},
    {"type": "essay", "prompt": "x"},
    {"type": "text", "prompt": "   "},
]


async def _draft(session: AsyncSession) -> tuple[Any, Any]:
    club = await make_club(session)
    return club, await create_event(session, club.org)


@pytest.mark.parametrize("body", VALID, ids=[b["type"] for b in VALID])
async def test_create_each_type(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any]
) -> None:
    club, event = await _draft(session)
    resp = await client.post(
        f"/api/v1/events/{event.id}/questions", json=body, headers=club.owner_headers
    )
    assert resp.status_code == 201, resp.text
    out = resp.json()
    assert out["type"] == body["type"] and out["position"] == 0
    if body["type"] == "single_choice":
        assert out["options"] == ["2027", "2028"]
        assert out["weight"] == 2
    if body["type"] == "scale":
        assert (out["scale_min"], out["scale_max"], out["options"]) == (1, 7, None)
    if body["type"] == "text":
        assert out["help_text"] == "A few lines" and out["options"] is None


@pytest.mark.parametrize("body", INVALID)
async def test_invalid_questions_are_422(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any]
) -> None:
    club, event = await _draft(session)
    resp = await client.post(
        f"/api/v1/events/{event.id}/questions", json=body, headers=club.owner_headers
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["code"] == "validation_error"


async def test_frozen_once_open_weight_and_mode_until_published(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await make_club(session)
    for status in EventStatus:
        event = await create_event(session, club.org, status=status)
        question = await create_question(session, event)
        url = f"/api/v1/questions/{question.id}"
        wording = await client.patch(url, json={"prompt": "New?"}, headers=club.owner_headers)
        options = await client.patch(url, json={"options": ["A", "B"]}, headers=club.owner_headers)
        kind = await client.patch(url, json={"type": "text"}, headers=club.owner_headers)
        weight = await client.patch(
            url, json={"weight": 3, "mode": "different"}, headers=club.owner_headers
        )
        unchanged = await client.patch(
            url, json={"prompt": question.prompt}, headers=club.owner_headers
        )
        add = await client.post(
            f"/api/v1/events/{event.id}/questions",
            json={"type": "text", "prompt": "More?"},
            headers=club.owner_headers,
        )
        delete = await client.delete(url, headers=club.owner_headers)
        draft = status is EventStatus.DRAFT
        for resp in (wording, options, kind):
            assert resp.status_code == (200 if draft else 409), (status, resp.text)
        assert unchanged.status_code == 200  # sending the current value is not a change
        settings_ok = status in (EventStatus.DRAFT, EventStatus.OPEN, EventStatus.CLOSED)
        assert weight.status_code == (200 if settings_ok else 409), (status, weight.text)
        assert add.status_code == (201 if draft else 409)
        assert delete.status_code == (204 if draft else 409)
        if not draft:
            assert wording.json()["error"]["code"] == "invalid_state"
            assert "prompt" in wording.json()["error"]["message"]


async def test_changing_type_must_give_a_whole_question(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club, event = await _draft(session)
    question = await create_question(session, event, type=QuestionType.TEXT)
    url = f"/api/v1/questions/{question.id}"
    missing = await client.patch(url, json={"type": "scale"}, headers=club.owner_headers)
    assert missing.status_code == 422
    extra = await client.patch(url, json={"options": ["A"]}, headers=club.owner_headers)
    assert extra.status_code == 422  # options on a text question
    ok = await client.patch(
        url, json={"type": "scale", "scale_min": 0, "scale_max": 10}, headers=club.owner_headers
    )
    assert ok.status_code == 200, ok.text
    back = await client.patch(
        url, json={"type": "single_choice", "options": ["Y", "N"]}, headers=club.owner_headers
    )
    assert back.status_code == 200
    assert (back.json()["scale_min"], back.json()["options"]) == (None, ["Y", "N"])


async def test_reorder(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club, event = await _draft(session)
    qs = [await create_question(session, event, position=i) for i in range(3)]
    url = f"/api/v1/events/{event.id}/questions"
    order = [qs[2].id, qs[0].id, qs[1].id]
    resp = await client.put(
        url + "/order", json={"question_ids": order}, headers=club.owner_headers
    )
    assert resp.status_code == 200, resp.text
    listed = (await client.get(url, headers=club.owner_headers)).json()["items"]
    assert [q["id"] for q in listed] == order
    assert [q["position"] for q in listed] == [0, 1, 2]
    for bad in ([qs[0].id, qs[1].id], [*order, order[0]], [qs[0].id, qs[1].id, 999_999]):
        resp = await client.put(
            url + "/order", json={"question_ids": bad}, headers=club.owner_headers
        )
        assert resp.status_code == 422, bad


async def test_copy_from_an_earlier_event(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club, event = await _draft(session)
    earlier = await create_event(session, club.org, status=EventStatus.ARCHIVED)
    await create_question(session, earlier, prompt="First", weight=2.5, help_text="h")
    await create_question(session, earlier, type=QuestionType.SCALE, prompt="Second", position=1)
    await create_question(session, event, type=QuestionType.TEXT, prompt="Own")
    url = f"/api/v1/events/{event.id}/questions"
    resp = await client.post(
        url + "/copy", json={"from_event_id": earlier.id}, headers=club.owner_headers
    )
    assert resp.status_code == 201, resp.text
    listed = (await client.get(url, headers=club.owner_headers)).json()["items"]
    assert [q["prompt"] for q in listed] == ["Own", "First", "Second"]
    assert listed[1]["weight"] == 2.5 and listed[1]["help_text"] == "h"
    assert listed[2]["scale_max"] == 5
    # Another organization's event, or the event itself, is refused.
    other = await create_event(session, (await make_club(session)).org)
    for source in (other.id, event.id, 999_999):
        resp = await client.post(
            url + "/copy", json={"from_event_id": source}, headers=club.owner_headers
        )
        assert resp.status_code == 422, source


async def test_students_see_questions_without_matching_settings(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await make_club(session)
    event = await create_event(session, club.org, status=EventStatus.OPEN)
    await create_question(session, event, weight=4)
    url = f"/api/v1/events/{event.id}/questions"
    student = (await client.get(url, headers=club.member_headers)).json()["items"]
    admin = (await client.get(url, headers=club.owner_headers)).json()["items"]
    assert (student[0]["weight"], student[0]["mode"]) == (None, None)
    assert (admin[0]["weight"], admin[0]["mode"]) == (4, "similar")
    assert student[0]["options"] == admin[0]["options"] == ["Tea", "Coffee"]
    outsider = await client.get(url, headers=club.outsider_headers)
    assert outsider.status_code == 404  # members-only

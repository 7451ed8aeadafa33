"""GET /events/{event_id}/llm-calls: the records of real calls (through the gemini provider
on the loopback fake), as the event's admins read them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.llm.base import LLMCallFailed
from peerpear.models import EventStatus, MembershipRole
from tests.factories import (
    add_member,
    auth_headers,
    create_event,
    create_organization,
    create_user,
)
from tests.llm.fake_servers import FakeLLMServer, answer, status


class Wish(BaseModel):
    rationale: str


async def test_admins_read_an_events_calls_newest_first_with_totals(
    client: httpx.AsyncClient, session: AsyncSession, make_llm: Any, fake: FakeLLMServer
) -> None:
    owner = await create_user(session)
    org = await create_organization(session, owner)
    event = await create_event(session, org, status=EventStatus.CLOSED)
    other_event = await create_event(session, org, status=EventStatus.CLOSED)
    llm = make_llm("gemini")
    fake.script(answer({"rationale": "mix years"}), status(401))
    await llm.structured("suggest", "Propose.", {"wish": "mix"}, Wish, event_id=event.id)
    await llm.structured("suggest", "Propose.", {"wish": "mix"}, Wish, event_id=event.id)
    with pytest.raises(LLMCallFailed):
        await llm.structured("summary", "Summarize.", {"id": "p1"}, Wish, event_id=event.id)
    await llm.structured("suggest", "Propose.", {"wish": "mix"}, Wish, event_id=other_event.id)
    url = f"/api/v1/events/{event.id}/llm-calls"
    headers = await auth_headers(session, owner)

    listed = await client.get(url, headers=headers)

    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert [(c["purpose"], c["outcome"], c["attempts"]) for c in page["items"]] == [
        ("summary", "failed", 1),
        ("suggest", "cached", 0),
        ("suggest", "ok", 1),
    ]
    failed, _, ok = page["items"]
    assert "refused the API key" in failed["reason"]
    assert (ok["provider"], ok["model"], ok["input_tokens"], ok["output_tokens"]) == (
        "gemini",
        "fake-model",
        11,
        7,
    )
    assert page["total"] == 3
    assert page["totals"] == {
        "calls": 3,
        "failed": 1,
        "cached": 1,
        "input_tokens": 11,
        "output_tokens": 7,
    }

    only_failed = (await client.get(url, params={"outcome": "failed"}, headers=headers)).json()
    assert [c["purpose"] for c in only_failed["items"]] == ["summary"]
    assert only_failed["totals"]["calls"] == 1
    suggest = await client.get(url, params={"purpose": "suggest", "limit": 1}, headers=headers)
    body = suggest.json()
    assert ([c["outcome"] for c in body["items"]], body["total"]) == (["cached"], 2)
    bad = await client.get(url, params={"outcome": "maybe"}, headers=headers)
    assert bad.status_code == 422


async def test_members_and_strangers_are_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner, member, stranger = [await create_user(session) for _ in range(3)]
    org = await create_organization(session, owner)
    await add_member(session, org, member, MembershipRole.MEMBER)
    event = await create_event(session, org, status=EventStatus.OPEN)
    url = f"/api/v1/events/{event.id}/llm-calls"

    as_member = await client.get(url, headers=await auth_headers(session, member))
    as_stranger = await client.get(url, headers=await auth_headers(session, stranger))

    assert as_member.status_code == 403
    assert as_stranger.status_code == 404

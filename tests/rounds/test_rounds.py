"""Recurring rounds (issue 12): a weekly coffee-chat event over simulated weeks pairs its
participants anew each week without repeating a pair; skipping and pausing leave people out;
rounds publish automatically or wait for an admin; the periodic task is idempotent."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.jobs.tasks import schedule_rounds
from peerpear.models import PairingRun, Registration, Round, RoundStatus
from peerpear.rounds.scheduler import TOO_FEW
from peerpear.rounds.spec import ROUND_HISTORY_PENALTY
from tests.events.helpers import make_club
from tests.rounds.helpers import START, WEEK, coffee_chat, members_of, pairs_of, rounds_of, tick

API = "/api/v1"
GOOD = {"every": 1, "unit": "weeks", "starts_at": "2027-01-04T09:00:00Z", "count": 4}


@pytest.mark.parametrize(
    ("recurrence", "why"),
    [
        ({**GOOD, "every": 0}, "every"),
        ({**GOOD, "every": -2}, "every"),
        ({**GOOD, "unit": "months"}, "unit"),
        ({**GOOD, "until": "2027-03-01T09:00:00Z"}, "exactly one of until"),
        ({k: v for k, v in GOOD.items() if k != "count"}, "exactly one of until"),
        ({**GOOD, "count": None, "until": "2026-12-01T09:00:00Z"}, "until must not be before"),
        ({**GOOD, "starts_at": "2027-01-04T09:00:00"}, "starts_at"),
    ],
)
async def test_recurrence_is_validated(
    client: httpx.AsyncClient, session: AsyncSession, recurrence: dict[str, object], why: str
) -> None:
    club = await make_club(session)
    created = await client.post(
        f"{API}/organizations/{club.org.id}/events",
        json={"title": "Coffee chats", "recurrence": recurrence},
        headers=club.owner_headers,
    )
    assert created.status_code == 422, created.text
    assert why in created.text


async def test_recurrence_is_set_changed_and_ended(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await make_club(session)
    created = await client.post(
        f"{API}/organizations/{club.org.id}/events",
        json={"title": "Coffee chats", "recurrence": GOOD},
        headers=club.owner_headers,
    )
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["recurrence"] == {**GOOD, "until": None, "auto_publish": True}
    url = f"{API}/events/{event['id']}"
    changed = await client.patch(
        url,
        json={"recurrence": {**GOOD, "every": 2, "auto_publish": False}},
        headers=club.owner_headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["recurrence"]["every"] == 2
    read = await client.get(url, headers=club.owner_headers)
    assert read.status_code == 200, read.text
    assert read.json()["recurrence"]["every"] == 2
    bad = await client.patch(
        url, json={"recurrence": {**GOOD, "every": 0}}, headers=club.owner_headers
    )
    assert bad.status_code == 422
    ended = await client.patch(url, json={"recurrence": None}, headers=club.owner_headers)
    assert ended.status_code == 200 and ended.json()["recurrence"] is None


async def test_a_weekly_coffee_chat_makes_four_rounds_without_a_repeated_pair(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await coffee_chat(session, 8, count=4)
    assert await tick(app, START - WEEK) == []  # not yet
    for week in range(6):  # two weeks past the last round: nothing more
        await tick(app, START + week * WEEK + week * WEEK / 7)
    rounds = await rounds_of(session, paired.event.id)
    assert [(r.number, r.status) for r in rounds] == [
        (n, RoundStatus.PUBLISHED) for n in (1, 2, 3, 4)
    ]
    assert [r.scheduled_at for r in rounds] == [START + n * WEEK for n in range(4)]
    everyone = {str(s.user.id) for s in paired.program.students}
    seen: set[frozenset[str]] = set()
    for round_ in rounds:
        assert await members_of(session, round_) == everyone
        pairs = await pairs_of(session, round_)
        assert len(pairs) == 4 and not pairs & seen, f"round {round_.number} repeats a pair"
        seen |= pairs
        run = await session.get_one(PairingRun, round_.run_id)
        assert run.parameters["round"]["history_penalty"] == ROUND_HISTORY_PENALTY
    listed = await client.get(f"{API}/events/{paired.event.id}/rounds", headers=paired.headers)
    assert listed.status_code == 200, listed.text
    assert [r["status"] for r in listed.json()] == ["published"] * 4
    # a student reads their group of round 3, the one in the run's result
    student = paired.program.students[0]
    mine = await client.get(
        f"{API}/events/{paired.event.id}/rounds/3/my-group", headers=student.headers
    )
    assert mine.status_code == 200, mine.text
    mates = {m["email"] for m in mine.json()["members"] if not m["is_you"]}
    [pair] = [p for p in await pairs_of(session, rounds[2]) if str(student.user.id) in p]
    [mate_id] = pair - {str(student.user.id)}
    assert mates == {s.user.email for s in paired.program.students if str(s.user.id) == mate_id}


async def test_skipping_and_pausing_leave_people_out_of_a_round(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await coffee_chat(session, 6, count=3)
    skipper, pauser = paired.program.students[:2]
    url = f"{API}/events/{paired.event.id}"
    skipped = await client.post(url + "/rounds/1/skip", headers=skipper.headers)
    assert skipped.status_code == 200, skipped.text
    assert skipped.json() == {"paused": False, "skipped_rounds": [1]}
    paused = await client.put(
        url + "/registration/pause", json={"paused": True}, headers=pauser.headers
    )
    assert paused.json() == {"paused": True, "skipped_rounds": []}
    assert (await client.post(url + "/rounds/4/skip", headers=skipper.headers)).status_code == 409

    await tick(app, START)
    [first] = await rounds_of(session, paired.event.id)
    left_out = {str(skipper.user.id), str(pauser.user.id)}
    assert first.participants == 4 and not await members_of(session, first) & left_out
    late = await client.post(url + "/rounds/1/skip", headers=paired.program.students[2].headers)
    assert late.status_code == 409 and "started already" in late.json()["error"]["message"]
    not_in = await client.get(url + "/rounds/1/my-group", headers=skipper.headers)
    assert not_in.status_code == 404

    resumed = await client.put(
        url + "/registration/pause", json={"paused": False}, headers=pauser.headers
    )
    assert resumed.json()["paused"] is False
    await tick(app, START + WEEK)
    second = (await rounds_of(session, paired.event.id))[1]
    assert second.participants == 6 and left_out <= await members_of(session, second)


async def test_a_round_with_too_few_people_fails_and_says_why(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await coffee_chat(session, 2, count=2)
    student = paired.program.students[0]
    await client.post(f"{API}/events/{paired.event.id}/rounds/1/skip", headers=student.headers)
    assert await tick(app, START) == []
    [first] = await rounds_of(session, paired.event.id)
    assert (first.status, first.error, first.run_id) == (RoundStatus.FAILED, TOO_FEW, None)


async def test_a_round_waits_for_an_admin_when_not_auto_published(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await coffee_chat(session, 4, count=2, auto_publish=False)
    student = paired.program.students[0]
    url = f"{API}/events/{paired.event.id}/rounds/1"
    assert (await client.post(url + "/publish", headers=paired.headers)).status_code == 404
    await tick(app, START)
    [first] = await rounds_of(session, paired.event.id)
    assert first.status is RoundStatus.READY and first.published_at is None
    early = await client.get(url + "/my-group", headers=student.headers)
    assert early.status_code == 409
    refused = await client.post(url + "/publish", headers=student.headers)
    assert refused.status_code == 403
    published = await client.post(url + "/publish", headers=paired.headers)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    [first] = await rounds_of(session, paired.event.id)
    assert first.status is RoundStatus.PUBLISHED and first.published_at is not None
    mine = await client.get(url + "/my-group", headers=student.headers)
    assert mine.status_code == 200 and len(mine.json()["members"]) == 2
    again = await client.post(url + "/publish", headers=paired.headers)
    assert again.status_code == 409 and "published already" in again.json()["error"]["message"]


async def test_the_periodic_task_is_idempotent(app: FastAPI, session: AsyncSession) -> None:
    paired = await coffee_chat(session, 4, count=4)
    ctx = app.state.jobs.context
    first = await schedule_rounds(ctx, START)
    # again before the run has finished, and again after: no second run, no second round
    assert len(first) == 1 and await schedule_rounds(ctx, START) == []
    await tick(app, START)
    assert await tick(app, START + WEEK / 2) == []
    runs = await session.scalar(
        select(func.count()).select_from(PairingRun).where(PairingRun.event_id == paired.event.id)
    )
    rounds = await rounds_of(session, paired.event.id)
    assert runs == 1 and [(r.number, r.run_id) for r in rounds] == [(1, first[0])]
    # two schedulers inserting one round: the database keeps one
    session.add(Round(event_id=paired.event.id, number=1, scheduled_at=START))
    with pytest.raises(IntegrityError):
        await session.commit()
    await session.rollback()


async def test_pause_needs_a_registration_and_a_recurring_event(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await coffee_chat(session, 2)
    outsider_url = f"{API}/events/{paired.event.id}/registration/pause"
    owner = await client.put(outsider_url, json={"paused": True}, headers=paired.headers)
    assert owner.status_code == 404  # the owner is not registered
    student = paired.program.students[0]
    paired.event.recurrence = None
    await session.commit()
    one_off = await client.put(outsider_url, json={"paused": True}, headers=student.headers)
    assert one_off.status_code == 409
    registration = await session.scalar(
        select(Registration).where(Registration.user_id == student.user.id)
    )
    assert registration is not None and registration.paused_at is None

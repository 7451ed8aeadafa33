"""Events: validation, who sees which, update rules by status, delete only drafts, lists, the
audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.models import EventStatus, EventVisibility, RoleScheme
from tests.events.helpers import make_club
from tests.factories import create_event, create_registration

BAD_CREATES = [
    {"title": "x"},  # too short
    {"title": "   a   "},  # too short once trimmed
    {"title": "t" * 201},
    {"title": "Fine", "default_group_size": 1},
    {"title": "Fine", "registration_deadline": "2030-01-01T10:00:00"},  # no time zone
    {"title": "Fine", "status": "open"},
    {"title": "Fine", "role_scheme": "siblings"},
]


async def test_create_and_read(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await make_club(session)
    deadline = (utcnow() + timedelta(days=7)).isoformat()
    resp = await client.post(
        f"/api/v1/organizations/{club.org.id}/events",
        json={
            "title": " Big/Little 2027 ",
            "registration_deadline": deadline,
            "role_scheme": "big_little",
        },
        headers=club.owner_headers,
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["title"] == "Big/Little 2027" and body["status"] == "draft"
    assert body["visibility"] == "members_only" and body["default_group_size"] == 2
    assert body["has_image"] is False and body["image_url"] is None
    got = await client.get(f"/api/v1/events/{body['id']}", headers=club.owner_headers)
    assert got.json() == body


@pytest.mark.parametrize("body", BAD_CREATES)
async def test_bad_creates_are_422(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any]
) -> None:
    club = await make_club(session)
    resp = await client.post(
        f"/api/v1/organizations/{club.org.id}/events", json=body, headers=club.owner_headers
    )
    assert resp.status_code == 422, resp.text


async def test_visibility(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await make_club(session)
    draft = await create_event(session, club.org, visibility=EventVisibility.PUBLIC)
    members = await create_event(session, club.org, status=EventStatus.OPEN)
    public = await create_event(
        session, club.org, status=EventStatus.CLOSED, visibility=EventVisibility.PUBLIC
    )
    cases = [
        (draft, club.member_headers, 404),
        (draft, club.outsider_headers, 404),
        (members, club.member_headers, 200),
        (members, club.outsider_headers, 404),
        (public, club.outsider_headers, 200),
    ]
    for event, headers, status in cases:
        resp = await client.get(f"/api/v1/events/{event.id}", headers=headers)
        assert resp.status_code == status, (event.status, event.visibility, resp.text)
    # Visible but not theirs to change: 403.
    resp = await client.patch(
        f"/api/v1/events/{public.id}", json={"title": "Mine"}, headers=club.outsider_headers
    )
    assert resp.status_code == 403


async def test_open_list_for_students(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await make_club(session)
    other = await make_club(session)
    soon = await create_event(
        session,
        club.org,
        status=EventStatus.OPEN,
        registration_deadline=utcnow() + timedelta(hours=1),
    )
    later = await create_event(
        session,
        other.org,
        status=EventStatus.OPEN,
        visibility=EventVisibility.PUBLIC,
        registration_deadline=utcnow() + timedelta(days=3),
    )
    no_deadline = await create_event(session, club.org, status=EventStatus.OPEN)
    await create_event(session, other.org, status=EventStatus.OPEN)  # members-only elsewhere
    await create_event(session, club.org)  # a draft
    await create_event(session, club.org, status=EventStatus.CLOSED)
    mine = (await client.get("/api/v1/events", headers=club.member_headers)).json()
    assert [e["id"] for e in mine["items"]] == [soon.id, later.id, no_deadline.id]
    stranger = (await client.get("/api/v1/events", headers=club.outsider_headers)).json()
    assert [e["id"] for e in stranger["items"]] == [later.id]


async def test_registered_list_keeps_events_past_open(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """A student finds the events they registered for after registration closes (to see their
    group once published); not drafts, archived events or other people's registrations."""
    club = await make_club(session)
    by_status = {s: await create_event(session, club.org, status=s) for s in EventStatus}
    for status in (EventStatus.OPEN, EventStatus.CLOSED, EventStatus.PUBLISHED):
        await create_registration(session, by_status[status], club.member)
    await create_registration(session, by_status[EventStatus.ARCHIVED], club.member)
    not_mine = await create_event(session, club.org, status=EventStatus.CLOSED)
    await create_registration(session, not_mine, club.owner)
    url = "/api/v1/events/registered"
    mine = (await client.get(url, headers=club.member_headers)).json()
    expected = [by_status[s].id for s in (EventStatus.PUBLISHED, EventStatus.CLOSED)]
    assert [e["id"] for e in mine["items"]] == [*expected, by_status[EventStatus.OPEN].id]
    assert mine["total"] == 3
    assert (await client.get(url, headers=club.outsider_headers)).json()["items"] == []


async def test_org_list_filters_by_status(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await make_club(session)
    ids = {s: (await create_event(session, club.org, status=s)).id for s in EventStatus}
    url = f"/api/v1/organizations/{club.org.id}/events"
    everything = (await client.get(url, headers=club.owner_headers)).json()
    assert everything["total"] == len(EventStatus)
    for status, event_id in ids.items():
        page = (await client.get(url, params={"status": status}, headers=club.owner_headers)).json()
        assert [e["id"] for e in page["items"]] == [event_id]
    assert (await client.get(url, headers=club.member_headers)).status_code == 403


async def test_update_rules_by_status(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await make_club(session)
    h = club.owner_headers
    opened = await create_event(session, club.org, status=EventStatus.OPEN)
    url = f"/api/v1/events/{opened.id}"
    scheme = await client.patch(url, json={"role_scheme": "mentor"}, headers=h)
    assert scheme.status_code == 409 and "role scheme" in scheme.json()["error"]["message"]
    past = (utcnow() - timedelta(minutes=1)).isoformat()
    deadline = await client.patch(url, json={"registration_deadline": past}, headers=h)
    assert deadline.status_code == 409
    future = (utcnow() + timedelta(days=1)).isoformat()
    ok = await client.patch(
        url,
        json={"registration_deadline": future, "default_group_size": 3, "title": "New"},
        headers=h,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["default_group_size"] == 3
    draft = await create_event(session, club.org)
    changed = await client.patch(
        f"/api/v1/events/{draft.id}", json={"role_scheme": "mentor"}, headers=h
    )
    assert changed.json()["role_scheme"] == RoleScheme.MENTOR.value
    published = await create_event(session, club.org, status=EventStatus.PUBLISHED)
    size = await client.patch(
        f"/api/v1/events/{published.id}", json={"default_group_size": 4}, headers=h
    )
    assert size.status_code == 409
    archived = await create_event(session, club.org, status=EventStatus.ARCHIVED)
    title = await client.patch(f"/api/v1/events/{archived.id}", json={"title": "Again"}, headers=h)
    assert title.status_code == 409
    null = await client.patch(f"/api/v1/events/{draft.id}", json={"title": None}, headers=h)
    assert null.status_code == 422


async def test_delete_only_drafts(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await make_club(session)
    # All created first: SQLite would hand a deleted draft's id to the next event.
    events = [await create_event(session, club.org, status=status) for status in EventStatus]
    for status, event in zip(EventStatus, events, strict=True):
        resp = await client.delete(f"/api/v1/events/{event.id}", headers=club.owner_headers)
        if status is EventStatus.DRAFT:
            assert resp.status_code == 204
            gone = await client.get(f"/api/v1/events/{event.id}", headers=club.owner_headers)
            assert gone.status_code == 404
        else:
            assert resp.status_code == 409
            assert resp.json()["error"]["details"]["status"] == status.value


async def test_audit_log(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await make_club(session)
    h = club.owner_headers
    created = await client.post(
        f"/api/v1/organizations/{club.org.id}/events", json={"title": "Audited"}, headers=h
    )
    url = f"/api/v1/events/{created.json()['id']}"
    await client.patch(url, json={"description": "Now with words"}, headers=h)
    await client.post(url + "/questions", json={"type": "text", "prompt": "Hi?"}, headers=h)
    await client.post(url + "/open", headers=h)
    await client.post(url + "/close", headers=h)
    log = (await client.get(url + "/audit", headers=h)).json()
    assert [e["action"] for e in log["items"]] == [
        "event.close",
        "event.open",
        "question.create",
        "event.update",
        "event.create",
    ]
    assert all(e["actor_id"] == club.owner.id for e in log["items"])
    assert log["items"][3]["details"]["description"]["to"] == "Now with words"
    # The member sees the (now closed) event, but not its audit log.
    assert (await client.get(url + "/audit", headers=club.member_headers)).status_code == 403

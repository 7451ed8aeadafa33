"""A student's own result once published, and who may reach the pairing routes at all."""

from __future__ import annotations

import json
import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import EventVisibility
from tests.factories import auth_headers, create_registration, create_user
from tests.pairing.helpers import adopt, edit, make_paired, members, succeeded_run

# Text answers no explanation can quote: no word is shared by two people.
SECRETS = ["alphazulu", "bravoyankee", "charliexray", "deltawhiskey", "echovictor", "foxtrotuni"]


async def test_a_student_sees_their_group_and_nothing_else(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6, texts=SECRETS)
    pairing = await adopt(client, paired, await succeeded_run(session, paired.event))
    program = paired.program
    url = f"{program.url}/my-group"
    student = program.students[0]
    before = await client.get(url, headers=student.headers)
    assert before.status_code == 409 and "not published" in before.json()["error"]["message"]
    assert (await client.post(f"{program.url}/publish", headers=paired.headers)).status_code == 200

    resp = await client.get(url, headers=student.headers)

    assert resp.status_code == 200, resp.text
    body = resp.json()
    mine = paired.registrations[student.user.id].id
    group = next(g for g in pairing["groups"] if mine in members(g))
    expected = {m["email"] for m in group["members"]}
    assert {m["email"] for m in body["members"]} == expected
    assert [m["is_you"] for m in body["members"]].count(True) == 1
    assert set(body) == {"event_id", "members", "explanation"}
    assert set(body["members"][0]) == {"first_name", "last_name", "email", "role", "is_you"}
    mate = next(m for m in group["members"] if m["registration_id"] != mine)
    assert body["explanation"] and mate["first_name"] in body["explanation"]
    text = json.dumps(body)
    others = [m for g in pairing["groups"] if g is not group for m in g["members"]]
    for other in others:
        for value in (other["first_name"], other["last_name"], other["email"]):
            assert value not in text
    for secret in SECRETS:  # nobody's answers, the caller's own neither
        assert secret not in text
    assert not re.search(r"\d\.\d", text)  # no satisfaction, score or metric anywhere
    for word in ("satisfaction", "score", "metrics", "run"):
        assert word not in body


async def test_who_is_not_placed_or_not_registered_gets_404(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 5)
    pairing = await adopt(client, paired, await succeeded_run(session, paired.event))
    program = paired.program
    # Five people: a pair and a trio. One of the trio is excluded, leaving two pairs.
    [trio] = [g for g in pairing["groups"] if len(g["members"]) == 3]
    rid = members(trio)[0]
    excluded = paired.student(rid)
    resp = await edit(client, paired, 1, "exclude", registration_id=rid)
    assert resp.status_code == 200 and resp.json()["validation"]["ok"]
    assert (await client.post(f"{program.url}/publish", headers=paired.headers)).status_code == 200
    url = f"{program.url}/my-group"
    resp = await client.get(url, headers=excluded.headers)
    assert resp.status_code == 404 and "not in a group" in resp.json()["error"]["message"]
    # A member of the organization who did not register, and the owner (not registered).
    for headers in (program.club.member_headers, paired.headers):
        resp = await client.get(url, headers=headers)
        assert resp.status_code == 404 and "not registered" in resp.json()["error"]["message"]
    # The event is members-only: a stranger cannot see it at all.
    resp = await client.get(url, headers=program.club.outsider_headers)
    assert resp.status_code == 404 and resp.json()["error"]["message"] == "event not found"


async def test_a_public_events_participant_who_is_not_a_member_sees_their_group(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 3, visibility=EventVisibility.PUBLIC)
    guest = await create_user(session, first_name="Guest")
    registration = await create_registration(session, paired.event, guest, is_complete=True)
    pairing = await adopt(client, paired, await succeeded_run(session, paired.event))
    assert any(registration.id in members(g) for g in pairing["groups"])
    assert (await client.post(f"{paired.program.url}/publish", headers=paired.headers)).is_success
    headers = await auth_headers(session, guest)
    resp = await client.get(f"{paired.program.url}/my-group", headers=headers)
    assert resp.status_code == 200 and guest.email in resp.text


async def test_the_admin_routes_are_for_admins(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 4)
    run = await succeeded_run(session, paired.event)
    pairing = await adopt(client, paired, run)
    club = paired.program.club
    student = paired.program.students[0]
    requests = [
        ("GET", paired.url, None),
        ("PUT", paired.url, {"run_id": run.id}),
        ("POST", paired.url + "/edits", {"version": 1, "op": "lock",
                                         "group_id": pairing["groups"][0]["id"]}),
    ]  # fmt: skip
    for method, url, body in requests:
        for headers, status in (
            (club.member_headers, 403),
            (student.headers, 403),
            (club.outsider_headers, 404),
            ({}, 401),
        ):
            resp = await client.request(method, url, json=body, headers=headers)
            assert resp.status_code == status, (method, url, resp.text)
    current = (await client.get(paired.url, headers=paired.headers)).json()
    assert current["version"] == 1 and not current["groups"][0]["locked"]

"""Issue 9's story through HTTP, on SQLite and PostgreSQL, from `peerpear seed --demo`: the demo
owner signs in, closes the open demo event, starts a run that succeeds, a second with other
weights, compares them, adopts one, locks a group, moves a member (the validation shows what
broke), re-runs the unlocked rest, publishes; every student then reads their own group and
nobody else's; the exports download and parse.

The 40 students' sessions are made directly (their sign-in is tested in tests/auth).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from fastapi import FastAPI
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import Event, User
from peerpear.seed import DEMO_PASSWORD, OWNER_EMAIL, seed_demo
from peerpear.seed_event import DEMO_EVENT_TITLE
from tests.factories import auth_headers
from tests.pairing.helpers import jobs_done

API = "/api/v1"


async def _finished(app: FastAPI, client: httpx.AsyncClient, location: str, owner: Any) -> Any:
    await jobs_done(app)
    run = (await client.get(location, headers=owner)).json()
    assert run["status"] == "succeeded", run
    return run


def _emails(group: dict[str, Any]) -> set[str]:
    return {m["email"] for m in group["members"]}


async def test_from_the_demo_to_published_groups(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await seed_demo(session)
    await session.commit()
    event = await session.scalar(select(Event).where(Event.title == DEMO_EVENT_TITLE))
    assert event is not None
    login = await client.post(
        f"{API}/auth/login", json={"email": OWNER_EMAIL, "password": DEMO_PASSWORD}
    )
    owner = {"Authorization": f"Bearer {login.json()['access_token']}"}
    client.cookies.clear()
    url = f"{API}/events/{event.id}"

    # --- the event closes; two runs with different weights; compared -------------------------
    assert (await client.post(url + "/close", headers=owner)).json()["status"] == "closed"
    first = await client.post(url + "/pairing-runs", json={}, headers=owner)
    assert first.status_code == 202, first.text
    run_a = await _finished(app, client, first.headers["Location"], owner)
    questions = (await client.get(url + "/questions", headers=owner)).json()["items"]
    hobbies = next(q for q in questions if q["type"] == "multi_choice")
    second = await client.post(
        url + "/pairing-runs",
        json={"questions": {str(hobbies["id"]): {"weight": 6}}, "seed": 2},
        headers=owner,
    )
    run_b = await _finished(app, client, second.headers["Location"], owner)
    assert run_a["validation"]["ok"] and run_b["validation"]["ok"]
    compared = await client.get(
        url + "/pairing-runs/compare", params={"ids": f"{run_a['id']},{run_b['id']}"}, headers=owner
    )
    [shared] = compared.json()["shared_pairs"]
    sizes = [len(g["members"]) for g in run_a["groups"]]
    assert sum(sizes) == 40 and set(sizes) <= {2, 3}  # bigs are fewer: some littles in trios
    assert shared["pairs_a"] == sum(k * (k - 1) // 2 for k in sizes)
    assert 0 <= shared["shared"] <= shared["pairs_a"]

    # --- adopt, lock a group, move a member: the validation shows the damage -----------------
    adopted = await client.put(url + "/pairing", json={"run_id": run_a["id"]}, headers=owner)
    assert adopted.status_code == 200, adopted.text
    pairing = adopted.json()
    assert pairing["validation"]["ok"] and len(pairing["groups"]) == len(sizes)
    kept = pairing["groups"][0]
    locked = await client.post(
        url + "/pairing/edits",
        json={"version": pairing["version"], "op": "lock", "group_id": kept["id"]},
        headers=owner,
    )
    assert locked.status_code == 200, locked.text
    pairing = locked.json()
    # From a group of two into a group of two: one of one and one of three.
    pair_groups = [g for g in pairing["groups"][1:] if len(g["members"]) == 2]
    mover = pair_groups[0]["members"][0]
    moved = await client.post(
        url + "/pairing/edits",
        json={
            "version": pairing["version"],
            "op": "move",
            "registration_id": mover["registration_id"],
            "group_id": pair_groups[1]["id"],
        },
        headers=owner,
    )
    assert moved.status_code == 200, moved.text
    pairing = moved.json()
    assert not pairing["validation"]["ok"]  # a group of one, a group of three
    refused = await client.post(url + "/publish", headers=owner)
    assert refused.status_code == 409 and refused.json()["error"]["details"]["reasons"]

    # --- re-run the unlocked rest; publish --------------------------------------------------
    rerun = await client.post(
        url + "/pairing/rerun", json={"version": pairing["version"]}, headers=owner
    )
    assert rerun.status_code == 202, rerun.text
    applied = await _finished(app, client, rerun.headers["Location"], owner)
    assert applied["applied_to_pairing"] is True
    pairing = (await client.get(url + "/pairing", headers=owner)).json()
    assert pairing["validation"]["ok"], pairing["validation"]
    still = next(g for g in pairing["groups"] if g["id"] == kept["id"])
    assert still["locked"] and _emails(still) == _emails(kept)
    published = await client.post(url + "/publish", headers=owner)
    assert published.status_code == 200, published.text

    # --- every student reads their own group, and nobody else's -----------------------------
    groups = [_emails(g) for g in pairing["groups"]]
    everyone = set().union(*groups)
    students = list(await session.scalars(select(User).where(User.email.in_(everyone))))
    assert len(students) == 40
    for student in students:
        mine = await client.get(url + "/my-group", headers=await auth_headers(session, student))
        assert mine.status_code == 200, mine.text
        body = mine.json()
        seen = {m["email"] for m in body["members"]}
        [expected] = [g for g in groups if student.email in g]
        assert seen == expected
        text = mine.text
        assert not any(email in text for email in everyone - expected)
        assert "satisfaction" not in text and "answers" not in text

    # --- the exports download and parse ------------------------------------------------------
    exported = await client.get(url + "/pairing/export", params={"format": "csv"}, headers=owner)
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {r["email"] for r in rows} == everyone and {r["role"] for r in rows} >= {"big", "little"}
    as_txt = await client.get(url + "/pairing/export", params={"format": "txt"}, headers=owner)
    assert as_txt.text.count("Group ") == len(groups)
    as_pdf = await client.get(url + "/pairing/export", params={"format": "pdf"}, headers=owner)
    words = "".join(p.extract_text() for p in PdfReader(io.BytesIO(as_pdf.content)).pages)
    assert all(f"Group {n}" in words for n in range(1, len(groups) + 1))
    assert all(email in words for email in everyone)
    audit = await client.get(url + "/audit", params={"limit": 200}, headers=owner)
    actions = {e["action"] for e in audit.json()["items"]}
    assert {"pairing_run.start", "pairing.adopt", "pairing.edit", "pairing.rerun",
            "pairing.rerun.apply", "event.publish"} <= actions  # fmt: skip

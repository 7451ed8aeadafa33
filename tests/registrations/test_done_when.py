"""Issue 8's end-to-end story through HTTP (on SQLite and PostgreSQL): an owner creates a
members-only big/little event with four questions of different types and opens it; 40 students
join by invite code, register and answer (some incompletely); one withdraws; an admin sets roles
and a never-pair rule, reads the analytics, imports 20 more responses from a Google Forms export,
exports the registrations; the event closes at its deadline.

The students' accounts and sessions are made directly (signing 40 people up through the API
would only test sign-up, which tests/auth covers, and trip its per-address limit); everything
they do after that goes through the API.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.models import Event
from tests.factories import auth_headers, create_user, sign_up_and_in

API = "/api/v1"
HOBBIES = ["Hiking", "Gaming", "Cooking", "Film"]
YEARS = ["First year", "Second year", "Third year", "Fourth year"]


def _forms_export(questions: dict[str, str], count: int) -> bytes:
    """A Google Forms export of ``count`` responses to the event's questions (by prompt), plus
    one row with an unknown role label."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["Timestamp", "Email Address", "Your name", "Big or little?", *questions.values()]
    )
    for n in range(count):
        writer.writerow(
            [
                f"2026/11/{1 + n % 28:02d} 10:00:00 AM GMT",
                f"imported{n:02d}@example.edu",
                f"Imported Person{n:02d}",
                ["Big Sibling", "Little Sibling"][n % 2],
                YEARS[n % 4],
                ", ".join(HOBBIES[: 1 + n % 3]),
                str(1 + n % 5),
                f"I love film photography and hiking ({n})",
            ]
        )
    writer.writerow(
        ["", "wrong.role@example.edu", "Wrong Role", "Grandparent", YEARS[0], "", "3", ""]
    )
    return out.getvalue().encode()


async def test_a_pairing_program_up_to_the_pairing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # --- the owner sets up the organization, an admin, and the event ---------------------------
    owner = await sign_up_and_in(client, "olivia@example.edu", "Olivia")
    org = await client.post(f"{API}/organizations", json={"name": "Sibs Society"}, headers=owner)
    assert org.status_code == 201, org.text
    org_url = f"{API}/organizations/{org.json()['id']}"
    invite = await client.post(org_url + "/invites", json={"max_uses": 60}, headers=owner)
    assert invite.status_code == 201, invite.text
    code = invite.json()["code"]

    admin_user = await create_user(session, "adrian@example.edu", first_name="Adrian")
    admin = await auth_headers(session, admin_user)
    assert (
        await client.post(f"{API}/organizations/join", json={"code": code}, headers=admin)
    ).json()["joined"]
    promoted = await client.patch(
        org_url + f"/members/{admin_user.id}", json={"role": "admin"}, headers=owner
    )
    assert promoted.status_code == 200, promoted.text

    deadline = utcnow() + timedelta(days=7)
    created = await client.post(
        org_url + "/events",
        json={
            "title": "Fall Big/Little",
            "visibility": "members_only",
            "role_scheme": "big_little",
            "registration_deadline": deadline.isoformat(),
        },
        headers=owner,
    )
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    event_url = f"{API}/events/{event_id}"
    specs: list[dict[str, Any]] = [
        {"type": "single_choice", "prompt": "Which year are you in?", "options": YEARS},
        {"type": "multi_choice", "prompt": "Hobbies?", "options": HOBBIES, "weight": 2},
        {"type": "scale", "prompt": "How outgoing are you?", "scale_min": 1, "scale_max": 5},
        {"type": "text", "prompt": "About you", "required": False},
    ]
    questions: dict[str, str] = {}  # kind -> question id
    prompts: dict[str, str] = {}  # question id -> prompt
    for spec in specs:
        made = await client.post(event_url + "/questions", json=spec, headers=owner)
        assert made.status_code == 201, made.text
        questions[spec["type"]] = str(made.json()["id"])
        prompts[str(made.json()["id"])] = spec["prompt"]
    opened = await client.post(event_url + "/open", headers=owner)
    assert opened.status_code == 200 and opened.json()["status"] == "open"

    # --- 40 students join by the invite code, register, answer ---------------------------------
    students = []
    for n in range(40):
        user = await create_user(session, f"student{n:02d}@example.edu", first_name=f"S{n:02d}")
        headers = await auth_headers(session, user)
        joined = await client.post(
            f"{API}/organizations/join", json={"code": code}, headers=headers
        )
        assert joined.status_code == 200 and joined.json()["joined"], joined.text
        listed = await client.get(f"{API}/events", headers=headers)
        assert [e["id"] for e in listed.json()["items"]] == [event_id]
        role = ["big", "little", "either"][n % 3]
        registered = await client.post(
            event_url + "/registration", json={"role": role}, headers=headers
        )
        assert registered.status_code == 201, registered.text
        answers: dict[str, object] = {
            questions["single_choice"]: YEARS[n % 4],
            questions["multi_choice"]: HOBBIES[: 1 + n % 4],
        }
        if n < 30:  # the last ten leave the scale (required) unanswered
            answers[questions["scale"]] = 1 + n % 5
            answers[questions["text"]] = "I run trails on weekends" if n % 2 else "Film photography"
        saved = await client.put(
            event_url + "/registration/answers", json={"answers": answers}, headers=headers
        )
        assert saved.status_code == 200, saved.text
        assert saved.json()["is_complete"] is (n < 30)
        students.append((user, headers))
    # A member of another organization does not see this members-only event.
    outsider = await sign_up_and_in(client, "outsider@example.edu", "Out")
    assert (await client.get(event_url, headers=outsider)).status_code == 404

    # --- one withdraws -------------------------------------------------------------------------
    leaving_user, leaving = students.pop()
    assert (await client.delete(event_url + "/registration", headers=leaving)).status_code == 204

    # --- the admin sets roles and a never-pair rule, reads the analytics ------------------------
    listed = await client.get(
        event_url + "/registrations", params={"role": "either", "limit": 200}, headers=admin
    )
    assert listed.status_code == 200
    eithers = listed.json()["items"]
    assert len(eithers) == 13  # n % 3 == 2 for n < 39
    for registration in eithers[:5]:
        changed = await client.patch(
            f"{API}/registrations/{registration['id']}", json={"role": "big"}, headers=admin
        )
        assert changed.status_code == 200 and changed.json()["role"] == "big"
    (a, _), (b, _) = students[0], students[1]
    rules = await client.put(
        event_url + "/pair-rules", json={"never_pair": [[a.id, b.id]]}, headers=admin
    )
    assert rules.status_code == 200 and len(rules.json()["never_pair"]) == 1
    # The withdrawn student cannot be named in a rule any more.
    stale = await client.put(
        event_url + "/pair-rules", json={"never_pair": [[a.id, leaving_user.id]]}, headers=admin
    )
    assert stale.status_code == 422

    analytics = await client.get(event_url + "/analytics", headers=admin)
    assert analytics.status_code == 200, analytics.text
    stats = analytics.json()
    assert stats["registrations"] == 39 and stats["complete"] == 30
    roles = {r["role"]: r["count"] for r in stats["roles"]}
    assert roles == {"big": 13 + 5, "little": 13, "either": 13 - 5}
    by_question = {str(q["question_id"]): q for q in stats["questions"]}
    years = {o["option"]: o["count"] for o in by_question[questions["single_choice"]]["options"]}
    assert years == {YEARS[k]: sum(1 for n in range(39) if n % 4 == k) for k in range(4)}
    assert by_question[questions["scale"]]["answered"] == 30
    assert abs(by_question[questions["scale"]]["response_rate"] - 30 / 39) < 1e-3

    # --- 20 more responses from a Google Forms export ------------------------------------------
    export = _forms_export(
        {q: prompts[questions[q]] for q in ("single_choice", "multi_choice", "scale", "text")}, 20
    )
    files = {"file": ("Fall signup (Responses).csv", export, "text/csv")}
    dry = await client.post(
        event_url + "/import", params={"dry_run": "true"}, files=files, headers=admin
    )
    assert dry.status_code == 200, dry.text
    assert dry.json()["accepted"] == 20 and dry.json()["rejected"] == 1
    still = await client.get(event_url + "/registrations", headers=admin)
    assert still.json()["total"] == 39  # a dry run writes nothing
    imported = await client.post(event_url + "/import", files=files, headers=admin)
    assert imported.status_code == 200, imported.text
    report = imported.json()
    assert report["accepted"] == 20 and report["registrations_created"] == 20
    [rejected] = [r for r in report["row_results"] if r["result"] == "rejected"]
    assert rejected["email"] == "wrong.role@example.edu" and "Grandparent" in rejected["reason"]
    after = await client.get(
        event_url + "/registrations", params={"q": "imported", "limit": 200}, headers=admin
    )
    assert after.json()["total"] == 20
    assert {r["role"] for r in after.json()["items"]} == {"big", "little"}
    assert all(r["is_complete"] for r in after.json()["items"])

    # --- the registrations export --------------------------------------------------------------
    exported = await client.get(
        event_url + "/registrations/export", params={"format": "csv"}, headers=admin
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    text = exported.content.decode("utf-8-sig")  # it starts with a BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 59
    assert {prompts[q] for q in questions.values()} <= set(rows[0])
    assert leaving_user.email not in text
    by_email = {row["email"]: row for row in rows}
    assert by_email["student00@example.edu"][prompts[questions["single_choice"]]] == YEARS[0]

    # --- the deadline passes: the event closes by itself ---------------------------------------
    event = await session.get(Event, event_id)
    assert event is not None
    event.registration_deadline = utcnow() - timedelta(seconds=1)  # as if a week went by
    await session.commit()
    closed = await client.get(event_url, headers=students[0][1])
    assert closed.json()["status"] == "closed"
    late = await client.post(event_url + "/registration", json={}, headers=outsider)
    assert late.status_code == 404  # still not theirs to see
    too_late = await client.put(
        event_url + "/registration/answers",
        json={"answers": {questions["scale"]: 3}},
        headers=students[-1][1],
    )
    assert too_late.status_code == 409

    audit = await client.get(event_url + "/audit", params={"limit": 200}, headers=owner)
    actions = [entry["action"] for entry in audit.json()["items"]]
    for action in ("event.open", "registration.role", "pair_rules.update", "registrations.import"):
        assert action in actions, action
    close = next(e for e in audit.json()["items"] if e["action"] == "event.close")
    assert close["actor_id"] is None  # closed by the deadline, not by a person

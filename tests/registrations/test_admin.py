"""What admins do with registrations: the filtered list with answers (a fixed number of
statements), role changes (audited), and the rules: must/never-pair and students' avoid lists."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import AuditLogEntry, EventStatus, PairRule, PairRuleKind, RoleScheme
from tests.registrations.helpers import API, Program, add_students, make_program


async def _register_all(
    client: httpx.AsyncClient, program: Program, *, complete: int, role: str | None = None
) -> list[int]:
    """Register every student; the first ``complete`` answer everything. Registration ids."""
    ids = []
    for n, student in enumerate(program.students):
        body = {} if role is None else {"role": role}
        resp = await client.post(program.url + "/registration", json=body, headers=student.headers)
        assert resp.status_code == 201, resp.text
        ids.append(resp.json()["id"])
        if n < complete:
            saved = await client.put(
                program.url + "/registration/answers",
                json={"answers": program.complete_answers(n)},
                headers=student.headers,
            )
            assert saved.json()["is_complete"] is True
    return ids


@contextmanager
def counting_statements(app: FastAPI) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = app.state.engine.sync_engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)


async def test_list_filters_and_answers(client: httpx.AsyncClient, session: AsyncSession) -> None:
    program = await make_program(session, students=4)
    await _register_all(client, program, complete=2)
    headers = program.club.owner_headers
    everyone = (await client.get(program.url + "/registrations", headers=headers)).json()
    assert everyone["total"] == 4
    # By last name: Last00, Last01, ...
    assert [r["user"]["last_name"] for r in everyone["items"]] == [f"Last{n:02d}" for n in range(4)]
    first = everyone["items"][0]
    assert first["is_complete"] is True
    assert first["answers"][str(program.scale.id)] == 1
    assert everyone["items"][3]["answers"] == {}
    done = await client.get(
        program.url + "/registrations", params={"complete": "true"}, headers=headers
    )
    assert [r["user"]["last_name"] for r in done.json()["items"]] == ["Last00", "Last01"]
    todo = await client.get(
        program.url + "/registrations", params={"complete": "false"}, headers=headers
    )
    assert todo.json()["total"] == 2
    found = await client.get(
        program.url + "/registrations", params={"q": "dent03"}, headers=headers
    )
    assert [r["user"]["first_name"] for r in found.json()["items"]] == ["Student03"]
    paged = await client.get(
        program.url + "/registrations", params={"limit": 3, "offset": 3}, headers=headers
    )
    assert paged.json()["total"] == 4 and len(paged.json()["items"]) == 1


async def test_list_filters_by_role(client: httpx.AsyncClient, session: AsyncSession) -> None:
    program = await make_program(session, students=3, role_scheme=RoleScheme.BIG_LITTLE)
    await _register_all(client, program, complete=0, role="little")
    headers = program.club.owner_headers
    [first, *_] = (await client.get(program.url + "/registrations", headers=headers)).json()[
        "items"
    ]
    changed = await client.patch(
        f"{API}/registrations/{first['id']}", json={"role": "big"}, headers=headers
    )
    assert changed.status_code == 200 and changed.json()["role"] == "big"
    bigs = await client.get(program.url + "/registrations", params={"role": "big"}, headers=headers)
    assert [r["id"] for r in bigs.json()["items"]] == [first["id"]]


async def test_the_list_is_a_fixed_number_of_statements(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session, students=2)
    await _register_all(client, program, complete=2)
    await app.state.jobs.idle()  # the summaries of complete submits: not the list's statements
    headers = program.club.owner_headers
    with counting_statements(app) as few:
        assert (
            await client.get(program.url + "/registrations", headers=headers)
        ).status_code == 200
    await add_students(session, program, 10)
    program.students[:2] = []  # already registered
    await _register_all(client, program, complete=10)
    await app.state.jobs.idle()
    with counting_statements(app) as many:
        resp = await client.get(program.url + "/registrations", headers=headers)
    assert resp.json()["total"] == 12
    assert len(many) == len(few), many


async def test_set_role_checks_the_scheme_and_the_state(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session, students=1, role_scheme=RoleScheme.MENTOR)
    [registration_id] = await _register_all(client, program, complete=0, role="mentee")
    url = f"{API}/registrations/{registration_id}"
    owner = program.club.owner_headers
    wrong = await client.patch(url, json={"role": "big"}, headers=owner)
    assert wrong.status_code == 422
    student = await client.patch(url, json={"role": "mentor"}, headers=program.students[0].headers)
    assert student.status_code == 403
    ok = await client.patch(url, json={"role": "mentor"}, headers=owner)
    assert ok.status_code == 200 and ok.json()["role"] == "mentor"
    entry = await session.scalar(
        select(AuditLogEntry).where(AuditLogEntry.action == "registration.role")
    )
    assert entry is not None and entry.event_id == program.event.id
    assert entry.details["from"] == "mentee" and entry.details["to"] == "mentor"
    assert entry.details["email"] == program.students[0].user.email
    program.event.status = EventStatus.PUBLISHED
    session.add(program.event)
    await session.commit()
    published = await client.patch(url, json={"role": "mentee"}, headers=owner)
    assert published.status_code == 409 and "unpublish" in published.json()["error"]["message"]
    missing = await client.patch(f"{API}/registrations/999999", json={"role": "big"}, headers=owner)
    assert missing.status_code == 404


async def test_pair_rules_replace_and_validate(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session, students=4)
    await _register_all(client, program, complete=0)
    a, b, c, d = (s.user.id for s in program.students)
    owner = program.club.owner_headers
    url = program.url + "/pair-rules"
    put = await client.put(
        url, json={"must_pair": [[b, a], [a, b]], "never_pair": [[c, d]]}, headers=owner
    )
    assert put.status_code == 200, put.text
    rules = put.json()
    assert [[p["user_id"] for p in r["users"]] for r in rules["must_pair"]] == [
        [min(a, b), max(a, b)]
    ]
    assert [[p["user_id"] for p in r["users"]] for r in rules["never_pair"]] == [
        [min(c, d), max(c, d)]
    ]
    assert rules["avoid_requests"] == 0
    assert (await client.get(url, headers=owner)).json() == rules
    # A replacement: the must-pair rule goes, a never-pair rule comes.
    again = await client.put(url, json={"never_pair": [[c, d], [a, c]]}, headers=owner)
    assert again.json()["must_pair"] == [] and len(again.json()["never_pair"]) == 2
    entries = list(
        await session.scalars(
            select(AuditLogEntry)
            .where(AuditLogEntry.action == "pair_rules.update")
            .order_by(AuditLogEntry.id)
        )
    )
    assert [e.details["removed"] for e in entries] == [
        [],
        [["must_pair", min(a, b), max(a, b)]],
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"must_pair": [["A", "A"]]}, "two different people"),
        ({"never_pair": [["A", "X"]]}, "is not registered"),
        ({"must_pair": [["A", "B"]], "never_pair": [["B", "A"]]}, "both must-pair and never-pair"),
    ],
)
async def test_bad_rules_are_refused_and_nothing_changes(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any], reason: str
) -> None:
    program = await make_program(session, students=3)
    await _register_all(client, program, complete=0)
    program.students.pop()  # X: a member who is not registered
    await add_students(session, program, 1)
    ids = {"A": program.students[0].user.id, "B": program.students[1].user.id}
    ids["X"] = program.students[2].user.id
    owner = program.club.owner_headers
    url = program.url + "/pair-rules"
    await client.put(url, json={"never_pair": [[ids["A"], ids["B"]]]}, headers=owner)
    sent = {kind: [[ids[n] for n in pair] for pair in pairs] for kind, pairs in body.items()}
    resp = await client.put(url, json=sent, headers=owner)
    assert resp.status_code == 422, resp.text
    assert reason in resp.json()["error"]["details"][0]["msg"]
    kept = list(await session.scalars(select(PairRule)))
    assert [(r.kind, {r.user_a_id, r.user_b_id}) for r in kept] == [
        (PairRuleKind.NEVER_PAIR, {ids["A"], ids["B"]})
    ]


async def test_avoid_lists_are_private_and_counted_for_admins(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session, students=3)
    await _register_all(client, program, complete=0)
    alice, bob, carol = program.students
    url = program.url + "/registration/avoid"
    saved = await client.put(
        url, json={"emails": [bob.user.email.upper(), carol.user.email]}, headers=alice.headers
    )
    assert saved.status_code == 200, saved.text
    assert [p["email"] for p in saved.json()["people"]] == sorted(
        [bob.user.email, carol.user.email]
    )
    assert (await client.get(url, headers=alice.headers)).json() == saved.json()
    # Bob sees only his own (empty) list; the admin sees a count, not who asked.
    assert (await client.get(url, headers=bob.headers)).json()["people"] == []
    rules = (
        await client.get(program.url + "/pair-rules", headers=program.club.owner_headers)
    ).json()
    assert rules["avoid_requests"] == 2
    assert alice.user.email not in str(rules)
    # Replaced as a whole.
    replaced = await client.put(url, json={"emails": [carol.user.email]}, headers=alice.headers)
    assert [p["email"] for p in replaced.json()["people"]] == [carol.user.email]


async def test_avoid_list_names_participants_only(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session, students=2)
    await _register_all(client, program, complete=0)
    alice, bob = program.students
    outsider = program.club.outsider.email
    url = program.url + "/registration/avoid"
    await client.put(url, json={"emails": [bob.user.email]}, headers=alice.headers)
    resp = await client.put(
        url, json={"emails": [bob.user.email, outsider, alice.user.email]}, headers=alice.headers
    )
    assert resp.status_code == 422
    details = resp.json()["error"]["details"]
    assert [d["loc"] for d in details] == [["body", "emails", 1], ["body", "emails", 2]]
    assert "nobody registered" in details[0]["msg"] and details[1]["msg"] == "that is you"
    still = await client.get(url, headers=alice.headers)
    assert [p["email"] for p in still.json()["people"]] == [bob.user.email]
    too_many = await client.put(
        url, json={"emails": [f"p{n}@example.edu" for n in range(11)]}, headers=alice.headers
    )
    assert too_many.status_code == 422


async def test_avoid_requests_outlive_the_avoided_persons_withdrawal(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Withdrawing (and registering again) must not clear other students' requests about you,
    and a list naming someone who withdrew can still be edited around them."""
    program = await make_program(session, students=3)
    await _register_all(client, program, complete=0)
    alice, bob, carol = program.students
    url = program.url + "/registration/avoid"
    both = {"emails": [bob.user.email, carol.user.email]}
    assert (await client.put(url, json=both, headers=alice.headers)).status_code == 200
    gone = await client.delete(program.url + "/registration", headers=bob.headers)
    assert gone.status_code == 204, gone.text
    kept = await client.put(url, json={"emails": [bob.user.email]}, headers=alice.headers)
    assert kept.status_code == 200, kept.text
    assert [p["email"] for p in kept.json()["people"]] == [bob.user.email]
    # Someone who withdrew cannot be added anew, only kept.
    dropped = await client.put(url, json={"emails": []}, headers=alice.headers)
    assert dropped.status_code == 200
    again = await client.put(url, json={"emails": [bob.user.email]}, headers=alice.headers)
    assert again.status_code == 422

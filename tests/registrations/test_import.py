"""Importing registrations from a form export: people, roles and answers from a Google Forms
file, rows rejected with their reasons, dry runs, re-imports, and files or events that cannot
take an import (nothing written). How columns meet questions: test_import_columns.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear import audit
from peerpear.models import (
    AuditLogEntry,
    EventStatus,
    RegistrationRole,
    RoleScheme,
)
from tests.events.helpers import image_bytes
from tests.factories import create_registration, create_user
from tests.registrations.import_helpers import (
    GOOGLE_FORM,
    counts,
    make_forms,
    member_emails,
    registered,
    upload,
)


async def test_google_forms_export_registers_people_with_roles_and_answers(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    forms = await make_forms(session)
    await create_user(session, "bob.brown@example.edu", first_name="Robert", last_name="Brown")
    resp = await upload(client, forms, GOOGLE_FORM.read_bytes())
    assert resp.status_code == 200, resp.text
    report = resp.json()
    results = [(r["row"], r["email"], r["result"]) for r in report["row_results"]]
    assert results == [
        (2, "alice.adams@example.edu", "created"),
        (3, "bob.brown@example.edu", "created"),
        (4, "not-an-email", "rejected"),
        (5, "alice.adams@example.edu", "rejected"),
        (6, "carol.chen@example.edu", "rejected"),
        (7, "dan.diaz@example.edu", "rejected"),
        (8, "erin.evans@example.edu", "rejected"),
        (9, "frank.fox@example.edu", "created"),
    ]
    reasons = {r["row"]: r["reason"] for r in report["row_results"]}
    assert reasons[2] is None
    assert reasons[4].startswith("column 'Email Address': ") and "@" in reasons[4]
    assert reasons[5] == "the same address as row 2"
    assert reasons[6].startswith(
        "column 'Big or little?': role 'Grand Sibling' is not a known role label; accepted: "
    )
    assert reasons[7] == (
        "column 'Year': 'Fifth year' is not one of the options "
        "('First year', 'Second year', 'Third year')"
    )
    assert reasons[8] == "column 'How outgoing are you?': must be between 1 and 5"
    assert {k: report[k] for k in ("dry_run", "rows", "accepted", "rejected")} == {
        "dry_run": False,
        "rows": 8,
        "accepted": 3,
        "rejected": 5,
    }
    assert (report["registrations_created"], report["registrations_updated"]) == (3, 0)
    assert (report["accounts_created"], report["members_added"]) == (2, 3)
    assert report["questions_created"] == []
    assert [(c["header"], c["use"], c["question_id"]) for c in report["columns"]] == [
        ("Timestamp", "ignored", None),
        ("Email Address", "email", None),
        ("Name", "name", None),
        ("Big or little?", "role", None),
        ("Year", "question", forms.year.id if forms.year else 0),
        ("Hobbies", "question", forms.hobbies.id if forms.hobbies else 0),
        ("How outgoing are you?", "question", forms.outgoing.id if forms.outgoing else 0),
        ("Anything else?", "question", forms.anything.id if forms.anything else 0),
        ("Phone number", "ignored", None),
    ]
    assert report["columns"][-1]["detail"] == "no question of this event has this prompt"

    people = await registered(session, forms.event)
    assert people == {
        "alice.adams@example.edu": {
            "name": ("Alice", "Adams"),
            "role": "big",
            "complete": True,
            "answers": {
                "Year": "Second year",
                "Hobbies": ["Hiking", "Gaming"],
                "How outgoing are you?": 4,
                "Anything  ELSE?": "I love board games",
            },
        },
        "bob.brown@example.edu": {
            "name": ("Robert", "Brown"),  # an existing account keeps its name
            "role": "little",
            "complete": True,
            "answers": {"Year": "First year", "Hobbies": ["Cooking"], "How outgoing are you?": 2},
        },
        "frank.fox@example.edu": {
            "name": ("Frank", "Fox"),
            "role": "either",  # an empty role cell: the big/little default
            "complete": True,
            "answers": {
                "Year": "First year",  # options matched whatever their case, stored as asked
                "Hobbies": ["Hiking", "Reading"],
                "How outgoing are you?": 1,
                "Anything  ELSE?": "Looking forward to it, thanks!",
            },
        },
    }
    # A members-only event: the people it registers become members of its organization.
    assert await member_emails(session, forms) >= set(people)
    audit = (
        await session.scalars(
            select(AuditLogEntry).where(AuditLogEntry.action == "registrations.import")
        )
    ).one()
    assert audit.event_id == forms.event.id
    assert audit.details["accepted"] == 3 and audit.details["accounts_created"] == 2
    listed = await client.get(forms.url + "/audit", headers=forms.headers)
    assert "registrations.import" in [e["action"] for e in listed.json()["items"]]


async def test_dry_run_reports_the_same_and_writes_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    forms = await make_forms(session)
    before = await counts(session, forms.event)
    dry = await upload(client, forms, GOOGLE_FORM.read_bytes(), dry_run="true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert await counts(session, forms.event) == before
    real = await upload(client, forms, GOOGLE_FORM.read_bytes())
    assert real.json()["dry_run"] is False
    assert {**dry.json(), "dry_run": False} == real.json()
    assert await counts(session, forms.event) != before


async def test_dry_run_shows_the_questions_it_would_create(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    forms = await make_forms(session, questions=False)
    before = await counts(session, forms.event)
    dry = (await upload(client, forms, GOOGLE_FORM.read_bytes(), dry_run=True)).json()
    assert dry["questions_created"] == [
        "Year",
        "Hobbies",
        "How outgoing are you?",
        "Anything else?",
        "Phone number",
    ]
    assert [c["question_id"] for c in dry["columns"] if c["use"] == "question"] == [None] * 5
    assert await counts(session, forms.event) == before
    real = (await upload(client, forms, GOOGLE_FORM.read_bytes())).json()
    assert real["questions_created"] == dry["questions_created"]
    assert all(c["question_id"] for c in real["columns"] if c["use"] == "question")
    strip = [{**c, "question_id": None} for c in real["columns"]]
    assert {**real, "dry_run": True, "columns": strip} == dry


async def test_reimport_updates_registrations_instead_of_duplicating(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    forms = await make_forms(session)
    assert (await upload(client, forms, GOOGLE_FORM.read_bytes())).status_code == 200
    again = (
        "Email Address,Name,Big or little?,Hobbies,How outgoing are you?,Anything else?\n"
        "alice.adams@example.edu,Someone Else,Little Sibling,Cooking,,\n"
        "bob.brown@example.edu,Bob Brown,,Gaming,5,Changed my mind\n"
        "gina.gray@example.edu,Gina Gray,big sib,,,\n"
    )
    resp = await upload(client, forms, again)
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert [(r["email"], r["result"]) for r in report["row_results"]] == [
        ("alice.adams@example.edu", "updated"),
        ("bob.brown@example.edu", "updated"),
        ("gina.gray@example.edu", "created"),
    ]
    assert (report["registrations_created"], report["registrations_updated"]) == (1, 2)
    assert (report["accounts_created"], report["members_added"]) == (1, 1)
    people = await registered(session, forms.event)
    assert len(people) == 4
    alice = people["alice.adams@example.edu"]
    assert alice["name"] == ("Alice", "Adams")  # only accounts the import creates are named
    assert alice["role"] == "little"
    # The file's answers overwrite; its empty cells leave the earlier answers.
    assert alice["answers"] == {
        "Year": "Second year",
        "Hobbies": ["Cooking"],
        "How outgoing are you?": 4,
        "Anything  ELSE?": "I love board games",
    }
    bob = people["bob.brown@example.edu"]
    assert bob["role"] == "little"  # an empty role cell keeps the role
    assert bob["answers"]["Hobbies"] == ["Gaming"]
    assert bob["answers"]["How outgoing are you?"] == 5
    gina = people["gina.gray@example.edu"]
    assert (gina["role"], gina["complete"], gina["answers"]) == ("big", False, {})
    actions = await session.scalars(
        select(AuditLogEntry.action).where(AuditLogEntry.event_id == forms.event.id)
    )
    assert list(actions).count("registrations.import") == 2


async def test_a_published_or_archived_event_takes_no_import(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    for status in (EventStatus.PUBLISHED, EventStatus.ARCHIVED):
        forms = await make_forms(session, status=status)
        before = await counts(session, forms.event)
        resp = await upload(client, forms, GOOGLE_FORM.read_bytes())
        assert resp.status_code == 409, resp.text
        assert resp.json()["error"]["code"] == "invalid_state"
        assert await counts(session, forms.event) == before


async def test_files_that_are_not_form_exports_answer_422_and_write_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    forms = await make_forms(session, questions=False, role_scheme=RoleScheme.NONE)
    before = await counts(session, forms.event)
    cases: list[tuple[bytes | str, dict[str, str], str]] = [
        (image_bytes("PNG"), {}, "the file is not UTF-8 text"),
        ("Name,Year\nAna,First\n", {}, "no email column"),
        ("Email,Year\na@example.edu,First,extra\n", {}, "the file is not a readable CSV"),
        ("Email,Year\na@example.edu,Fi\x00rst\n", {}, "NUL"),
        ("Email,Year\na@example.edu,First\n", {"email_column": "Mail"}, "email_column 'Mail'"),
        ("Email,Year\na@example.edu,First\n", {"role_column": "Year"}, "no roles"),
        ("Mail 1,Mail 2\na@example.edu,b@example.edu\n", {}, "name one with email_column"),
        ("Email\n" + "a@example.edu\n" * 5001, {}, "at most 5000"),
    ]
    for content, params, message in cases:
        resp = await upload(client, forms, content, **params)
        assert resp.status_code == 422, (message, resp.text)
        assert message in resp.json()["error"]["message"], resp.text
    big = await upload(client, forms, "Email\n" + "a" * (1024 * 1024))
    assert big.status_code == 413
    assert await counts(session, forms.event) == before


async def test_an_existing_registration_keeps_answers_the_file_does_not_give(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    forms = await make_forms(session)
    assert forms.year and forms.anything
    person = await create_user(session, "kim@example.edu", first_name="Kim", last_name="Lee")
    await create_registration(
        session,
        forms.event,
        person,
        role=RegistrationRole.BIG,
        answers={forms.year: "Third year", forms.anything: "Hello"},
    )
    content = "Email,Year,Role\nkim@example.edu,second YEAR,\n"
    resp = await upload(client, forms, content)
    assert resp.status_code == 200, resp.text
    assert resp.json()["row_results"][0]["result"] == "updated"
    kim = (await registered(session, forms.event))["kim@example.edu"]
    assert (kim["role"], kim["complete"]) == ("big", False)  # two required questions unanswered
    assert kim["answers"] == {"Year": "Second year", "Anything  ELSE?": "Hello"}


async def test_a_failure_after_the_writes_leaves_nothing_half_imported(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Questions, accounts, memberships, registrations and answers roll back together."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(audit, "record", broken)
    forms = await make_forms(session, questions=False)
    before = await counts(session, forms.event)
    resp = await upload(client, forms, GOOGLE_FORM.read_bytes())
    assert resp.status_code == 500
    assert await counts(session, forms.event) == before

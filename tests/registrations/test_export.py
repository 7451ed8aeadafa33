"""Exporting registrations as CSV: columns, values and order, formula cells guarded, streamed in
batches, and a file that imports back into another event as it was."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.models import QuestionType, RegistrationRole
from peerpear.registrations import export
from tests.factories import create_question, create_registration, create_user
from tests.registrations.import_helpers import Forms, make_forms, registered, upload


async def _download(client: httpx.AsyncClient, forms: Forms) -> list[list[str]]:
    resp = await client.get(
        forms.url + "/registrations/export", params={"format": "csv"}, headers=forms.headers
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    assert resp.headers["content-disposition"] == (
        f'attachment; filename="event-{forms.event.id}-registrations.csv"'
    )
    assert resp.content.startswith("\ufeff".encode())  # Excel's cue that the file is UTF-8
    return list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"), newline="")))


async def _people(session: AsyncSession, forms: Forms) -> None:
    """Four registrations, named so the order is by last name, then first name, then id."""
    assert forms.year and forms.hobbies and forms.outgoing and forms.anything
    people: list[tuple[str, str, RegistrationRole, dict[Any, Any], bool]] = [
        (
            "Zed",
            "Young",
            RegistrationRole.BIG,
            {forms.year: "First year", forms.hobbies: ["Gaming"]},
            False,
        ),
        (
            "Ann",
            "Baker",
            RegistrationRole.LITTLE,
            {
                forms.year: "Second year",
                forms.hobbies: ["Gaming", "Hiking"],
                forms.outgoing: 3,
                forms.anything: 'Says "hi", often\non two lines',
            },
            True,
        ),
        ("Cal", "Baker", RegistrationRole.EITHER, {forms.hobbies: ["Hiking", "Gaming"]}, False),
        ("Ann", "Baker", RegistrationRole.BIG, {forms.year: "First year"}, False),
    ]
    for n, (first, last, role, answers, complete) in enumerate(people):
        user = await create_user(session, f"p{n}@example.edu", first_name=first, last_name=last)
        await create_registration(
            session, forms.event, user, role=role, answers=answers, is_complete=complete
        )


async def test_export_has_one_row_per_registration_by_name(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    forms = await make_forms(session)
    await _people(session, forms)
    rows = await _download(client, forms)
    assert rows[0] == [
        "email",
        "first_name",
        "last_name",
        "role",
        "complete",
        "registered_at",
        "Year",
        "Hobbies",
        "How outgoing are you?",
        "Anything  ELSE?",
    ]
    body = [[*row[:5], *row[6:]] for row in rows[1:]]
    assert body == [
        [
            "p1@example.edu",
            "Ann",
            "Baker",
            "little",
            "yes",
            "Second year",
            "Gaming; Hiking",
            "3",
            'Says "hi", often\non two lines',
        ],
        ["p3@example.edu", "Ann", "Baker", "big", "no", "First year", "", "", ""],
        ["p2@example.edu", "Cal", "Baker", "either", "no", "", "Hiking; Gaming", "", ""],
        ["p0@example.edu", "Zed", "Young", "big", "no", "First year", "Gaming", "", ""],
    ]
    assert all(datetime.fromisoformat(row[5]).tzinfo is not None for row in rows[1:])


async def test_cells_a_spreadsheet_would_run_as_formulas_are_guarded(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    forms = await make_forms(session, questions=False)
    note = await create_question(session, forms.event, type=QuestionType.TEXT, prompt="=Note")
    mood = await create_question(
        session, forms.event, type=QuestionType.SCALE, position=1, scale_min=-5, scale_max=5
    )
    answers = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "ok"]
    for n, text in enumerate(answers):
        user = await create_user(session, f"f{n}@example.edu", first_name="@me", last_name=f"L{n}")
        await create_registration(
            session,
            forms.event,
            user,
            role=RegistrationRole.BIG,
            answers={note: text, mood: -3},
        )
    rows = await _download(client, forms)
    assert rows[0][-2:] == ["'=Note", "Tea or coffee?"]
    assert [row[-2] for row in rows[1:]] == ["'" + a for a in answers[:-1]] + ["ok"]
    assert {row[1] for row in rows[1:]} == {"'@me"}
    assert {row[-1] for row in rows[1:]} == {"-3"}  # a number is not a formula


@pytest.mark.parametrize("batch", [3])
async def test_the_file_streams_in_batches_past_the_first(
    client: httpx.AsyncClient,
    session: AsyncSession,
    session_maker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    batch: int,
) -> None:
    forms = await make_forms(session, questions=False)
    # Ties on the whole name across a batch boundary: the id decides, and nobody is skipped.
    names = [("Sam", "Same")] * 5 + [("Amy", "Zulu"), ("Bo", "Able"), ("Sam", "Same")]
    for n, (first, last) in enumerate(names):
        user = await create_user(session, f"s{n}@example.edu", first_name=first, last_name=last)
        await create_registration(session, forms.event, user, role=RegistrationRole.BIG)
    chunks = [c async for c in export.csv_lines(session_maker, forms.event.id, batch=batch)]
    assert len(chunks) == 1 + 3  # the header, then batches of 3, 3 and 2
    monkeypatch.setattr(export, "EXPORT_BATCH", batch)
    rows = await _download(client, forms)
    expected = ["s6"] + [f"s{n}" for n in (0, 1, 2, 3, 4, 7)] + ["s5"]
    assert [row[0].split("@")[0] for row in rows[1:]] == expected


async def test_an_exported_file_imports_back_into_a_new_event(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    source = await make_forms(session)
    await _people(session, source)
    assert source.anything and source.year
    extra = await create_user(session, "dash@example.edu", first_name="-Dash", last_name="Dee")
    await create_registration(
        session,
        source.event,
        extra,
        role=RegistrationRole.LITTLE,
        answers={source.anything: "=1+1 is two", source.year: "Second year"},
    )
    rows = await _download(client, source)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    target = await make_forms(session, questions=False)
    resp = await upload(client, target, out.getvalue(), name="export.csv")
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["rejected"] == 0 and report["accepted"] == 5
    ignored = [c["header"] for c in report["columns"] if c["use"] == "ignored"]
    assert ignored == ["complete", "registered_at"]
    before = await registered(session, source.event)
    after = await registered(session, target.event)
    assert set(after) == set(before)
    for email, person in before.items():
        copied = after[email]
        assert (copied["name"], copied["role"]) == (person["name"], person["role"])
        assert copied["answers"] == person["answers"], email
    assert after["dash@example.edu"]["answers"]["Anything  ELSE?"] == "=1+1 is two"

"""Re-running the unlocked rest of a working pairing through the job queue (locked groups kept
exactly, late registrations placed, a stale version not applied), and the pairing's exports
through the API."""

from __future__ import annotations

import csv
import io

import httpx
from fastapi import FastAPI
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession

from tests.pairing.helpers import (
    add_late_student,
    adopt,
    edit,
    group_of,
    jobs_done,
    make_paired,
    members,
    succeeded_run,
)

API = "/api/v1"


async def test_rerun_keeps_locked_groups_and_places_the_rest(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 8)
    pairing = await adopt(client, paired, await succeeded_run(session, paired.event))
    locked = pairing["groups"][1]
    locked_resp = await edit(client, paired, pairing["version"], "lock", group_id=locked["id"])
    version = locked_resp.json()["version"]
    late = await add_late_student(session, paired)
    late_two = await add_late_student(session, paired)
    started = await client.post(
        paired.url + "/rerun", json={"version": version}, headers=paired.headers
    )
    assert started.status_code == 202, started.text
    await jobs_done(app)
    run = (await client.get(started.headers["Location"], headers=paired.headers)).json()
    assert run["status"] == "succeeded", run
    assert run["applied_to_pairing"] is True
    after = (await client.get(paired.url, headers=paired.headers)).json()
    assert after["version"] == version + 1
    kept = next(g for g in after["groups"] if g["id"] == locked["id"])
    assert kept["locked"] and members(kept) == members(locked)
    placed = {rid for g in after["groups"] for rid in members(g)}
    assert {late.id, late_two.id} <= placed
    assert after["not_placed"] == [] and after["validation"]["ok"], after["validation"]
    assert len(placed) == 10


async def test_a_rerun_does_not_overwrite_a_newer_edit(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6)
    pairing = await adopt(client, paired, await succeeded_run(session, paired.event))
    version = pairing["version"]
    stale = await client.post(
        paired.url + "/rerun", json={"version": version + 5}, headers=paired.headers
    )
    assert stale.status_code == 409
    # The queue's one slot is taken, so the re-run waits while an admin edits meanwhile.
    queue = app.state.jobs
    await queue._slots.acquire()
    try:
        started = await client.post(
            paired.url + "/rerun", json={"version": version}, headers=paired.headers
        )
        group = pairing["groups"][0]
        locked = await edit(client, paired, version, "lock", group_id=group["id"])
        assert locked.status_code == 200
    finally:
        queue._slots.release()
    await jobs_done(app)
    run = (await client.get(started.headers["Location"], headers=paired.headers)).json()
    assert run["status"] == "succeeded" and run["applied_to_pairing"] is False
    after = (await client.get(paired.url, headers=paired.headers)).json()
    assert after["version"] == version + 1
    assert [members(g) for g in after["groups"]] == [members(g) for g in pairing["groups"]]


async def test_exports_download_and_parse(client: httpx.AsyncClient, session: AsyncSession) -> None:
    paired = await make_paired(session, 6)
    pairing = await adopt(client, paired, await succeeded_run(session, paired.event))
    url = paired.url + "/export"
    as_csv = await client.get(url, params={"format": "csv"}, headers=paired.headers)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(rows) == 6 and {r["group"] for r in rows} == {"1", "2", "3"}
    first = pairing["groups"][0]["members"][0]
    assert any(r["email"] == first["email"] for r in rows if r["group"] == "1")

    as_txt = await client.get(
        url, params={"format": "txt", "explanations": "true"}, headers=paired.headers
    )
    text = as_txt.text
    assert "Group 1:" in text and "Group 3:" in text and first["email"] in text

    as_pdf = await client.get(url, params={"format": "pdf"}, headers=paired.headers)
    assert as_pdf.headers["content-type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(as_pdf.content)).pages
    words = "".join(page.extract_text() for page in pages)
    assert all(f"Group {n}" in words for n in (1, 2, 3))
    assert all(m["email"] in words for g in pairing["groups"] for m in g["members"])

    member = await client.get(url, headers=paired.program.club.member_headers)
    assert member.status_code == 403
    group_of(pairing, first["registration_id"])  # the helper reads the answer's shape


async def test_no_export_before_a_pairing(client: httpx.AsyncClient, session: AsyncSession) -> None:
    paired = await make_paired(session, 4)
    missing = await client.get(paired.url + "/export", headers=paired.headers)
    assert missing.status_code == 404
    bad = await client.get(
        paired.url + "/export", params={"format": "docx"}, headers=paired.headers
    )
    assert bad.status_code == 422

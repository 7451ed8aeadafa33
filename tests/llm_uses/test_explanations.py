"""Use 3: after a publish, the engine's explanations rephrased in friendly words, in batches;
a text that names an interest the engine's terms do not contain is refused (the engine's own
stays), and my-group shows the friendly text when there is one."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.llm import explanations
from peerpear.models import PairingGroupMember
from tests.llm_double import ScriptedLLM, install_llm
from tests.llm_uses.helpers import failing, jobs_idle, sent
from tests.pairing.helpers import Paired, adopt, make_paired, succeeded_run


def honest(purpose: str, instructions: str, data: Any) -> dict[str, Any]:
    items = []
    for person in data["people"]:
        mate, term = person["mates"][0]["mate"], person["terms"][0]
        text = f'You and {mate} both care about "{term}", a great start!'
        items.append({"id": person["id"], "text": text, "interests": [term]})
    return {"items": items}


async def _published(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, llm: Any, people: int = 6
) -> Paired:
    paired = await make_paired(session, people)
    await adopt(client, paired, await succeeded_run(session, paired.event))
    if llm is not None:
        install_llm(app, llm)
    resp = await client.post(f"{paired.program.url}/publish", headers=paired.headers)
    assert resp.status_code == 200, resp.text
    await jobs_idle(app)
    return paired


async def _members(session: AsyncSession) -> list[PairingGroupMember]:
    rows = await session.scalars(
        select(PairingGroupMember)
        .order_by(PairingGroupMember.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def test_students_read_their_explanation_in_friendly_words(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    llm = ScriptedLLM(honest)
    paired = await _published(app, client, session, llm)

    members = await _members(session)

    assert all(m.friendly_explanation for m in members), [m.explanation for m in members]
    student = paired.program.students[0]
    resp = await client.get(f"{paired.program.url}/my-group", headers=student.headers)
    assert resp.status_code == 200, resp.text
    mine = next(m for m in members if m.registration_id == paired.registrations[student.user.id].id)
    assert resp.json()["explanation"] == mine.friendly_explanation
    friendly = mine.friendly_explanation
    assert friendly is not None and friendly != mine.explanation
    mates = [m["first_name"] for m in resp.json()["members"] if not m["is_you"]]
    assert any(friendly.startswith(f"You and {name} both care about") for name in mates), friendly
    # The model saw reasons and terms under placeholders: no names, emails or database ids.
    [call] = llm.calls
    assert call.purpose == "explanation" and call.event_id == paired.event.id
    text = sent(llm)
    for s in paired.program.students:
        for private in (s.user.first_name, s.user.last_name, s.user.email):
            assert private not in text
    assert {p["id"] for p in call.data["people"]} == {f"p{n}" for n in range(1, 7)}


async def test_invented_interests_are_refused_and_the_engines_text_kept(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    refused: dict[str, list[str]] = {}

    def inventive(purpose: str, instructions: str, data: Any) -> dict[str, Any]:
        answer = honest(purpose, instructions, data)
        items = answer["items"]
        people = data["people"]
        # p1 lists an interest that is no term; p2 names, unlisted, an option of the event
        # that is not among its terms; p3 names a mate it does not have; p4 quotes a non-term.
        items[0]["interests"].append("skydiving")
        missing = next(o for o in ("Gaming", "Cooking", "Hiking") if o not in people[1]["terms"])
        items[1]["text"] += f" You both love {missing} too."
        items[2]["text"] = "You and {m9} will get along."
        items[3]["text"] += ' Ask them about "competitive chess".'
        refused.update({p["id"]: p["terms"] for p in people[:4]})
        return answer

    await _published(app, client, session, ScriptedLLM(inventive))

    members = await _members(session)
    friendly = [m for m in members if m.friendly_explanation]
    assert len(refused) == 4 and len(friendly) == 2
    for member in members:  # the engine's explanation is untouched
        assert member.explanation and "care about" not in member.explanation


async def test_explanations_go_in_batches(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(explanations, "BATCH", 4)
    llm = ScriptedLLM(honest)
    await _published(app, client, session, llm, people=10)
    assert [len(c.data["people"]) for c in llm.calls] == [4, 4, 2]
    assert all(m.friendly_explanation for m in await _members(session))


async def test_a_failed_batch_keeps_the_engines_text(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await _published(app, client, session, ScriptedLLM(failing()))
    members = await _members(session)
    assert members and all(m.friendly_explanation is None for m in members)
    student = paired.program.students[0]
    resp = await client.get(f"{paired.program.url}/my-group", headers=student.headers)
    mine = next(m for m in members if m.registration_id == paired.registrations[student.user.id].id)
    assert resp.json()["explanation"] == mine.explanation


async def test_offline_students_read_the_engines_explanation(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await _published(app, client, session, None)  # the app's own: offline
    members = await _members(session)
    assert members and all(m.friendly_explanation is None for m in members)
    student = paired.program.students[1]
    resp = await client.get(f"{paired.program.url}/my-group", headers=student.headers)
    assert resp.status_code == 200
    assert resp.json()["explanation"].startswith("You and ")


async def test_a_changed_explanation_drops_its_friendly_version(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    llm = ScriptedLLM(honest)
    paired = await _published(app, client, session, llm)
    url = paired.program.url
    assert (await client.post(f"{url}/unpublish", headers=paired.headers)).status_code == 200
    pairing = (await client.get(f"{url}/pairing", headers=paired.headers)).json()
    first, second = pairing["groups"][0], pairing["groups"][1]
    resp = await client.post(
        f"{url}/pairing/edits",
        json={
            "version": pairing["version"],
            "op": "swap",
            "registration_a": first["members"][0]["registration_id"],
            "registration_b": second["members"][0]["registration_id"],
        },
        headers=paired.headers,
    )
    assert resp.status_code == 200, resp.text
    changed = [m for m in await _members(session) if m.friendly_explanation is None]
    assert changed, "a swap changes some explanations"
    calls = len(llm.calls)
    assert (await client.post(f"{url}/publish", headers=paired.headers)).status_code == 200
    await jobs_idle(app)
    assert all(m.friendly_explanation for m in await _members(session))
    # Only the people whose explanation changed were asked about again.
    asked = json.dumps(llm.calls[calls].data)
    assert asked.count('"id": "p') == len(changed)


async def test_a_name_two_people_both_wrote_never_reaches_the_model(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # Everyone writes about the same registrant (in lower case, as people type): the engine's
    # reasons quote shared words lowercased ("you both wrote about marguerite").
    texts = ["Hoping for marguerite and chess"] * 6
    paired = await make_paired(session, 6, texts=texts)
    paired.program.students[5].user.first_name = "Marguerite"
    await session.commit()
    await adopt(client, paired, await succeeded_run(session, paired.event))
    llm = ScriptedLLM(honest)
    install_llm(app, llm)
    resp = await client.post(f"{paired.program.url}/publish", headers=paired.headers)
    assert resp.status_code == 200, resp.text
    await jobs_idle(app)

    assert llm.calls, "nobody was rephrased"
    text = sent(llm).casefold()
    assert "marguerite" not in text and "chess" in text
    for call in llm.calls:
        for person in call.data["people"]:
            assert all("marguerite" not in term.casefold() for term in person["terms"])

"""Use 2: an admin's wish turned into run parameters, checked against the event's questions,
that a run accepts unchanged; 409 offline, 503 when the model fails."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.llm import suggest
from tests.llm_double import ScriptedLLM, install_llm
from tests.llm_uses.helpers import GatedLLM, failing, sent
from tests.pairing.helpers import complete_program, jobs_done
from tests.registrations.helpers import Program

WISH = "mix tea and coffee people, keep people who love hiking together, groups of four"


def _proposal(program: Program) -> dict[str, Any]:
    return {
        "mode": "groups",
        "group_size": 4,
        "questions": [
            {"question_id": program.single.id, "weight": 2, "mode": "different"},
            {"question_id": program.multi.id, "weight": 250, "mode": "similar"},
            {"question_id": program.scale.id, "mode": "sideways"},
            {"question_id": 987654, "weight": 3},
        ],
        "no_isolation": [
            {"question_id": program.multi.id, "option": "hiking"},  # the case differs
            {"question_id": program.multi.id, "option": "Knitting"},
            {"question_id": program.text.id, "option": "anything"},
        ],
        "rationale": "Tea and coffee drinkers mix; hikers stay together.",
        "notes": ["Groups of four fit twelve people."],
    }


async def _suggest(client: httpx.AsyncClient, program: Program, wish: str = WISH) -> httpx.Response:
    return await client.post(
        program.url + "/pairing-settings/suggest",
        json={"wish": wish},
        headers=program.club.owner_headers,
    )


async def test_a_wish_becomes_checked_parameters_a_run_accepts_unchanged(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 12)
    llm = ScriptedLLM(lambda purpose, instructions, data: _proposal(program))
    install_llm(app, llm)

    resp = await _suggest(client, program)

    assert resp.status_code == 200, resp.text
    body = resp.json()
    single, multi = str(program.single.id), str(program.multi.id)
    params = body["parameters"]
    assert params["mode"] == "groups" and params["group_size"] == 4
    assert params["questions"] == {
        single: {"weight": 2.0, "mode": "different"},
        multi: {"weight": 100.0, "mode": "similar"},  # clamped
    }
    assert params["no_isolation"] == [{"question_id": program.multi.id, "option": "Hiking"}]
    assert body["rationale"] == "Tea and coffee drinkers mix; hikers stay together."
    notes = "\n".join(body["notes"])
    assert "question 987654 dropped: no such question in this event" in notes
    assert "weight 250 → 100" in notes and "mode 'sideways' dropped" in notes
    assert "'Knitting' is not an option" in notes and "not a choice question" in notes
    assert body["notes"][-1] == "Groups of four fit twelve people."
    # What the model was given: the event's questions and the wish, nobody's name or email.
    [call] = llm.calls
    assert call.purpose == "suggest" and call.event_id == program.event.id
    assert call.data["wish"] == WISH
    assert {q["id"] for q in call.data["questions"]} == {
        q.id for q in (program.single, program.multi, program.scale, program.text)
    }
    assert call.data["event"]["complete_registrations"] == 12
    text = sent(llm)
    for student in program.students:
        for private in (student.user.email, student.user.last_name):
            assert private not in text
    # Nothing was applied; the parameters start a run as they are.
    owner = program.club.owner_headers
    started = await client.post(program.url + "/pairing-runs", json=params, headers=owner)
    assert started.status_code == 202, started.text
    await jobs_done(app)
    run = (await client.get(started.headers["Location"], headers=owner)).json()
    assert run["status"] == "succeeded", run
    assert {len(g["members"]) for g in run["groups"]} == {4}


async def test_sizes_and_modes_the_event_cannot_take_are_dropped(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 4)
    answer = {"mode": "mentor", "min_size": 6, "max_size": 3, "group_size": 80}
    install_llm(app, ScriptedLLM(lambda *_: answer))
    resp = await _suggest(client, program)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["parameters"]["questions"] == {} and body["parameters"]["no_isolation"] == []
    assert "mode" not in body["parameters"] or body["parameters"]["mode"] is None
    assert body["parameters"]["group_size"] is None and body["parameters"]["min_size"] is None
    notes = "\n".join(body["notes"])
    assert "group_size 80 dropped" in notes and "the minimum exceeds the maximum" in notes
    assert "mode 'mentor' dropped" in notes


async def test_offline_there_is_nothing_to_ask(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 2)  # the app's own client: offline
    resp = await _suggest(client, program)
    assert resp.status_code == 409, resp.text
    error = resp.json()["error"]
    assert error["code"] == "llm_not_configured"
    assert "no language model is configured" in error["message"]


async def test_a_failing_model_answers_503_with_the_reason(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 2)
    install_llm(app, ScriptedLLM(failing("the provider timed out after 30 s")))
    resp = await _suggest(client, program)
    assert resp.status_code == 503, resp.text
    error = resp.json()["error"]
    assert error["code"] == "llm_failed"
    assert error["details"]["reason"] == "the provider timed out after 30 s"


async def test_wishes_are_checked_and_only_admins_may_ask(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 2)
    llm = ScriptedLLM(lambda *_: {"rationale": "nothing to change"})
    install_llm(app, llm)
    for wish in ("", " ", "x" * 1001):
        assert (await _suggest(client, program, wish)).status_code == 422
    resp = await client.post(
        program.url + "/pairing-settings/suggest",
        json={"wish": WISH},
        headers=program.club.member_headers,
    )
    assert resp.status_code == 403
    assert llm.calls == []
    ok = await _suggest(client, program)
    assert ok.status_code == 200 and ok.json()["notes"] == []


async def test_an_admin_gets_a_limited_number_of_suggestions_an_hour(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(suggest, "PER_HOUR", 2)
    program = await complete_program(session, 2)
    llm = ScriptedLLM(lambda *_: {"rationale": "nothing to change"})
    install_llm(app, llm)
    for n in range(2):
        assert (await _suggest(client, program, f"{WISH} {n}")).status_code == 200
    refused = await _suggest(client, program, WISH + " again")
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["Retry-After"]) > 3000
    assert len(llm.calls) == 2


@pytest.mark.parametrize("settings_overrides", [{"llm_timeout_seconds": 0.1}])
async def test_a_model_that_keeps_the_admin_waiting_answers_503(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 2)
    llm = GatedLLM(lambda *_: {"rationale": "too late"})  # the gate never opens
    install_llm(app, llm)
    resp = await _suggest(client, program)
    assert resp.status_code == 503, resp.text
    error = resp.json()["error"]
    assert error["code"] == "llm_failed"
    assert error["details"]["reason"] == "no answer within 0.2 s"

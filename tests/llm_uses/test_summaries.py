"""Use 1: registration summaries, made in the background after a complete submit."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.llm.summaries import MAX_SUMMARY, recover_summaries, summarize
from peerpear.models import Answer, Registration, SummaryStatus
from tests.factories import create_registration
from tests.llm_double import ScriptedLLM, install_llm
from tests.llm_uses.helpers import GatedLLM, failing, jobs_idle, sent
from tests.registrations.helpers import Program, Student, make_program


def echo(purpose: str, instructions: str, data: Any) -> dict[str, Any]:
    """The model's summary names the first answer it was given (to tell versions apart)."""
    first = data["answers"][0]["answer"]
    return {"summary": f"Picks {first}; likes the outdoors."}


async def _submit(
    client: httpx.AsyncClient, program: Program, student: Student, tea: str = "Tea", text: str = ""
) -> httpx.Response:
    answers = program.complete_answers()
    answers[str(program.single.id)] = tea
    answers[str(program.text.id)] = text or "I run trails on weekends"
    url = program.url + "/registration"
    if (await client.get(url, headers=student.headers)).status_code == 404:
        assert (await client.post(url, json={}, headers=student.headers)).status_code == 201
    return await client.put(url + "/answers", json={"answers": answers}, headers=student.headers)


async def _registration(session: AsyncSession, registration_id: int) -> Registration:
    found = await session.scalar(
        select(Registration)
        .where(Registration.id == registration_id)
        .execution_options(populate_existing=True)
    )
    assert found is not None
    return found


async def _admin_list(client: httpx.AsyncClient, program: Program) -> list[dict[str, Any]]:
    resp = await client.get(program.url + "/registrations", headers=program.club.owner_headers)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def test_the_submit_does_not_wait_for_its_summary(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    llm = GatedLLM(echo)
    install_llm(app, llm)
    program = await make_program(session)
    student = program.students[0]

    resp = await _submit(client, program, student)

    assert resp.status_code == 200, resp.text
    rid = resp.json()["registration_id"]
    await asyncio.wait_for(llm.entered.wait(), 5)  # the job is waiting on the model
    assert (await _registration(session, rid)).summary_status is SummaryStatus.PENDING
    [listed] = await _admin_list(client, program)
    assert listed["summary_status"] == "pending" and listed["summary"] is None
    llm.gate.set()
    await jobs_idle(app)
    [listed] = await _admin_list(client, program)
    assert listed["summary_status"] == "ready"
    assert listed["summary"] == "Picks Tea; likes the outdoors."
    [call] = llm.calls
    assert call.purpose == "summary" and call.event_id == program.event.id
    # The student never sees it: their registration and answers carry no summary.
    mine = await client.get(program.url + "/registration", headers=student.headers)
    answers = await client.get(program.url + "/registration/answers", headers=student.headers)
    assert "summary" not in mine.text and "summary" not in answers.text


async def test_an_incomplete_submit_asks_for_no_summary(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    llm = ScriptedLLM(echo)
    install_llm(app, llm)
    program = await make_program(session)
    student = program.students[0]
    url = program.url + "/registration"
    assert (await client.post(url, json={}, headers=student.headers)).status_code == 201
    resp = await client.put(
        url + "/answers", json={"answers": {str(program.single.id): "Tea"}}, headers=student.headers
    )
    assert resp.status_code == 200 and resp.json()["is_complete"] is False
    await jobs_idle(app)
    assert llm.calls == []
    reg = await _registration(session, resp.json()["registration_id"])
    assert reg.summary_status is None


async def test_offline_the_summary_is_extractive(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session)  # the app's own client: the offline provider
    long_text = "I run trails on weekends and shoot film photography " * 20

    resp = await _submit(client, program, program.students[0], text=long_text)

    assert resp.status_code == 200
    await jobs_idle(app)
    reg = await _registration(session, resp.json()["registration_id"])
    assert reg.summary_status is SummaryStatus.READY
    assert reg.summary is not None
    assert reg.summary.startswith("Tea or coffee: Tea; Hobbies: Hiking; How outgoing: 1 on a")
    assert "About you: I run trails on weekends" in reg.summary
    assert len(reg.summary) <= MAX_SUMMARY


async def test_a_failed_call_marks_the_summary_failed_and_the_submit_still_succeeds(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session)
    student = program.students[0]
    install_llm(app, ScriptedLLM(echo))
    first = await _submit(client, program, student, tea="Tea")
    await jobs_idle(app)
    rid = first.json()["registration_id"]
    assert (await _registration(session, rid)).summary == "Picks Tea; likes the outdoors."
    install_llm(app, ScriptedLLM(failing()))

    resp = await _submit(client, program, student, tea="Coffee")

    assert resp.status_code == 200, resp.text
    await jobs_idle(app)
    reg = await _registration(session, rid)
    assert reg.summary_status is SummaryStatus.FAILED
    assert reg.summary == "Picks Tea; likes the outdoors."  # the previous one is kept
    [listed] = await _admin_list(client, program)
    assert listed["summary_status"] == "failed"


async def test_a_first_failed_call_leaves_the_extractive_summary(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    install_llm(app, ScriptedLLM(failing()))
    program = await make_program(session)
    resp = await _submit(client, program, program.students[0])
    assert resp.status_code == 200
    await jobs_idle(app)
    reg = await _registration(session, resp.json()["registration_id"])
    assert reg.summary_status is SummaryStatus.FAILED
    assert reg.summary is not None and reg.summary.startswith("Tea or coffee: Tea")


async def test_the_model_sees_no_name_and_no_email(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    llm = ScriptedLLM(echo)
    install_llm(app, llm)
    program = await make_program(session)
    student = program.students[0]
    user = student.user
    text = (
        f"Hi, I'm {user.first_name} {user.last_name}! Write to {user.email} "
        "or to my.friend@example.org. I love bouldering."
    )

    assert (await _submit(client, program, student, text=text)).status_code == 200

    await jobs_idle(app)
    everything = sent(llm).lower()
    assert llm.calls, "the model was asked"
    for private in (user.first_name, user.last_name, user.email, "my.friend@example.org"):
        assert private.lower() not in everything
    assert "bouldering" in everything and "[email]" in everything


async def test_the_model_sees_no_name_of_another_registrant(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    llm = ScriptedLLM(echo)
    install_llm(app, llm)
    program = await make_program(session)
    friend, writer = program.students
    assert (await _submit(client, program, friend)).status_code == 200
    await jobs_idle(app)
    llm.calls.clear()
    other = friend.user
    text = f"Please put me with {other.first_name} {other.last_name}, we climb together."

    assert (await _submit(client, program, writer, text=text)).status_code == 200

    await jobs_idle(app)
    everything = sent(llm)
    assert llm.calls, "the model was asked"
    assert other.first_name not in everything and other.last_name not in everything
    assert "[name] [name], we climb together" in everything


async def test_a_summary_of_answers_changed_meanwhile_is_not_stored(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    llm = GatedLLM(echo)
    install_llm(app, llm)
    program = await make_program(session)
    reg = await create_registration(
        session, program.event, program.students[0].user, answers=_answers(program, 0),
        is_complete=True,
    )  # fmt: skip
    # The job alone, as a worker runs it: no other job will follow (its enqueue failed).
    job = asyncio.create_task(summarize(app.state.jobs.context, reg.id))
    await asyncio.wait_for(llm.entered.wait(), 5)  # summarizing "Tea"
    await session.execute(
        update(Answer)
        .where(Answer.registration_id == reg.id, Answer.question_id == program.single.id)
        .values(value="Coffee")
    )
    await session.commit()

    llm.gate.set()

    assert await job is None
    assert (await _registration(session, reg.id)).summary is None
    # Run again (the periodic pass would), it summarizes what is there now.
    assert await summarize(app.state.jobs.context, reg.id) is SummaryStatus.READY
    assert (await _registration(session, reg.id)).summary == "Picks Coffee; likes the outdoors."


async def test_resubmitting_while_a_summary_is_made_ends_with_the_new_answers(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    llm = GatedLLM(echo)
    install_llm(app, llm)
    program = await make_program(session)
    student = program.students[0]
    first = await _submit(client, program, student, tea="Tea")
    await asyncio.wait_for(llm.entered.wait(), 5)

    second = await _submit(client, program, student, tea="Coffee")

    assert second.status_code == 200
    llm.gate.set()
    await jobs_idle(app)
    assert [c.data["answers"][0]["answer"] for c in llm.calls] == ["Tea", "Coffee"]
    reg = await _registration(session, first.json()["registration_id"])
    assert reg.summary == "Picks Coffee; likes the outdoors."
    assert reg.summary_status is SummaryStatus.READY


async def test_admins_re_request_summaries(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session, students=3)
    made = [
        await create_registration(
            session, program.event, s.user, answers=_answers(program, n), is_complete=n < 2
        )
        for n, s in enumerate(program.students)
    ]
    llm = ScriptedLLM(echo)
    install_llm(app, llm)
    url = program.url + "/registrations/summaries"
    headers = program.club.owner_headers

    resp = await client.post(url, headers=headers)

    assert resp.status_code == 202, resp.text
    assert resp.json() == {"requested": 2}  # the complete ones
    await jobs_idle(app)
    statuses = {r.id: (await _registration(session, r.id)).summary_status for r in made}
    assert statuses == {
        made[0].id: SummaryStatus.READY,
        made[1].id: SummaryStatus.READY,
        made[2].id: None,
    }
    again = await client.post(url, headers=headers)
    assert again.json() == {"requested": 0}  # every complete one is ready
    everyone = await client.post(url, params={"all": "true"}, headers=headers)
    assert everyone.json() == {"requested": 2}
    await jobs_idle(app)
    assert len(llm.calls) == 4
    forbidden = await client.post(url, headers=program.club.member_headers)
    assert forbidden.status_code == 403


def _answers(program: Program, n: int) -> dict[Any, Any]:
    values = program.complete_answers(n)
    return {q: values[str(q.id)] for q in (program.single, program.multi, program.scale)}


async def test_summaries_left_pending_are_picked_up_again(
    app: FastAPI, session: AsyncSession
) -> None:
    program = await make_program(session)
    reg = await create_registration(
        session, program.event, program.students[0].user, answers=_answers(program, 0),
        is_complete=True,
    )  # fmt: skip
    long_ago = utcnow() - timedelta(hours=1)
    await session.execute(
        update(Registration)
        .where(Registration.id == reg.id)
        .values(summary_status=SummaryStatus.PENDING, updated_at=long_ago)
    )
    await session.commit()
    llm = ScriptedLLM(echo)
    install_llm(app, llm)
    ctx = dataclasses.replace(app.state.jobs.context)

    assert await recover_summaries(ctx) == 1

    await jobs_idle(app)
    assert (await _registration(session, reg.id)).summary_status is SummaryStatus.READY
    # A summary pending for a moment only (its job may be running) is left alone.
    await session.execute(
        update(Registration)
        .where(Registration.id == reg.id)
        .values(summary_status=SummaryStatus.PENDING, updated_at=utcnow())
    )
    await session.commit()
    assert await recover_summaries(ctx) == 0

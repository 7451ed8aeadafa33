"""Answers: saved in bulk, validated per question type with a per-question error list, nothing
saved when any fails, completeness computed by the server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import Answer, EventStatus, Registration
from tests.registrations.helpers import Program, Student, make_program


async def _registered(client: httpx.AsyncClient, program: Program) -> Student:
    student = program.students[0]
    resp = await client.post(program.url + "/registration", json={}, headers=student.headers)
    assert resp.status_code == 201
    return student


async def _put(
    client: httpx.AsyncClient, program: Program, student: Student, answers: dict[str, Any]
) -> httpx.Response:
    return await client.put(
        program.url + "/registration/answers", json={"answers": answers}, headers=student.headers
    )


async def test_answers_complete_a_registration_step_by_step(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session)
    student = await _registered(client, program)
    first = await _put(client, program, student, {str(program.single.id): "Tea"})
    assert first.status_code == 200, first.text
    assert first.json()["is_complete"] is False
    assert first.json()["missing_required"] == [program.multi.id, program.scale.id]
    # Questions left out keep their answers; text is trimmed.
    second = await _put(
        client,
        program,
        student,
        {
            str(program.multi.id): ["Gaming", "Hiking"],
            str(program.scale.id): 5,
            str(program.text.id): "  I run trails  ",
        },
    )
    body = second.json()
    assert body["is_complete"] is True and body["missing_required"] == []
    assert body["answers"] == {
        str(program.single.id): "Tea",
        str(program.multi.id): ["Gaming", "Hiking"],
        str(program.scale.id): 5,
        str(program.text.id): "I run trails",
    }
    read = await client.get(program.url + "/registration/answers", headers=student.headers)
    assert read.json() == body
    registration = await session.scalar(select(Registration))
    assert registration is not None and registration.is_complete is True
    # Clearing a required answer (null, or an empty list) makes it incomplete again.
    cleared = await _put(client, program, student, {str(program.multi.id): []})
    assert cleared.json()["is_complete"] is False
    assert cleared.json()["missing_required"] == [program.multi.id]
    assert str(program.multi.id) not in cleared.json()["answers"]
    await session.refresh(registration)
    assert registration.is_complete is False


BAD_VALUES = [
    ("single", 3, "takes one option"),
    ("single", "Cocoa", "not one of the options"),
    ("multi", "Hiking", "list of options"),
    ("multi", ["Hiking", "Hiking"], "picked twice"),
    ("multi", ["Skydiving"], "not one of the options"),
    ("scale", 6, "between 1 and 5"),
    ("scale", 0, "between 1 and 5"),
    ("scale", "3", "takes an integer"),
    ("text", ["a"], "takes a string"),
]


@pytest.mark.parametrize(("which", "value", "reason"), BAD_VALUES)
async def test_a_bad_value_is_refused_with_its_question(
    client: httpx.AsyncClient, session: AsyncSession, which: str, value: Any, reason: str
) -> None:
    program = await make_program(session)
    student = await _registered(client, program)
    question = getattr(program, which)
    resp = await _put(client, program, student, {str(question.id): value})
    assert resp.status_code == 422, resp.text
    [error] = resp.json()["error"]["details"]
    assert error["question_id"] == question.id
    assert error["loc"] == ["body", "answers", str(question.id)]
    assert reason in error["msg"]


async def test_nothing_is_saved_when_any_answer_fails(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session)
    student = await _registered(client, program)
    answers = program.complete_answers()
    answers[str(program.scale.id)] = 99
    answers[str(program.single.id)] = "Cocoa"
    answers["999999"] = "no such question"
    resp = await _put(client, program, student, answers)
    assert resp.status_code == 422
    failing = {e["question_id"] for e in resp.json()["error"]["details"]}
    assert failing == {program.scale.id, program.single.id, 999999}
    assert "nothing was saved" in resp.json()["error"]["message"]
    assert list(await session.scalars(select(Answer))) == []


async def test_a_question_of_another_event_is_not_answerable(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session)
    other = await make_program(session)
    student = await _registered(client, program)
    resp = await _put(client, program, student, {str(other.single.id): "Tea"})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["msg"] == "no such question in this event"


async def test_answers_need_a_registration_and_an_open_event(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session)
    student = program.students[0]
    unregistered = await _put(client, program, student, {str(program.single.id): "Tea"})
    assert unregistered.status_code == 404
    await _registered(client, program)
    program.event.status = EventStatus.CLOSED
    session.add(program.event)
    await session.commit()
    closed = await _put(client, program, student, {str(program.single.id): "Tea"})
    assert closed.status_code == 409
    # Still readable once closed.
    read = await client.get(program.url + "/registration/answers", headers=student.headers)
    assert read.status_code == 200 and read.json()["answers"] == {}


async def test_answer_body_shape_is_checked_at_the_edge(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session)
    student = await _registered(client, program)
    for answers in ({"abc": "Tea"}, {"0": "Tea"}, {"1": {"nested": True}}, {"1": "nul\u0000"}):
        resp = await _put(client, program, student, answers)
        assert resp.status_code == 422, (answers, resp.text)

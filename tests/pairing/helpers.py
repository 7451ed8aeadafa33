"""Arrangements for pairing tests: a closed event whose students registered with
complete answers, succeeded runs made by the real engine (as a worker would store them), and
the pairing API as an admin calls it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.engine import Result, parse_problem, solve
from peerpear.engine.result import Validation
from peerpear.jobs.inprocess import InProcessQueue
from peerpear.models import (
    Event,
    EventStatus,
    Pairing,
    PairingGroup,
    PairingGroupMember,
    PairingRun,
    Question,
    Registration,
    RunStatus,
)
from peerpear.pairing.parameters import RunParameters
from peerpear.pairing.run_result import StoredGroup, StoredParticipant, StoredResult, to_columns
from peerpear.pairing.snapshot import load_snapshot
from tests.factories import create_registration
from tests.registrations.helpers import Program, Student, add_students, make_program

# Profiles stay out: the questionnaire alone decides, so tests can predict the groups.
PARAMS = RunParameters(use_profile=False)


@dataclass
class Paired:
    """A closed event with students registered (complete) and the admin's view of it."""

    program: Program
    registrations: dict[int, Registration] = field(default_factory=dict)  # by user id

    @property
    def event(self) -> Event:
        return self.program.event

    @property
    def headers(self) -> dict[str, str]:
        return self.program.club.owner_headers

    @property
    def url(self) -> str:
        return f"{self.program.url}/pairing"

    def student(self, registration_id: int) -> Student:
        return next(
            s for s in self.program.students
            if self.registrations[s.user.id].id == registration_id
        )  # fmt: skip


def answers_for(program: Program, n: int, text: str | None = None) -> dict[Question, Any]:
    values = program.complete_answers(n)
    questions = (program.single, program.multi, program.scale, program.text)
    answers = {q: values[str(q.id)] for q in questions}
    if text is not None:
        answers[program.text] = text
    return answers


async def register(
    session: AsyncSession,
    paired: Paired,
    students: list[Student],
    *,
    offset: int = 0,
    texts: list[str] | None = None,
) -> None:
    """Complete registrations with answers that differ from one person to the next (``texts``:
    the text answers, one per student)."""
    program = paired.program
    for n, student in enumerate(students):
        text = texts[n] if texts is not None else None
        paired.registrations[student.user.id] = await create_registration(
            session,
            program.event,
            student.user,
            answers=answers_for(program, n + offset, text),
            is_complete=True,
        )


async def make_paired(
    session: AsyncSession, students: int = 6, *, texts: list[str] | None = None, **fields: Any
) -> Paired:
    program = await make_program(session, status=EventStatus.CLOSED, students=students, **fields)
    paired = Paired(program)
    await register(session, paired, program.students, texts=texts)
    return paired


async def add_late_student(session: AsyncSession, paired: Paired) -> Registration:
    """Someone registered (complete) after the run: the event was reopened meanwhile."""
    [student] = await add_students(session, paired.program, 1)
    await register(session, paired, [student], offset=len(paired.registrations))
    return paired.registrations[student.user.id]


async def succeeded_run(
    session: AsyncSession, event: Event, params: RunParameters = PARAMS
) -> PairingRun:
    """A run as the worker leaves it: the engine solved the event's snapshot synchronously."""
    snapshot = await load_snapshot(session, event, params)
    result: Result = solve(parse_problem(snapshot.problem))
    stored, metrics = to_columns(snapshot, result)
    return await _store_run(session, event, params, stored, metrics, snapshot.fingerprint)


async def stored_run(
    session: AsyncSession, event: Event, groups: list[list[Registration]]
) -> PairingRun:
    """A succeeded run whose result is ``groups``, written without solving (cheap: for the
    authorization matrix's worlds)."""
    result = StoredResult(
        groups=[StoredGroup(members=[str(r.user_id) for r in g], score=0.5) for g in groups],
        participants={
            str(r.user_id): StoredParticipant(group=n, satisfaction=0.5, explanation="")
            for n, g in enumerate(groups)
            for r in g
        },
        validation=Validation(ok=True),
        registrations={str(r.user_id): r.id for g in groups for r in g},
    )
    metrics = {key: 0.5 for key in ("mean_satisfaction", "min_satisfaction", "p10_satisfaction")}
    metrics.update(upper_bound=0.9, gap=0.4, runtime_s=0.1, objective=1.0)
    return await _store_run(session, event, PARAMS, result.model_dump(mode="json"), metrics, None)


async def _store_run(
    session: AsyncSession,
    event: Event,
    params: RunParameters,
    result: dict[str, Any],
    metrics: dict[str, Any],
    fingerprint: str | None,
) -> PairingRun:
    now = utcnow()
    run = PairingRun(
        event_id=event.id,
        status=RunStatus.SUCCEEDED,
        parameters=params.model_dump(mode="json", exclude_defaults=True),
        progress=1.0,
        result=result,
        metrics=metrics,
        input_fingerprint=fingerprint,
        started_at=now,
        finished_at=now,
    )
    session.add(run)
    await session.commit()
    return run


async def place_directly(
    session: AsyncSession,
    event: Event,
    groups: list[list[Registration]],
    *,
    run: PairingRun | None = None,
    published: bool = False,
) -> tuple[Pairing, list[PairingGroup]]:
    """The working pairing ``groups`` written as rows (what adopting ``run`` makes, version 1),
    published when asked (as the lifecycle's publish leaves it)."""
    pairing = Pairing(
        event_id=event.id,
        source_run_id=run.id if run is not None else None,
        version=1,
        published_at=utcnow() if published else None,
    )
    session.add(pairing)
    await session.flush()
    made = [PairingGroup(pairing_id=pairing.id, position=n) for n in range(len(groups))]
    session.add_all(made)
    await session.flush()
    session.add_all(
        PairingGroupMember(group_id=group.id, pairing_id=pairing.id, registration_id=r.id)
        for group, members in zip(made, groups, strict=True)
        for r in members
    )
    await session.commit()
    return pairing, made


async def adopt(client: httpx.AsyncClient, paired: Paired, run: PairingRun) -> dict[str, Any]:
    resp = await client.put(paired.url, json={"run_id": run.id}, headers=paired.headers)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def edit(
    client: httpx.AsyncClient, paired: Paired, version: int, op: str, **fields: Any
) -> httpx.Response:
    return await client.post(
        paired.url + "/edits", json={"version": version, "op": op, **fields}, headers=paired.headers
    )


def group_of(pairing: dict[str, Any], registration_id: int) -> dict[str, Any]:
    return next(
        g for g in pairing["groups"]
        if registration_id in [m["registration_id"] for m in g["members"]]
    )  # fmt: skip


def members(group: dict[str, Any]) -> list[int]:
    return [m["registration_id"] for m in group["members"]]


async def complete_program(
    session: AsyncSession, people: int, *, status: EventStatus = EventStatus.CLOSED, **fields: Any
) -> Program:
    """An event (closed by default) with ``people`` complete registrations, answered."""
    program = await make_program(session, status=status, students=people, **fields)
    for n, student in enumerate(program.students):
        answers = {
            program.single: ["Tea", "Coffee"][n % 2],
            program.multi: [["Hiking"], ["Gaming", "Cooking"], ["Hiking", "Cooking"]][n % 3],
            program.scale: 1 + n % 5,
            program.text: ["I run trails", "Film photography", "Board games night"][n % 3],
        }
        await create_registration(
            session, program.event, student.user, answers=answers, is_complete=True
        )
    return program


async def jobs_done(app: FastAPI) -> None:
    """Wait until the app's in-process queue has run everything enqueued so far."""
    queue = app.state.jobs
    assert isinstance(queue, InProcessQueue)
    await queue.idle()

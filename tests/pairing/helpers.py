"""Arrangements for pairing tests: an event with complete registrations, answered."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.jobs.inprocess import InProcessQueue
from peerpear.models import EventStatus
from tests.factories import create_registration
from tests.registrations.helpers import Program, make_program


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

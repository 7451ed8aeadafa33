"""Routes for recurring rounds (thin: authorize, call a service, return).

Admins list the rounds and publish the ones that wait for them; students skip a round, pause
and resume, and read their group in a published round. The rounds themselves are started by
the job queue's periodic ``rounds.schedule`` (rounds/scheduler.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from peerpear.deps import SessionDep, id_path
from peerpear.events.deps import AdminEvent, VisibleEvent
from peerpear.openapi import errors
from peerpear.pairing.working_schemas import MyGroupOut
from peerpear.rounds import service
from peerpear.rounds.schemas import ParticipationOut, PauseIn, RoundOut

router = APIRouter(tags=["rounds"])

ROUNDS = "/events/{event_id:int}/rounds"
ROUND = ROUNDS + "/{number:int}"
RoundNumber = Annotated[int, id_path("The round's number (from 1).")]
PUBLISH_409 = {409: "The round is not waiting for an admin (still pairing, failed, or published)."}
SKIP_409 = {409: "The event is not recurring, has no such round, or the round has started."}
PAUSE_409 = {409: "The event is not recurring."}
GROUP_409 = {409: "The round is not published yet."}


@router.get(ROUNDS, responses=errors(403))
async def list_rounds(access: AdminEvent, db: SessionDep) -> list[RoundOut]:
    """The event's rounds so far, first to last (admins)."""
    return await service.list_rounds(db, access.event.id)


@router.post(ROUND + "/publish", responses=errors(403, 409, why=PUBLISH_409))
async def publish_round(number: RoundNumber, access: AdminEvent, db: SessionDep) -> RoundOut:
    """Publish a round that waits for an admin (recurrence ``auto_publish`` false): its
    participants then see their groups."""
    return await service.publish_round(db, access, number)


@router.post(ROUND + "/skip", responses=errors(409, why=SKIP_409))
async def skip_round(number: RoundNumber, access: VisibleEvent, db: SessionDep) -> ParticipationOut:
    """Leave the caller out of a round that has not started (404 when not registered)."""
    return await service.skip_round(db, access, number)


@router.put("/events/{event_id:int}/registration/pause", responses=errors(409, why=PAUSE_409))
async def pause(body: PauseIn, access: VisibleEvent, db: SessionDep) -> ParticipationOut:
    """Pause (``paused`` true: left out of every round from the next one on) or resume
    (false). 404 when the caller is not registered."""
    return await service.set_paused(db, access, body.paused)


@router.get(ROUND + "/my-group", responses=errors(409, why=GROUP_409))
async def my_round_group(number: RoundNumber, access: VisibleEvent, db: SessionDep) -> MyGroupOut:
    """The caller's group in a published round: names, emails, roles, and why (409 before it
    is published; 404 when the caller is not in it)."""
    return await service.my_round_group(db, access, number)

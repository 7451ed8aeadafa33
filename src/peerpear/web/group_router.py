"""A student's group once the pairing is published (``/events/{id}/group``): the pairing's
``my_group`` service, as ``GET /api/v1/events/{id}/my-group`` answers it.

Not published yet, not registered, or not placed: the page says so in a sentence (the service's
own), with where to go next; those are states of the event, not errors of the page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from peerpear.auth.deps import OptionalUser
from peerpear.deps import SessionDep
from peerpear.errors import InvalidState, NotFound
from peerpear.pairing.my_group import my_group
from peerpear.registrations.service import find_mine
from peerpear.web.deps import page
from peerpear.web.event_router import VisibleEventPage
from peerpear.web.text import sentence

router = APIRouter(include_in_schema=False)


@router.get("/events/{event_id:int}/group")
async def group_page(
    request: Request, loaded: VisibleEventPage, user: OptionalUser, db: SessionDep
) -> Response:
    access = loaded.access
    group = None
    unavailable: str | None = None
    try:
        group = await my_group(db, access)
    except (InvalidState, NotFound) as refused:
        unavailable = sentence(refused.message)
    return page(
        request,
        "group.html",
        title=f"Your group: {access.event.title}",
        user=access.user,
        current="events",
        event=access.event,
        group=group,
        unavailable=unavailable,
        registered=await find_mine(db, access) is not None,
    )

"""Routes for events and their lifecycle (thin: authorize, call a service, return).

Visibility (events/access.py): drafts are for the organization's admins; other events are seen
by every signed-in user when public, by the organization's members when members-only. An event
the caller cannot see answers 404; changing one they can see but do not administer answers 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Body, Query, Response, status

from peerpear.auth.deps import CurrentUser
from peerpear.deps import (
    JobsDep,
    PageDep,
    RawReaderDep,
    SessionDep,
    SessionmakerDep,
    SettingsDep,
)
from peerpear.events import fast_read, lifecycle, service
from peerpear.events.deps import AdminEvent, EventIdPath, MediaDep
from peerpear.events.schemas import AuditEntryOut, EventCreate, EventOut, EventUpdate
from peerpear.llm.explanations import request_explanations
from peerpear.mail.delivery import enqueue_mail
from peerpear.mail.introductions import queue_introductions
from peerpear.mail.notice_schemas import PublishOptions
from peerpear.models import EventStatus
from peerpear.openapi import errors
from peerpear.organizations.deps import OrgAdmin
from peerpear.responses import json_response
from peerpear.schemas_common import Page

router = APIRouter(tags=["events"])

STATE_409 = {409: "The event's status does not allow this (the message says why)."}


@router.post(
    "/organizations/{org_id:int}/events",
    status_code=status.HTTP_201_CREATED,
    responses=errors(403),
)
async def create_event(body: EventCreate, access: OrgAdmin, db: SessionDep) -> EventOut:
    """Create an event in draft (admins and owners of the organization)."""
    return await service.create_event(db, access, body)


@router.get("/organizations/{org_id:int}/events", responses=errors(403))
async def list_org_events(
    access: OrgAdmin,
    db: SessionDep,
    sessions: SessionmakerDep,
    page: PageDep,
    status: Annotated[EventStatus | None, Query(description="Only events in this status.")] = None,
) -> Page[EventOut]:
    """All of the organization's events, newest first (admins and owners)."""
    return await service.list_org_events(db, sessions, access.organization.id, status, page)


@router.get("/events/registered")
async def list_registered_events(
    user: CurrentUser, db: SessionDep, sessions: SessionmakerDep, page: PageDep
) -> Page[EventOut]:
    """The events the caller is registered for (open, closed or published; not archived),
    newest first: where a student goes back to their answers or, once published, their
    group."""
    return await service.list_registered_for(db, sessions, user, page)


@router.get("/events")
async def list_open_events(
    user: CurrentUser, db: SessionDep, sessions: SessionmakerDep, page: PageDep
) -> Page[EventOut]:
    """Open events the caller may register for: public ones, and the members-only events of
    their organizations; soonest deadline first."""
    return await service.list_open_to(db, sessions, user, page)


@router.get("/events/{event_id:int}", response_model=EventOut)
async def get_event(
    event_id: EventIdPath, user: CurrentUser, reader: RawReaderDep, sessions: SessionmakerDep
) -> Response:
    """An event the caller can see (404 otherwise)."""
    return json_response(await fast_read.read_event(reader, sessions, user, event_id))


@router.patch("/events/{event_id:int}", responses=errors(403, 409, why=STATE_409))
async def update_event(body: EventUpdate, access: AdminEvent, db: SessionDep) -> EventOut:
    """Change an event (admins). The role scheme is fixed once opened, the group size once
    published; an open event's deadline can only move into the future; archived events are
    read-only (409)."""
    return await service.update_event(db, access, body)


@router.delete("/events/{event_id:int}", status_code=204, responses=errors(403, 409, why=STATE_409))
async def delete_event(
    access: AdminEvent, db: SessionDep, media: MediaDep, background: BackgroundTasks
) -> Response:
    """Delete a draft event and its questionnaire (admins); other events answer 409 (archive
    them instead)."""
    image_key = await service.delete_event(db, access)
    if image_key is not None:
        background.add_task(media.delete, image_key)
    return Response(status_code=204)


_ACTION_DOCS = {
    "open": "Open registration (from draft). The deadline, if set, must be in the future.",
    "close": "Close registration (from open).",
    "reopen": "Reopen registration (from closed, while nothing is published; the deadline, if "
    "set, must be in the future).",
    "publish": "Publish the pairing to the participants (from closed; needs a pairing that "
    "keeps every rule and places or excludes every complete registration: `details.reasons` "
    "lists what does not).",
    "unpublish": "Take the pairing back (from published, back to closed).",
    "archive": "Archive the event (from draft, closed or published); it becomes read-only.",
}


def _add_action(action: str) -> None:
    async def endpoint(access: AdminEvent, db: SessionDep) -> EventOut:
        return service.to_out(await lifecycle.apply(db, access, action))

    endpoint.__name__ = f"{action}_event"
    endpoint.__doc__ = _ACTION_DOCS[action] + " Admins; 409 with the reason when not allowed."
    router.add_api_route(
        f"/events/{{event_id:int}}/{action}",
        publish_event if action == "publish" else endpoint,
        methods=["POST"],
        response_model=EventOut,
        responses=errors(403, 409, why=STATE_409),
        summary=f"{action.capitalize()} event",
    )


async def publish_event(
    access: AdminEvent,
    db: SessionDep,
    jobs: JobsDep,
    settings: SettingsDep,
    background: BackgroundTasks,
    options: Annotated[PublishOptions | None, Body()] = None,
) -> EventOut:
    event = await lifecycle.apply(db, access, "publish")
    # The explanations are final now: rephrased in friendly words in the background, after the
    # commit (llm/explanations.py; offline, the engine's own stay).
    background.add_task(request_explanations, jobs, event.id)
    if options is not None and options.introduce:
        introduced = await queue_introductions(db, settings, event, options.message)
        background.add_task(enqueue_mail, jobs, introduced)  # after the commit, as every mail
    return service.to_out(event)


publish_event.__doc__ = (
    _ACTION_DOCS["publish"]
    + " With `introduce`, each group not introduced before is emailed an introduction."
    + " Admins; 409 with the reason when not allowed."
)


for _action in lifecycle.ACTIONS:
    _add_action(_action)


@router.get("/events/{event_id:int}/audit", responses=errors(403))
async def list_event_audit(
    access: AdminEvent, db: SessionDep, page: PageDep
) -> Page[AuditEntryOut]:
    """The event's audit log, newest first (admins): lifecycle actions, edits, images,
    questions, and closes by the deadline (no actor)."""
    return await service.list_audit(db, access.event.id, page)

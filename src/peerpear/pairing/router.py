"""Routes for the working pairing (admins) and a student's own group (thin: authorize, call a
service, return).

The pairing runs and re-running the unlocked groups have routes of their own (runs_router.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from peerpear.deps import SessionDep
from peerpear.events.deps import AdminEvent, VisibleEvent
from peerpear.openapi import errors
from peerpear.pairing import export_service, my_group, working
from peerpear.pairing.export_service import ExportFormat
from peerpear.pairing.working_schemas import AdoptIn, Edit, MyGroupOut, PairingOut

router = APIRouter(tags=["pairing"])

PAIRING = "/events/{event_id:int}/pairing"
ADOPT_409 = {
    409: "The event is not closed (a published one: unpublish first), or the run has not succeeded."
}
EDIT_409 = {
    409: "The version sent is not the current one (`details.current_version`), the event is "
    "not closed or the pairing is published, or the edit moves someone into or out of a "
    "locked group."
}
NO_PAIRING_404: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found: the event, or a pairing for it."}
}


@router.put(PAIRING, responses={**NO_PAIRING_404, **errors(403, 409, why=ADOPT_409)})
async def adopt_run(body: AdoptIn, access: AdminEvent, db: SessionDep) -> PairingOut:
    """Make a succeeded run of this event the working pairing (admins; while the event is
    closed), replacing an unpublished one: its groups as the run made them, without the people
    who withdrew since; the version goes up (a new pairing starts at 1). A run of another event
    answers 422."""
    return await working.adopt(db, access, body)


@router.get(PAIRING, responses={**NO_PAIRING_404, **errors(403)})
async def get_pairing(access: AdminEvent, db: SessionDep) -> PairingOut:
    """The working pairing (admins): groups in order with their members, satisfactions and
    explanations; who is not placed (complete registrations; incomplete ones apart) or
    excluded; and the validation and metrics of the groups as they are now. 404 before a run
    is adopted."""
    return await working.read(db, access.event)


@router.post(PAIRING + "/edits", responses={**NO_PAIRING_404, **errors(403, 409, why=EDIT_409)})
async def edit_pairing(body: Edit, access: AdminEvent, db: SessionDep) -> PairingOut:
    """One edit of the working pairing (admins; while the event is closed), made against the
    `version` the client read: `move` a person into a group (`group_id` null: a new one; this
    also places someone not placed or excluded), `unplace` one, `swap` two people of different
    groups, `lock` or `unlock` a group (nobody moves in or out of a locked group), `exclude` a
    person (unplaced; publishing does not wait for them) or `include` them again. Groups left
    empty disappear. The answer is the whole pairing, measured anew. A registration or group
    the pairing does not have answers 422."""
    return await working.edit(db, access, body)


@router.get(
    PAIRING + "/export",
    response_class=Response,
    responses={
        200: {
            "description": "The file, as an attachment.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
            "headers": {
                "Content-Disposition": {
                    "description": "attachment; filename=...",
                    "required": True,
                    "schema": {"type": "string"},
                }
            },
        },
        **NO_PAIRING_404,
        **errors(403),
    },
)
async def export_pairing(
    access: AdminEvent,
    db: SessionDep,
    format: Annotated[
        ExportFormat,
        Query(description="csv (a row per person), txt (the original layout) or pdf (to print)."),
    ] = "csv",
    explanations: Annotated[
        bool, Query(description="Add each member's explanation (why this group).")
    ] = False,
) -> Response:
    """The working pairing as a file (admins): CSV (group, name, email, role), plain text (a
    header, then "Group i:" with one member per line, roles first when the event has them) or
    a printable PDF (title, organization, date, one block per group); optionally with each
    member's explanation."""
    exported = await export_service.export_pairing(
        db, access.event, format, explanations=explanations
    )
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


@router.get(
    "/events/{event_id:int}/my-group",
    responses={
        404: {"description": "Not found: the event, or the caller is not registered or placed."},
        **errors(409, why={409: "The event's groups are not published (yet)."}),
    },
)
async def get_my_group(access: VisibleEvent, db: SessionDep) -> MyGroupOut:
    """The caller's group once the event's pairing is published: each member's name, email and
    role, and why the caller is in it. Nothing about the other groups or anyone's answers."""
    return await my_group.my_group(db, access)

"""Routes for an event's admins: registrations, roles, pair rules and analytics (thin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from peerpear.auth.deps import CurrentUser
from peerpear.deps import PageDep, SessionDep, SessionmakerDep, id_path
from peerpear.events.deps import AdminEvent
from peerpear.models import RegistrationRole
from peerpear.openapi import errors
from peerpear.registrations import admin, analytics, pair_rules
from peerpear.registrations.analytics_schemas import EventAnalytics
from peerpear.registrations.schemas import (
    PairRulesIn,
    PairRulesOut,
    RegistrationAdminOut,
    RegistrationPatch,
)
from peerpear.schemas_common import Page

router = APIRouter(tags=["registrations (admin)"])

RegistrationIdPath = Annotated[int, id_path("Registration id.")]
SETUP_409 = {409: "The event is published (unpublish first) or archived."}


@router.get("/events/{event_id:int}/registrations", responses=errors(403))
async def list_registrations(
    access: AdminEvent,
    db: SessionDep,
    page: PageDep,
    complete: Annotated[
        bool | None, Query(description="Only complete (true) or incomplete (false) ones.")
    ] = None,
    role: Annotated[RegistrationRole | None, Query(description="Only this role.")] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Only people whose name or email contains this."),
    ] = None,
) -> Page[RegistrationAdminOut]:
    """The event's registrations with each person, role, completeness and answers, by last
    name (admins)."""
    return await admin.list_registrations(
        db, access.event.id, page, complete=complete, role=role, q=q
    )


@router.patch("/registrations/{registration_id:int}", responses=errors(403, 409, why=SETUP_409))
async def set_registration_role(
    registration_id: RegistrationIdPath,
    body: RegistrationPatch,
    user: CurrentUser,
    db: SessionDep,
    sessions: SessionmakerDep,
) -> RegistrationAdminOut:
    """Set a participant's role (admins); it must be one of the event's role scheme (422)."""
    registration, access = await admin.registration_access(db, sessions, user, registration_id)
    return await admin.set_role(db, registration, access, body.role)


@router.get("/events/{event_id:int}/pair-rules", responses=errors(403))
async def get_pair_rules(access: AdminEvent, db: SessionDep) -> PairRulesOut:
    """The event's must-pair and never-pair rules, and how many private avoid requests
    participants made (admins)."""
    return await pair_rules.read_rules(db, access.event.id)


@router.put("/events/{event_id:int}/pair-rules", responses=errors(403, 409, why=SETUP_409))
async def put_pair_rules(body: PairRulesIn, access: AdminEvent, db: SessionDep) -> PairRulesOut:
    """Replace the must-pair and never-pair rules (admins). Every id must be a registered
    participant (422 lists each pair that fails; nothing is saved then)."""
    return await pair_rules.replace_rules(db, access, body)


@router.get("/events/{event_id:int}/analytics", responses=errors(403))
async def get_analytics(access: AdminEvent, db: SessionDep) -> EventAnalytics:
    """Everything about the event's responses at a glance (admins): how many registered and
    completed, registrations per UTC day with a running total, the count of each role of the
    event's scheme, and per question (in questionnaire order) how many answered and the
    response rate, with the option counts of choice questions, the histogram and mean of scale
    questions, and the ten most frequent words (English stop words left out) of text
    questions."""
    return await analytics.event_analytics(db, access.event)

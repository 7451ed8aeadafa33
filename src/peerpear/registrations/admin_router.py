"""Routes for an event's admins: registrations (with their CSV import and export), roles, pair
rules and analytics (thin)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, File, Query, UploadFile, status
from fastapi.responses import StreamingResponse

from peerpear.auth.deps import CurrentUser
from peerpear.deps import JobsDep, PageDep, SessionDep, SessionmakerDep, id_path
from peerpear.error_handlers import PayloadTooLarge
from peerpear.events.deps import AdminEvent
from peerpear.llm import summaries
from peerpear.models import RegistrationRole
from peerpear.openapi import errors
from peerpear.organizations.member_import import MAX_CSV_BYTES
from peerpear.registrations import admin, analytics, export, pair_rules, registration_import
from peerpear.registrations.analytics_schemas import EventAnalytics
from peerpear.registrations.schemas import (
    ImportReport,
    PairRulesIn,
    PairRulesOut,
    RegistrationAdminOut,
    RegistrationPatch,
    SummariesRequested,
)
from peerpear.schemas_common import Page

router = APIRouter(tags=["registrations (admin)"])

RegistrationIdPath = Annotated[int, id_path("Registration id.")]
SETUP_409 = {409: "The event is published (unpublish first) or archived."}
ColumnName = Annotated[str | None, Query(max_length=2000, description="Header text (any case).")]
CSV_200 = {
    "description": "The CSV file (UTF-8 with a byte-order mark), written while it is sent.",
    "content": {"text/csv": {"schema": {"type": "string"}}},
    "headers": {
        "Content-Disposition": {
            "description": 'attachment; filename="event-<id>-registrations.csv"',
            "required": True,
            "schema": {"type": "string"},
        }
    },
}


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


@router.post(
    "/events/{event_id:int}/registrations/summaries",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(403),
)
async def request_summaries(
    access: AdminEvent,
    db: SessionDep,
    jobs: JobsDep,
    background: BackgroundTasks,
    all: Annotated[
        bool, Query(description="Remake every complete registration's summary, ready ones too.")
    ] = False,
) -> SummariesRequested:
    """(Re)make the summaries of the event's complete registrations in the background
    (admins): those without a ready summary, or all of them with `all=true`. They turn
    `pending` now and `ready` (or `failed`) in the registration list as they are made."""
    requested = await summaries.mark_pending(db, access.event.id, everyone=all)
    if requested:
        # After the response, hence after the commit: the job reads the pending rows.
        background.add_task(summaries.request_event_summaries, jobs, access.event.id)
    return SummariesRequested(requested=requested)


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


@router.post("/events/{event_id:int}/import", responses=errors(403, 409, why=SETUP_409))
async def import_registrations(
    access: AdminEvent,
    db: SessionDep,
    file: Annotated[
        UploadFile, File(description="A form export: CSV (UTF-8), a header row of questions.")
    ],
    dry_run: Annotated[
        bool, Query(description="Only report what the import would do; write nothing.")
    ] = False,
    email_column: ColumnName = None,
    role_column: ColumnName = None,
) -> ImportReport:
    """Register the respondents of a form export (Google Forms, Microsoft Forms, a spreadsheet:
    one row per person under a header of question texts) for the event (admins; while it is a
    draft, open or closed). The email column is `email_column`, else one headed like `Email
    Address`, else the column of addresses; the name and, for role schemes, role columns are
    recognized as `peerpear pair` does. Columns answer the questions whose prompt they repeat
    (an event without questions gets one per column, typed from its answers). New addresses
    get invitation accounts (and membership, for members-only events); existing registrations
    are updated. A row with a bad address, role or answer is rejected whole, with the reasons;
    the others are imported. At most 5,000 rows and 1 MiB; 422 for a file that is not such a
    CSV (nothing is written). `dry_run` answers the same report and writes nothing."""
    data = await file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise PayloadTooLarge(MAX_CSV_BYTES)
    options = registration_import.ImportOptions(
        filename=file.filename or "",
        dry_run=dry_run,
        email_column=email_column,
        role_column=role_column,
    )
    return await registration_import.import_file(db, access, data, options)


@router.get(
    "/events/{event_id:int}/registrations/export",
    response_class=StreamingResponse,
    responses={200: CSV_200, **errors(403)},
)
async def export_registrations(
    access: AdminEvent,
    sessions: SessionmakerDep,
    format: Annotated[Literal["csv"], Query(description="The file format.")] = "csv",
) -> StreamingResponse:
    """The event's registrations as a CSV file (admins): email, first_name, last_name, role,
    complete (yes/no), registered_at, then one column per question headed by its prompt
    (multiple-choice picks joined by "; "), by last name. A cell a spreadsheet would take for
    a formula starts with an apostrophe. The file imports back into an event."""
    name = export.filename(access.event.id)
    return StreamingResponse(
        export.csv_lines(sessions, access.event.id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/events/{event_id:int}/analytics", responses=errors(403))
async def get_analytics(access: AdminEvent, db: SessionDep) -> EventAnalytics:
    """Everything about the event's responses at a glance (admins): how many registered and
    completed, registrations per UTC day with a running total, the count of each role of the
    event's scheme, and per question (in questionnaire order) how many answered and the
    response rate, with the option counts of choice questions, the histogram and mean of scale
    questions, and the ten most frequent words (English stop words left out) of text
    questions."""
    return await analytics.event_analytics(db, access.event)

"""The organizer's registrations as files: importing a form export (CSV) with its report, and
downloading the registrations as CSV.

Both call the services the API's routes call (``registration_import.import_file``,
``export.csv_lines``), so the console reads and writes the same files, with the same checks
and the same formula guard. A refused file comes back as the form with the reason (422, or 409
once the event is published); a dry run shows the report and writes nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile, status
from fastapi.responses import Response, StreamingResponse
from starlette.datastructures import UploadFile as StarletteUpload

from peerpear.deps import SessionDep, SessionmakerDep
from peerpear.errors import InvalidState, ValidationFailed
from peerpear.organizations.member_import import MAX_CSV_BYTES
from peerpear.registrations import export, registration_import
from peerpear.registrations.schemas import ImportReport
from peerpear.web.deps import PostedForm
from peerpear.web.manage_deps import (
    ManagedEvent,
    ManagedEventDep,
    manage_page,
)
from peerpear.web.registrations_router import REGISTRATIONS
from peerpear.web.text import sentence

router = APIRouter(include_in_schema=False)

MAX_COLUMN_NAME = 2000  # as the API's email_column and role_column


def _import_page(
    request: Request,
    managed: ManagedEvent,
    *,
    report: ImportReport | None = None,
    error: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    return manage_page(
        request,
        managed,
        "registrations_import.html",
        tab="registrations",
        title=f"Import registrations · {managed.access.event.title}",
        status_code=status_code,
        report=report,
        import_error=error,
    )


@router.get(REGISTRATIONS + "/import")
async def import_form(request: Request, managed: ManagedEventDep) -> Response:
    return _import_page(request, managed)


@router.post(REGISTRATIONS + "/import")
async def import_registrations(
    request: Request,
    form: PostedForm,
    managed: ManagedEventDep,
    db: SessionDep,
    # Declared so the upload limit (body_limit.py) applies, not the JSON one; read through the
    # CSRF-checked form.
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    upload = form.get("file")
    if not isinstance(upload, StarletteUpload) or not upload.filename:
        return _import_page(request, managed, error="Choose a CSV file to import.", status_code=422)
    data = await upload.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        return _import_page(
            request,
            managed,
            error="The file is larger than 1 MiB: split it and import the parts one by one.",
            status_code=422,
        )
    options = registration_import.ImportOptions(
        filename=upload.filename,
        dry_run=form.get("dry_run") == "yes",
        email_column=str(form.get("email_column") or "")[:MAX_COLUMN_NAME].strip() or None,
        role_column=str(form.get("role_column") or "")[:MAX_COLUMN_NAME].strip() or None,
    )
    try:
        report = await registration_import.import_file(db, managed.access, data, options)
    except (InvalidState, ValidationFailed) as refused:
        return _import_page(
            request, managed, error=sentence(refused.message), status_code=refused.status_code
        )
    return _import_page(request, managed, report=report)


@router.get(REGISTRATIONS + "/export")
async def export_registrations(
    request: Request, managed: ManagedEventDep, event_id: int, sessions: SessionmakerDep
) -> Response:
    name = export.filename(event_id)
    return StreamingResponse(
        export.csv_lines(sessions, event_id),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",  # personal data
        },
    )

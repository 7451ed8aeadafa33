"""The organizer's organization pages: the person's organizations (create one, ask to become
admin of another) and one organization's overview with its events.

Thin routes over the API's services (``organizations.service``, ``admin_requests``,
``events.service.list_org_events``) with the API's rules: an organization answers the 404 page
to non-members (``managed_org``); a refusal comes back as the page with the reason next to the
form it concerns. The members page lives in :mod:`peerpear.web.org_members_router`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.deps import OptionalUser
from peerpear.deps import RawReaderDep, SessionDep, SessionmakerDep
from peerpear.errors import AppError, Conflict, NotFound
from peerpear.events.access import visible_to
from peerpear.events.service import list_org_events
from peerpear.models import MembershipRole, User
from peerpear.organizations import admin_requests
from peerpear.organizations import service as organizations
from peerpear.organizations.access import may_create_organization
from peerpear.organizations.schemas import AdminRequestCreate, OrganizationCreate
from peerpear.raw_reads import RawReader
from peerpear.schemas_common import Pagination
from peerpear.web.deps import (
    PostedForm,
    SignedIn,
    page,
    redirect,
    settings_of,
)
from peerpear.web.events_access import MAX_ID
from peerpear.web.manage_deps import MemberOrgPage
from peerpear.web.org_members_router import router as members_router
from peerpear.web.text import field_errors, sentence

router = APIRouter(include_in_schema=False)

ORG = "/organizations/{org_id:int}"
# The pages list this many organizations and events and say how many more there are.
LIST_SIZE = 100
CREATE_FIELDS = ("name", "description")
# Longest text the form passes on; the schema's own limits then answer with their message.
_MAX_FIELD = 6000
_ORG_NAME_PATTERN = "Enter a name of at least 2 characters."


def _create_errors(invalid: ValidationError) -> dict[str, str]:
    """The schema's messages per field, except its regular expression for a too-short name."""
    errors = field_errors(invalid.errors(), CREATE_FIELDS)
    for item in invalid.errors():
        if item["loc"][-1:] == ("name",) and item["type"] == "string_pattern_mismatch":
            errors["name"] = _ORG_NAME_PATTERN
    return errors


async def _organizations_page(
    request: Request,
    user: User,
    reader: RawReader,
    db: AsyncSession,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    request_errors: dict[int, str] | None = None,
    error: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    listing = Pagination(limit=LIST_SIZE, offset=0)
    mine = await organizations.list_mine(reader, user, listing)
    others = await organizations.list_joinable(db, user, listing)
    return page(
        request,
        "organizations.html",
        title="Your organizations",
        user=user,
        status_code=status_code,
        current="organizations",
        organizations=mine.items,
        total=mine.total,
        joinable=others.items,
        joinable_total=others.total,
        may_create=may_create_organization(user, settings_of(request)),
        values=values or {name: "" for name in CREATE_FIELDS},
        errors=errors or {},
        request_errors=request_errors or {},
        error=error,
    )


@router.get("/organizations")
async def organizations_list(
    request: Request, user: SignedIn, reader: RawReaderDep, db: SessionDep
) -> Response:
    return await _organizations_page(request, user, reader, db)


@router.post("/organizations")
async def create_organization(
    request: Request, form: PostedForm, user: SignedIn, reader: RawReaderDep, db: SessionDep
) -> Response:
    typed = {name: str(form.get(name) or "")[:_MAX_FIELD] for name in CREATE_FIELDS}

    async def again(status_code: int, errors: dict[str, str]) -> Response:
        return await _organizations_page(
            request, user, reader, db, values=typed, errors=errors, status_code=status_code
        )

    try:
        body = OrganizationCreate.model_validate(typed)
    except ValidationError as invalid:
        return await again(422, _create_errors(invalid))
    try:
        created = await organizations.create_organization(db, user, body, settings_of(request))
    except Conflict as taken:  # the name is taken (case-insensitively)
        await db.rollback()
        await db.refresh(user)
        return await again(409, {"name": sentence(taken.message)})
    except AppError as refused:  # creation is turned off for this person (no form is shown)
        return await _organizations_page(
            request,
            user,
            reader,
            db,
            error=sentence(refused.message),
            status_code=refused.status_code,
        )
    return redirect(f"/organizations/{created.id}", flash_key="organization-created")


@router.post(ORG + "/admin-requests")
async def request_admin(
    request: Request,
    form: PostedForm,
    org_id: int,
    user: SignedIn,
    reader: RawReaderDep,
    db: SessionDep,
) -> Response:
    """Ask the owners of an organization to make the person an admin (as the API does)."""
    try:
        body = AdminRequestCreate.model_validate({"message": str(form.get("message") or "")})
        if not 1 <= org_id <= MAX_ID:
            raise NotFound("organization not found")
        await admin_requests.create_request(db, user, org_id, body.message)
    except ValidationError as invalid:
        message = field_errors(invalid.errors(), ["message"]).get("message", "Check the message.")
        return await _organizations_page(
            request, user, reader, db, request_errors={org_id: message}, status_code=422
        )
    except AppError as refused:  # already admin, already pending, no such organization
        await db.rollback()
        await db.refresh(user)
        code = refused.status_code if refused.status_code in (404, 409) else 422
        return await _organizations_page(
            request,
            user,
            reader,
            db,
            request_errors={org_id: sentence(refused.message)},
            status_code=code,
        )
    return redirect("/organizations", flash_key="admin-requested")


@router.get(ORG)
async def organization_overview(
    request: Request,
    access: MemberOrgPage,
    org_id: int,
    user: OptionalUser,
    db: SessionDep,
    sessions: SessionmakerDep,
) -> Response:
    is_admin = access.has_role(MembershipRole.ADMIN)
    listed = await list_org_events(
        db, sessions, org_id, None, Pagination(limit=LIST_SIZE, offset=0)
    )
    # Members see what the API's event access lets them see (no drafts); admins see them all.
    events = [e for e in listed.items if visible_to(e.status, e.visibility, access.role)]
    context: dict[str, Any] = {
        "organization": access.organization,
        "role": access.role,
        "is_admin": is_admin,
        "events": events,
        "more_events": listed.total > len(listed.items),
    }
    return page(
        request,
        "organization.html",
        title=access.organization.name,
        user=access.user,
        current="organizations",
        **context,
    )


# The members page and its actions (admins and owners).
router.include_router(members_router)

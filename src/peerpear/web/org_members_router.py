"""An organization's members page and its actions (admins and owners), over the API's services:
``organizations.members`` (list with search, change a role, remove), ``member_import`` (add by
pasted addresses or a CSV upload, with its report) and ``admin_requests`` (owners decide).

The API's rules hold as they are: the page is for admins (403 page for members, 404 page for
everyone else); changing roles and deciding admin requests is for owners; admins remove only
members. A refusal renders the page again with the reason next to what it concerns.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from peerpear.auth.deps import OptionalUser
from peerpear.deps import SessionDep
from peerpear.errors import AppError, NotFound
from peerpear.models import AdminRequest
from peerpear.organizations import admin_requests, member_import, members
from peerpear.organizations.access import OrgAccess
from peerpear.organizations.schemas import MAX_EMAILS_PER_REQUEST, MemberRoleUpdate, MembersAdd
from peerpear.web.deps import PostedForm, redirect
from peerpear.web.events_access import MAX_ID
from peerpear.web.manage_deps import AdminOrgPage, OwnerOrgPage
from peerpear.web.org_invites_router import router as invites_router
from peerpear.web.org_members_page import (
    MembersView,
    Outcome,
    after_refusal,
    members_page,
    members_url,
    refusal_status,
)
from peerpear.web.text import field_errors, sentence

router = APIRouter(include_in_schema=False)

ORG = "/organizations/{org_id:int}"
MEMBER = ORG + "/members/{user_id:int}"
REQUEST = ORG + "/admin-requests/{request_id:int}"
# Pasted addresses may be separated by lines, commas, semicolons or spaces (a column copied out
# of a spreadsheet, or an email client's "To" line).
_SEPARATORS = re.compile(r"[\s,;]+")
_MAX_PASTE = 200_000  # characters: 500 long addresses and their separators, with room to spare


def _member_not_found(user_id: int) -> NotFound:
    return NotFound("member not found", details={"user_id": user_id})


@router.get(ORG + "/members")
async def members_list(request: Request, access: AdminOrgPage, db: SessionDep) -> Response:
    return await members_page(request, access, db, view=MembersView.from_query(request))


@router.post(MEMBER + "/role")
async def change_role(
    request: Request, form: PostedForm, access: OwnerOrgPage, user_id: int, db: SessionDep
) -> Response:
    try:
        role = MemberRoleUpdate.model_validate({"role": str(form.get("role") or "")}).role
    except ValidationError:
        outcome = Outcome(
            member_errors={user_id: "Choose owner, admin or member."}, status_code=422
        )
        return await members_page(request, access, db, outcome)
    try:
        if not 1 <= user_id <= MAX_ID:
            raise _member_not_found(user_id)
        await members.change_role(db, access, user_id, role)
    except AppError as refused:  # the last owner, a member who left meanwhile
        await after_refusal(db, access)
        outcome = Outcome(
            member_errors={user_id: sentence(refused.message)}, status_code=refusal_status(refused)
        )
        return await members_page(request, access, db, outcome)
    return redirect(members_url(access), flash_key="role-changed")


@router.post(MEMBER + "/remove")
async def remove_member(
    request: Request,
    _csrf: PostedForm,
    access: AdminOrgPage,
    user_id: int,
    user: OptionalUser,
    db: SessionDep,
) -> Response:
    try:
        if not 1 <= user_id <= MAX_ID:
            raise _member_not_found(user_id)
        await members.remove_member(db, access, user_id)
    except AppError as refused:  # an admin removing an admin, the last owner
        await after_refusal(db, access)
        outcome = Outcome(
            member_errors={user_id: sentence(refused.message)}, status_code=refusal_status(refused)
        )
        return await members_page(request, access, db, outcome)
    if user_id == access.user.id:  # an owner who removed themselves has no members page now
        return redirect("/organizations", flash_key="member-removed")
    return redirect(members_url(access), flash_key="member-removed")


@router.post(ORG + "/members/add")
async def add_members(
    request: Request, form: PostedForm, access: AdminOrgPage, db: SessionDep
) -> Response:
    """Addresses pasted into the form, as the API's ``POST .../members`` takes them."""
    typed = str(form.get("emails") or "")[:_MAX_PASTE]
    emails = [part for part in _SEPARATORS.split(typed) if part]
    try:
        MembersAdd.model_validate({"emails": emails})
    except ValidationError as invalid:
        if not emails:
            message = "Enter at least one email address."
        elif len(emails) > MAX_EMAILS_PER_REQUEST:
            message = (
                f"At most {MAX_EMAILS_PER_REQUEST} addresses at once; upload a CSV file for more."
            )
        else:
            message = next(iter(field_errors(invalid.errors(), ["emails"]).values()), "")
            message = message or "One of the addresses is too long."
        outcome = Outcome(errors={"emails": message}, values={"emails": typed}, status_code=422)
        return await members_page(request, access, db, outcome)
    candidates = member_import.candidates_from_list(emails)
    report = await member_import.add_members(db, access, candidates, source="list")
    return await members_page(request, access, db, Outcome(report=report))


@router.post(ORG + "/members/import")
async def import_members(
    request: Request, form: PostedForm, access: AdminOrgPage, db: SessionDep
) -> Response:
    """A CSV file of addresses, as the API's ``POST .../members/import`` reads it."""
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ValueError("Choose a CSV file to upload.")
        data = await upload.read(member_import.MAX_CSV_BYTES + 1)
        if len(data) > member_import.MAX_CSV_BYTES:
            raise ValueError("The file is larger than 1 MiB; split it into smaller files.")
        candidates = member_import.candidates_from_csv(data, upload.filename)
    except ValueError as unusable:
        problem = str(unusable)
    except AppError as unreadable:  # not UTF-8, not CSV, no email column, too many rows
        problem = sentence(unreadable.message)
    else:
        report = await member_import.add_members(db, access, candidates, source="csv")
        return await members_page(request, access, db, Outcome(report=report))
    outcome = Outcome(errors={"file": problem}, status_code=422)
    return await members_page(request, access, db, outcome)


async def _decide(
    request: Request, access: OrgAccess, request_id: int, db: AsyncSession, *, approve: bool
) -> Response:
    try:
        # Only this organization's requests are reached through its page.
        found = await db.get(AdminRequest, request_id) if 1 <= request_id <= MAX_ID else None
        if found is None or found.organization_id != access.organization.id:
            raise NotFound(admin_requests.NOT_FOUND)
        await admin_requests.decide(db, access.user, request_id, approve=approve)
    except AppError as refused:  # already decided, the requester joined meanwhile
        await after_refusal(db, access)
        outcome = Outcome(
            errors={"requests": sentence(refused.message)}, status_code=refusal_status(refused)
        )
        return await members_page(request, access, db, outcome)
    flash_key = "admin-request-approved" if approve else "admin-request-denied"
    return redirect(members_url(access), flash_key=flash_key)


@router.post(REQUEST + "/approve")
async def approve_admin_request(
    request: Request, _csrf: PostedForm, access: OwnerOrgPage, request_id: int, db: SessionDep
) -> Response:
    return await _decide(request, access, request_id, db, approve=True)


@router.post(REQUEST + "/deny")
async def deny_admin_request(
    request: Request, _csrf: PostedForm, access: OwnerOrgPage, request_id: int, db: SessionDep
) -> Response:
    return await _decide(request, access, request_id, db, approve=False)


# Creating, rotating and revoking the invite link, on the same page.
router.include_router(invites_router)

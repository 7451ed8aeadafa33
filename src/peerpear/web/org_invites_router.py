"""The invite link of an organization on its members page: create, rotate, revoke (admins and
owners), through the API's ``organizations.invites`` service.

A code exists in clear only in the answer that made it (the server keeps its hash), so creating
and rotating render the members page with the new link instead of redirecting; revoking
redirects with a flash line.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from peerpear.deps import SessionDep
from peerpear.errors import AppError, NotFound
from peerpear.organizations import invites
from peerpear.organizations.schemas import InviteCreate
from peerpear.web.deps import PostedForm, redirect
from peerpear.web.events_access import MAX_ID
from peerpear.web.manage_deps import AdminOrgPage
from peerpear.web.org_members_page import (
    Outcome,
    after_refusal,
    join_url,
    members_page,
    members_url,
    refusal_status,
)
from peerpear.web.text import field_errors, sentence

router = APIRouter(include_in_schema=False)

INVITES = "/organizations/{org_id:int}/invites"
INVITE = INVITES + "/{invite_id:int}"
LIMIT_FIELDS = ("expires_in_hours", "max_uses")
_MAX_NUMBER = 20  # characters of a typed number passed on (the schema bounds its value)


@router.post(INVITES)
async def create_invite(
    request: Request, form: PostedForm, access: AdminOrgPage, db: SessionDep
) -> Response:
    typed = {name: str(form.get(name) or "").strip()[:_MAX_NUMBER] for name in LIMIT_FIELDS}
    try:  # an empty field means no limit, as an omitted one does in the API
        body = InviteCreate.model_validate({k: v for k, v in typed.items() if v})
    except ValidationError as invalid:
        errors = field_errors(invalid.errors(), LIMIT_FIELDS)
        outcome = Outcome(errors=errors, values=typed, status_code=422)
        return await members_page(request, access, db, outcome)
    # The API's link (``/join?code=``) is not shown: the console's own, ``/join/{code}``, is.
    created = await invites.create_invite(db, access, body, str(request.base_url))
    outcome = Outcome(new_link=join_url(request, created.code))
    return await members_page(request, access, db, outcome)


@router.post(INVITE + "/rotate")
async def rotate_invite(
    request: Request, _csrf: PostedForm, access: AdminOrgPage, invite_id: int, db: SessionDep
) -> Response:
    try:
        if not 1 <= invite_id <= MAX_ID:
            raise NotFound(invites.NOT_FOUND)
        rotated = await invites.rotate_invite(db, access, invite_id, str(request.base_url))
    except AppError as refused:  # revoked (create a new one), not this organization's
        await after_refusal(db, access)
        outcome = Outcome(
            errors={"invites": sentence(refused.message)}, status_code=refusal_status(refused)
        )
        return await members_page(request, access, db, outcome)
    return await members_page(
        request, access, db, Outcome(new_link=join_url(request, rotated.code))
    )


@router.post(INVITE + "/revoke")
async def revoke_invite(
    request: Request, _csrf: PostedForm, access: AdminOrgPage, invite_id: int, db: SessionDep
) -> Response:
    try:
        if not 1 <= invite_id <= MAX_ID:
            raise NotFound(invites.NOT_FOUND)
        await invites.revoke_invite(db, access, invite_id)
    except AppError as refused:
        await after_refusal(db, access)
        outcome = Outcome(
            errors={"invites": sentence(refused.message)}, status_code=refusal_status(refused)
        )
        return await members_page(request, access, db, outcome)
    return redirect(members_url(access), flash_key="invite-revoked")

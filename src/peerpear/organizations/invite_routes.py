"""Routes for joining an organization: invite codes (admins), joining with one (anyone signed
in), and admins adding members by email or CSV. Included by :mod:`.router`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile, status

from peerpear.auth.deps import ClientAddress, CurrentUser
from peerpear.deps import PageDep, SessionDep, SessionmakerDep, SettingsDep, id_path
from peerpear.error_handlers import PayloadTooLarge
from peerpear.openapi import errors
from peerpear.organizations import invites, member_import
from peerpear.organizations.deps import OrgAdmin
from peerpear.organizations.schemas import (
    InviteCreate,
    InviteOut,
    InviteWithCode,
    JoinIn,
    JoinOut,
    MemberAddReport,
    MembersAdd,
)
from peerpear.schemas_common import Page

router = APIRouter(tags=["members"])

InviteIdPath = Annotated[int, id_path("Invite id.")]
ORG = "/organizations/{org_id:int}"


def _site(request: Request) -> str:
    """Where the service is reached (behind a trusted proxy, as the client reached it)."""
    return str(request.base_url)


@router.post(ORG + "/invites", status_code=status.HTTP_201_CREATED, responses=errors(403))
async def create_invite(
    body: InviteCreate, access: OrgAdmin, db: SessionDep, request: Request
) -> InviteWithCode:
    """Create an invite code (admins and owners). The code and its link are in this answer only;
    the server keeps a hash of it. Optional expiry (`expires_in_hours`) and `max_uses`."""
    return await invites.create_invite(db, access, body, _site(request))


@router.get(ORG + "/invites", responses=errors(403))
async def list_invites(access: OrgAdmin, db: SessionDep, page: PageDep) -> Page[InviteOut]:
    """The organization's invites, newest first, with their status and use count (admins and
    owners). Codes are never shown again, only their first characters."""
    return await invites.list_invites(db, access.organization.id, page)


@router.post(ORG + "/invites/{invite_id:int}/rotate", responses=errors(403, 409))
async def rotate_invite(
    invite_id: InviteIdPath, access: OrgAdmin, db: SessionDep, request: Request
) -> InviteWithCode:
    """Replace the invite's code (the old one stops working at once); expiry, maximum and use
    count stay. 409 for a revoked invite (create a new one)."""
    return await invites.rotate_invite(db, access, invite_id, _site(request))


@router.post(ORG + "/invites/{invite_id:int}/revoke", responses=errors(403))
async def revoke_invite(invite_id: InviteIdPath, access: OrgAdmin, db: SessionDep) -> InviteOut:
    """Revoke the invite: its code answers 410 from now on. Revoking again changes nothing."""
    return await invites.revoke_invite(db, access, invite_id)


@router.post(
    "/organizations/join",
    responses=errors(
        403,
        404,
        410,
        429,
        why={
            403: "The server requires a confirmed email address and the caller's is not "
            "(`details.reason`: `unverified`).",
            404: "No invite has this code (`details.reason`: `unknown`).",
            410: "The code was revoked, has expired or is used up (`details.reason`); ask an "
            "admin for a new one.",
            429: "Too many codes that did not work from this account or client address.",
        },
    ),
)
async def join_organization(
    body: JoinIn,
    user: CurrentUser,
    address: ClientAddress,
    db: SessionDep,
    sessions: SessionmakerDep,
    settings: SettingsDep,
) -> JoinOut:
    """Join an organization as a member with an invite code.

    An existing member keeps their role (`joined` is false). 403 when
    `PEERPEAR_REQUIRE_VERIFIED_EMAIL` is on and the caller has not confirmed their address.
    404 (`details.reason`: `unknown`) when no invite has the code, 410 when it no longer
    works, 429 with `Retry-After` after
    `PEERPEAR_INVITE_JOIN_MAX_FAILURES_PER_ACCOUNT` codes that did not work from one account
    (or `..._PER_ADDRESS` from one client host) within `PEERPEAR_INVITE_JOIN_WINDOW_SECONDS`.
    """
    return await invites.join(db, sessions, settings, user, body.code, address)


@router.post(ORG + "/members", responses=errors(403))
async def add_members(body: MembersAdd, access: OrgAdmin, db: SessionDep) -> MemberAddReport:
    """Add members by email (admins and owners; up to 500 addresses), each reported as `added`,
    `already_member` (the role is kept), `duplicate` or `invalid` with the reason. An address
    without an account gets an invitation account (no password; a CAS sign-in with that email
    links to it). All or nothing: one transaction."""
    candidates = member_import.candidates_from_list(body.emails)
    return await member_import.add_members(db, access, candidates, source="list")


@router.post(ORG + "/members/import", responses=errors(403))
async def import_members(
    access: OrgAdmin,
    db: SessionDep,
    file: Annotated[UploadFile, File(description="A CSV file (UTF-8) of email addresses.")],
) -> MemberAddReport:
    """Add members from a CSV upload (admins and owners): the column headed `email` or `Email
    Address` (any case), or the file's only column; at most 5,000 rows and 1 MiB. Each row is
    reported with its row number, as for the list. 422 for a file that is not UTF-8 CSV or has
    no email column."""
    data = await file.read(member_import.MAX_CSV_BYTES + 1)
    if len(data) > member_import.MAX_CSV_BYTES:
        raise PayloadTooLarge(member_import.MAX_CSV_BYTES)
    candidates = member_import.candidates_from_csv(data, file.filename or "")
    return await member_import.add_members(db, access, candidates, source="csv")

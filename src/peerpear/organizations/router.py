"""Routes for organizations, their members and admin requests (thin: authorize, call, return).

Visibility: an organization and everything in it answers 404 to non-members (the joinable list
shows the public card of every organization the caller is not in). Members with too low a role
get 403; anonymous callers get 401.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from peerpear.auth.deps import CurrentUser
from peerpear.deps import PageDep, RawReaderDep, SessionDep, SettingsDep, id_path
from peerpear.models import AdminRequestStatus, MembershipRole
from peerpear.openapi import errors
from peerpear.organizations import admin_requests, invite_routes, members, service
from peerpear.organizations.deps import OrgAdmin, OrgIdPath, OrgMember, OrgOwner
from peerpear.organizations.schemas import (
    AdminRequestCreate,
    AdminRequestOut,
    BulkAdminRequestCreate,
    BulkAdminRequestResult,
    JoinableOrganization,
    MemberOut,
    MemberRoleUpdate,
    OrganizationCreate,
    OrganizationOut,
    OrganizationUpdate,
)
from peerpear.responses import json_response
from peerpear.schemas_common import Page

router = APIRouter(tags=["organizations"])
# Before the routes below: "/organizations/join" must not be read as an organization path.
router.include_router(invite_routes.router)

UserIdPath = Annotated[int, id_path("The member's user id.")]
RequestIdPath = Annotated[int, id_path("Admin request id.")]


@router.post("/organizations", status_code=status.HTTP_201_CREATED, responses=errors(403, 409))
async def create_organization(
    body: OrganizationCreate, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> OrganizationOut:
    """Create an organization; the caller becomes its owner.

    Allowed for platform admins, and for anyone signed in while `PEERPEAR_ALLOW_ORG_CREATION`
    is on (403 otherwise). The name is unique (409); the slug is derived from it.
    """
    return await service.create_organization(db, user, body, settings)


@router.get("/organizations", response_model=Page[OrganizationOut])
async def list_my_organizations(user: CurrentUser, reader: RawReaderDep, page: PageDep) -> Response:
    """The organizations the caller belongs to (owner, admin or member), with their role, by
    name."""
    return json_response(await service.list_mine(reader, user, page))


@router.get("/organizations/joinable")
async def list_joinable_organizations(
    user: CurrentUser, db: SessionDep, page: PageDep
) -> Page[JoinableOrganization]:
    """Organizations the caller is not a member of (public card only), to request admin of."""
    return await service.list_joinable(db, user, page)


@router.get("/organizations/{org_id:int}")
async def get_organization(access: OrgMember) -> OrganizationOut:
    """An organization the caller is a member of (404 for non-members)."""
    return service.to_out(access)


@router.patch("/organizations/{org_id:int}", responses=errors(403, 409))
async def update_organization(
    body: OrganizationUpdate, access: OrgOwner, db: SessionDep
) -> OrganizationOut:
    """Change the name or description (owners; 403 for admins). The slug stays stable."""
    return await service.update_organization(db, access, body)


@router.get("/organizations/{org_id:int}/members", responses=errors(403))
async def list_members(
    access: OrgAdmin,
    db: SessionDep,
    page: PageDep,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Only members whose name or email contains this."),
    ] = None,
    role: Annotated[
        MembershipRole | None, Query(description="Only members with this role.")
    ] = None,
) -> Page[MemberOut]:
    """Members with names, emails and roles, owners first, then by name (admins and owners).
    `q` matches any part of the email or the name, whatever the case."""
    return await members.list_members(db, access.organization.id, page, q=q, role=role)


@router.patch("/organizations/{org_id:int}/members/{user_id:int}", responses=errors(403, 409))
async def change_member_role(
    user_id: UserIdPath, body: MemberRoleUpdate, access: OrgOwner, db: SessionDep
) -> MemberOut:
    """Set a member's role: owner, admin or member (owners). Demoting the last owner answers
    409."""
    return await members.change_role(db, access, user_id, body.role)


@router.delete(
    "/organizations/{org_id:int}/members/{user_id:int}",
    status_code=204,
    responses=errors(403, 409),
)
async def remove_member(user_id: UserIdPath, access: OrgAdmin, db: SessionDep) -> Response:
    """Remove a member: admins remove members (the `member` role); removing an admin or an
    owner is for owners (403 for admins). Removing the last owner answers 409."""
    await members.remove_member(db, access, user_id)
    return Response(status_code=204)


@router.post("/organizations/{org_id:int}/leave", status_code=204, responses=errors(409))
async def leave_organization(access: OrgMember, db: SessionDep) -> Response:
    """The caller leaves the organization. The last owner cannot leave (409)."""
    await members.leave(db, access)
    return Response(status_code=204)


@router.post(
    "/organizations/{org_id:int}/admin-requests",
    status_code=status.HTTP_201_CREATED,
    tags=["admin requests"],
    responses=errors(409),
)
async def request_admin(
    org_id: OrgIdPath, user: CurrentUser, db: SessionDep, body: AdminRequestCreate | None = None
) -> AdminRequestOut:
    """Ask to become an admin of an organization (any signed-in user who is not yet an admin).

    409 when the caller is already an admin or owner or already has a pending request; 404 when
    the organization does not exist.
    """
    message = body.message if body is not None else ""
    return await admin_requests.create_request(db, user, org_id, message)


@router.get(
    "/organizations/{org_id:int}/admin-requests",
    tags=["admin requests"],
    responses=errors(403),
)
async def list_admin_requests(
    access: OrgOwner,
    db: SessionDep,
    page: PageDep,
    status: Annotated[
        AdminRequestStatus | None, Query(description="Only requests in this status.")
    ] = None,
) -> Page[AdminRequestOut]:
    """Admin requests with the requesters' names and emails, newest first (owners)."""
    return await admin_requests.list_requests(db, access.organization.id, status, page)


@router.post("/admin-requests/bulk", tags=["admin requests"], responses=errors(409))
async def bulk_request_admin(
    body: BulkAdminRequestCreate, user: CurrentUser, db: SessionDep
) -> BulkAdminRequestResult:
    """Ask to become admin of several organizations at once.

    Each organization is `created` or `skipped` with a reason (`not_found`, `already_admin`,
    `already_pending`); the created requests commit together.
    """
    return await admin_requests.bulk_create(db, user, body.organization_ids, body.message)


@router.post(
    "/admin-requests/{request_id:int}/approve",
    tags=["admin requests"],
    responses=errors(403, 409),
)
async def approve_admin_request(
    request_id: RequestIdPath, user: CurrentUser, db: SessionDep
) -> AdminRequestOut:
    """Approve a pending request: the requester becomes an admin (owners of its organization).

    404 for non-members of the organization, 403 for its admins, 409 if already decided.
    """
    return await admin_requests.decide(db, user, request_id, approve=True)


@router.post(
    "/admin-requests/{request_id:int}/deny",
    tags=["admin requests"],
    responses=errors(403, 409),
)
async def deny_admin_request(
    request_id: RequestIdPath, user: CurrentUser, db: SessionDep
) -> AdminRequestOut:
    """Deny a pending request (owners of its organization; 409 if already decided)."""
    return await admin_requests.decide(db, user, request_id, approve=False)

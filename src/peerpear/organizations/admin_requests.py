"""Admin requests: a signed-in non-member asks to become admin; an owner approves or denies.

"No duplicate pending request" is checked first for a clear message and is backed by the partial
unique index ``uq_admin_requests_one_pending`` (a concurrent double submit then fails at flush,
which answers 409 as well). Deciding is a conditional UPDATE on ``status = 'pending'``, so two
owners deciding at once cannot both win.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from peerpear import audit
from peerpear.errors import Conflict, InvalidState, NotFound
from peerpear.models import (
    AdminRequest,
    AdminRequestStatus,
    Membership,
    MembershipRole,
    Organization,
    User,
)
from peerpear.organizations.access import get_membership, require_org_role, role_allows
from peerpear.organizations.schemas import (
    AdminRequestOut,
    BulkAdminRequestItem,
    BulkAdminRequestResult,
    Requester,
    SkipReason,
)
from peerpear.pagination import paginate
from peerpear.schemas_common import Page, Pagination

NOT_FOUND = "admin request not found"


def to_out(request: AdminRequest, requester: User) -> AdminRequestOut:
    return AdminRequestOut(
        id=request.id,
        organization_id=request.organization_id,
        status=request.status,
        message=request.message,
        created_at=request.created_at,
        decided_at=request.decided_at,
        decided_by_id=request.decided_by_id,
        requester=Requester.model_validate(requester),
    )


def pending_request(
    user_id: int, org_id: int | ColumnElement[int] | QueryableAttribute[int]
) -> ColumnElement[bool]:
    """The condition "``user_id`` has a pending admin request for ``org_id``" (an id, or a column
    such as ``Organization.id`` to correlate with an outer query)."""
    return and_(
        AdminRequest.organization_id == org_id,
        AdminRequest.user_id == user_id,
        AdminRequest.status == AdminRequestStatus.PENDING,
    )


async def _skip_reason(db: AsyncSession, user: User, org_id: int) -> SkipReason | None:
    """Why ``user`` may not request admin of ``org_id`` now, or None when they may."""
    if await db.get(Organization, org_id) is None:
        return "not_found"
    membership = await get_membership(db, user.id, org_id)
    if membership is not None and role_allows(membership.role, MembershipRole.ADMIN):
        return "already_admin"
    pending = await db.scalar(select(AdminRequest.id).where(pending_request(user.id, org_id)))
    return "already_pending" if pending is not None else None


_SKIP_MESSAGES: dict[str, str] = {
    "already_admin": "you are already an admin of this organization",
    "already_pending": "you already have a pending admin request for this organization",
}


async def _flush_new(db: AsyncSession, org_ids: list[int]) -> None:
    try:
        await db.flush()
    except IntegrityError as exc:  # a concurrent duplicate slipped past the check
        raise Conflict(
            _SKIP_MESSAGES["already_pending"], details={"organization_ids": org_ids}
        ) from exc


async def create_request(
    db: AsyncSession, user: User, org_id: int, message: str
) -> AdminRequestOut:
    reason = await _skip_reason(db, user, org_id)
    if reason == "not_found":
        raise NotFound("organization not found", details={"organization_id": org_id})
    if reason is not None:
        raise Conflict(_SKIP_MESSAGES[reason], details={"reason": reason})
    request = AdminRequest(user_id=user.id, organization_id=org_id, message=message)
    db.add(request)
    await _flush_new(db, [org_id])
    return to_out(request, user)


async def bulk_create(
    db: AsyncSession, user: User, org_ids: list[int], message: str
) -> BulkAdminRequestResult:
    """Request admin of several organizations at once; each is created or skipped with a reason.

    Everything commits together: if a concurrent duplicate makes any insert fail, none is kept.
    """
    items: list[BulkAdminRequestItem] = []
    created: list[tuple[int, AdminRequest]] = []
    for org_id in org_ids:
        reason = await _skip_reason(db, user, org_id)
        if reason is not None:
            items.append(
                BulkAdminRequestItem(organization_id=org_id, result="skipped", reason=reason)
            )
            continue
        request = AdminRequest(user_id=user.id, organization_id=org_id, message=message)
        db.add(request)
        created.append((len(items), request))
        items.append(BulkAdminRequestItem(organization_id=org_id, result="created"))
    if created:
        await _flush_new(db, [r.organization_id for _, r in created])
    for index, request in created:
        items[index].request = to_out(request, user)
    return BulkAdminRequestResult(
        created=len(created), skipped=len(items) - len(created), items=items
    )


async def list_requests(
    db: AsyncSession, org_id: int, status: AdminRequestStatus | None, page: Pagination
) -> Page[AdminRequestOut]:
    stmt = (
        select(AdminRequest, User)
        .join(User, User.id == AdminRequest.user_id)
        .where(AdminRequest.organization_id == org_id)
    )
    if status is not None:
        stmt = stmt.where(AdminRequest.status == status)
    return await paginate(
        db,
        stmt,
        page,
        order_by=(AdminRequest.created_at.desc(), AdminRequest.id.desc()),
        to_item=lambda row: to_out(*row),
    )


async def decide(db: AsyncSession, owner: User, request_id: int, approve: bool) -> AdminRequestOut:
    """Approve (the requester becomes admin) or deny a pending request; owners of its org only."""
    request = await db.get(AdminRequest, request_id)
    if request is None:
        raise NotFound(NOT_FOUND, details={"admin_request_id": request_id})
    org_id = request.organization_id
    await require_org_role(db, owner, org_id, MembershipRole.OWNER, not_found=NOT_FOUND)
    status = AdminRequestStatus.APPROVED if approve else AdminRequestStatus.DENIED
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(AdminRequest)
            .where(AdminRequest.id == request_id, AdminRequest.status == AdminRequestStatus.PENDING)
            .values(status=status, decided_by_id=owner.id, decided_at=datetime.now(UTC))
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        await db.refresh(request)
        raise InvalidState(
            f"this admin request is already {request.status.value}",
            details={"status": request.status.value},
        )
    await db.refresh(request)
    details: dict[str, Any] = {"admin_request_id": request_id, "user_id": request.user_id}
    if approve:
        existing = await get_membership(db, request.user_id, org_id)
        if existing is None:
            db.add(
                Membership(
                    user_id=request.user_id, organization_id=org_id, role=MembershipRole.ADMIN
                )
            )
            details["role"] = MembershipRole.ADMIN.value
        else:  # a member becomes an admin; one who became admin or owner meanwhile keeps that
            if not role_allows(existing.role, MembershipRole.ADMIN):
                existing.role = MembershipRole.ADMIN
            details["role"] = existing.role.value
    audit.record(
        db,
        owner,
        "admin_request.approve" if approve else "admin_request.deny",
        organization_id=org_id,
        target_type="membership" if approve else "admin_request",
        target_id=request.user_id if approve else request_id,
        details=details,
    )
    try:
        await db.flush()
    except IntegrityError as exc:  # the requester was added concurrently
        raise Conflict("the requester is already a member of this organization") from exc
    requester = await db.get(User, request.user_id)
    assert requester is not None
    return to_out(request, requester)

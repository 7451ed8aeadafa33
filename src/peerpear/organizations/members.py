"""Members of an organization: list (search, filter by role), change role, remove, leave.

Admins remove members (the ``member`` role); removing an admin or an owner, and changing any
role, is for owners.

"At least one owner" spans rows, so every change that can take an owner away first locks the
organization's membership rows and re-reads them: ``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite a no-op UPDATE of those rows, which takes the database's single write lock before the
read (SQLite otherwise reads outside the write transaction, and two concurrent "leave" requests
could each see the other owner still there). The caller's own role, checked by the route before
the lock, is checked again in the locked rows: two owners demoting each other at once cannot both
win.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear import audit
from peerpear.errors import InvalidState, NotFound
from peerpear.models import Membership, MembershipRole, User
from peerpear.organizations.access import ROLE_RANK, OrgAccess, membership_rank, require_role
from peerpear.organizations.schemas import MemberOut
from peerpear.pagination import paginate
from peerpear.schemas_common import Page, Pagination

LAST_OWNER_MESSAGE = "an organization must keep at least one owner; make another member owner first"


def _member_out(membership: Membership, user: User) -> MemberOut:
    return MemberOut(
        user_id=user.id,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        role=membership.role,
        joined_at=membership.created_at,
    )


def user_search(q: str) -> ColumnElement[bool]:
    """Case-insensitive substring match on the email, first, last or full name. ``%`` and ``_``
    in ``q`` are literal. (SQLite folds only ASCII letters' case; PostgreSQL folds all.)"""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    full_name = User.first_name + " " + User.last_name
    return or_(
        *(func.lower(column).like(pattern, escape="\\") for column in (User.email, full_name))
    )


async def list_members(
    db: AsyncSession,
    org_id: int,
    page: Pagination,
    *,
    q: str | None = None,
    role: MembershipRole | None = None,
) -> Page[MemberOut]:
    stmt = (
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organization_id == org_id)
    )
    if q:
        stmt = stmt.where(user_search(q))
    if role is not None:
        stmt = stmt.where(Membership.role == role)
    return await paginate(
        db,
        stmt,
        page,
        # Owners first, then by name: the order people expect in a member list.
        order_by=(membership_rank().desc(), User.last_name, User.first_name, User.id),
        to_item=lambda row: _member_out(*row),
    )


async def lock_memberships(db: AsyncSession, org_id: int) -> list[Membership]:
    """The org's memberships, locked against concurrent changes until the transaction ends."""
    query = select(Membership).where(Membership.organization_id == org_id)
    if db.get_bind().dialect.name == "sqlite":
        await db.execute(
            update(Membership)
            .where(Membership.organization_id == org_id)
            .values(role=Membership.role)
            .execution_options(synchronize_session=False)
        )
    else:
        query = query.with_for_update()
    # populate_existing: the caller's own membership may already sit in the session, stale.
    rows = await db.scalars(query.order_by(Membership.id).execution_options(populate_existing=True))
    return list(rows)


def _recheck_caller(
    memberships: list[Membership], access: OrgAccess, minimum: MembershipRole
) -> None:
    """The route checked the caller's role before the lock; a concurrent change (another owner
    demoting or removing them) may have landed since. Check again in the locked rows: 404 when
    they are no longer a member, 403 when their role no longer allows the action."""
    require_role(next((m for m in memberships if m.user_id == access.user.id), None), minimum)


def _find(memberships: list[Membership], user_id: int) -> Membership:
    for membership in memberships:
        if membership.user_id == user_id:
            return membership
    raise NotFound("member not found", details={"user_id": user_id})


def _refuse_last_owner(memberships: list[Membership], target: Membership) -> None:
    owners = [m for m in memberships if m.role is MembershipRole.OWNER]
    if target.role is MembershipRole.OWNER and len(owners) <= 1:
        raise InvalidState(LAST_OWNER_MESSAGE)


async def change_role(
    db: AsyncSession, access: OrgAccess, user_id: int, role: MembershipRole
) -> MemberOut:
    """Promote or demote a member. Demoting the last owner is refused."""
    org_id = access.organization.id
    memberships = await lock_memberships(db, org_id)
    _recheck_caller(memberships, access, MembershipRole.OWNER)
    target = _find(memberships, user_id)
    if target.role is not role:
        if role is not MembershipRole.OWNER:
            _refuse_last_owner(memberships, target)
        previous = target.role
        target.role = role
        promoted = ROLE_RANK[role] > ROLE_RANK[previous]
        audit.record(
            db,
            access.user,
            "membership.promote" if promoted else "membership.demote",
            organization_id=org_id,
            target_type="membership",
            target_id=user_id,
            details={"user_id": user_id, "from": previous.value, "to": role.value},
        )
        await db.flush()
    user = await db.get(User, user_id)
    assert user is not None
    return _member_out(target, user)


async def _delete(
    db: AsyncSession, access: OrgAccess, user_id: int, action: str, minimum: MembershipRole
) -> None:
    org_id = access.organization.id
    memberships = await lock_memberships(db, org_id)
    _recheck_caller(memberships, access, minimum)
    target = _find(memberships, user_id)
    if action == "membership.remove" and target.role is not MembershipRole.MEMBER:
        # Admins remove members; an admin or an owner is removed by an owner only.
        _recheck_caller(memberships, access, MembershipRole.OWNER)
    _refuse_last_owner(memberships, target)
    await db.delete(target)
    audit.record(
        db,
        access.user,
        action,
        organization_id=org_id,
        target_type="membership",
        target_id=user_id,
        details={"user_id": user_id, "role": target.role.value},
    )
    await db.flush()


async def remove_member(db: AsyncSession, access: OrgAccess, user_id: int) -> None:
    """An admin removes a member; an owner removes anyone but the last owner."""
    await _delete(db, access, user_id, "membership.remove", MembershipRole.ADMIN)


async def leave(db: AsyncSession, access: OrgAccess) -> None:
    """The caller leaves the organization (the last owner cannot)."""
    await _delete(db, access, access.user.id, "membership.leave", MembershipRole.MEMBER)

"""Organizations: create, list (mine, joinable), update. SQL for organizations lives here."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import bindparam, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear import audit
from peerpear.config import Settings
from peerpear.db import is_unique_violation
from peerpear.errors import Conflict, Forbidden
from peerpear.models import Membership, MembershipRole, Organization, User
from peerpear.organizations.access import OrgAccess, may_create_organization
from peerpear.organizations.admin_requests import pending_request
from peerpear.organizations.schemas import (
    JoinableOrganization,
    OrganizationCreate,
    OrganizationOut,
    OrganizationUpdate,
)
from peerpear.pagination import paginate, total_from_window
from peerpear.raw_reads import RawReader
from peerpear.schemas_common import Page, Pagination

SLUG_MAX = 80


def slugify(name: str) -> str:
    """ASCII, lower-case, dash-separated; "org" when nothing usable is left."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:SLUG_MAX].strip("-") or "org"


async def _unique_slug(db: AsyncSession, name: str) -> str:
    base = slugify(name)
    taken = set(
        await db.scalars(
            select(Organization.slug).where(
                or_(Organization.slug == base, Organization.slug.like(f"{base}-%"))
            )
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


async def _ensure_name_free(db: AsyncSession, name: str, *, except_id: int | None = None) -> None:
    # Names are unique case-insensitively for people; the database constraint is the exact-match
    # backstop against a concurrent create.
    query = select(Organization.id).where(func.lower(Organization.name) == name.lower())
    if except_id is not None:
        query = query.where(Organization.id != except_id)
    if await db.scalar(query) is not None:
        raise Conflict("an organization with this name already exists", details={"name": name})


def _out(org: Organization, role: MembershipRole) -> OrganizationOut:
    return OrganizationOut(
        id=org.id,
        name=org.name,
        slug=org.slug,
        description=org.description,
        created_at=org.created_at,
        my_role=role,
    )


def to_out(access: OrgAccess) -> OrganizationOut:
    assert access.role is not None
    return _out(access.organization, access.role)


def add_founding_owner(
    db: AsyncSession, actor: User | None, org: Organization, owner: User, **details: str
) -> None:
    """Make ``owner`` the first owner of the (flushed) new ``org`` and audit the creation.

    ``actor`` is None when the system creates the organization (the demo seed); ``details`` adds
    to the audit entry's details (e.g. ``source="seed"``).
    """
    db.add(Membership(user_id=owner.id, organization_id=org.id, role=MembershipRole.OWNER))
    audit.record(
        db,
        actor,
        "organization.create",
        organization_id=org.id,
        target_type="membership",
        target_id=owner.id,
        details={
            "name": org.name,
            "owner_id": owner.id,
            "role": MembershipRole.OWNER.value,
            **details,
        },
    )


async def create_organization(
    db: AsyncSession, user: User, data: OrganizationCreate, settings: Settings
) -> OrganizationOut:
    """Create an organization with the caller as its owner."""
    if not may_create_organization(user, settings):
        raise Forbidden("only platform admins may create organizations")
    await _ensure_name_free(db, data.name)
    org = Organization(
        name=data.name, slug=await _unique_slug(db, data.name), description=data.description
    )
    db.add(org)
    try:
        await db.flush()
    except IntegrityError as exc:
        if not is_unique_violation(exc, "uq_organizations_name", "uq_organizations_slug"):
            raise
        # Another request took the name (or the slug derived from a similar name) meanwhile.
        raise Conflict(
            "an organization with this name was just created; choose another name or retry",
            details={"name": data.name},
        ) from exc
    add_founding_owner(db, user, org, user)
    await db.flush()
    return _out(org, MembershipRole.OWNER)


_ORGS = Organization.__table__
_MEMBERSHIPS = Membership.__table__
_MINE = _ORGS.join(_MEMBERSHIPS, _MEMBERSHIPS.c.organization_id == _ORGS.c.id)
_MINE_WHERE = _MEMBERSHIPS.c.user_id == bindparam("user_id")
# Built once and run on the raw reader (the caller's list is on every dashboard's first
# screen): plain columns, exactly the fields of OrganizationOut, by name then id (the id
# breaks ties, so pages neither repeat nor skip a row).
_MINE_PAGE = (
    select(
        _ORGS.c.id,
        _ORGS.c.name,
        _ORGS.c.slug,
        _ORGS.c.description,
        _ORGS.c.created_at,
        _MEMBERSHIPS.c.role.label("my_role"),
    )
    .select_from(_MINE)
    .where(_MINE_WHERE)
    .order_by(_ORGS.c.name, _ORGS.c.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_MINE_COUNT = select(func.count()).select_from(_MINE).where(_MINE_WHERE)


async def list_mine(reader: RawReader, user: User, page: Pagination) -> Page[OrganizationOut]:
    """The organizations ``user`` is a member of, with their role, by name (one statement; a
    count only when the page cannot tell the total)."""
    params = {"user_id": user.id, "limit": page.limit, "offset": page.offset}
    rows = await reader.fetch(reader.prepare(_MINE_PAGE), params)
    total = total_from_window(len(rows), page)
    if total is None:
        [(total,)] = await reader.fetch(reader.prepare(_MINE_COUNT), params)
    keys = _MINE_PAGE.selected_columns.keys()
    return Page(
        items=[OrganizationOut(**dict(zip(keys, row, strict=True))) for row in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


async def list_joinable(
    db: AsyncSession, user: User, page: Pagination
) -> Page[JoinableOrganization]:
    """Organizations the caller is not a member of, with whether they already asked to join."""
    not_member = ~exists().where(
        Membership.organization_id == Organization.id, Membership.user_id == user.id
    )
    # Exactly the fields of the answer, by name, so each row validates as one.
    stmt = select(
        Organization.id,
        Organization.name,
        Organization.slug,
        Organization.description,
        exists().where(pending_request(user.id, Organization.id)).label("has_pending_request"),
    ).where(not_member)
    return await paginate(
        db,
        stmt,
        page,
        order_by=(Organization.name, Organization.id),
        to_item=JoinableOrganization.model_validate,
    )


async def update_organization(
    db: AsyncSession, access: OrgAccess, data: OrganizationUpdate
) -> OrganizationOut:
    org = access.organization
    changes: dict[str, dict[str, str]] = {}
    fields = data.model_dump(exclude_unset=True)
    if "name" in fields and fields["name"] != org.name:
        await _ensure_name_free(db, fields["name"], except_id=org.id)
        changes["name"] = {"from": org.name, "to": fields["name"]}
        org.name = fields["name"]
    if "description" in fields and fields["description"] != org.description:
        changes["description"] = {"from": org.description, "to": fields["description"]}
        org.description = fields["description"]
    if changes:
        try:
            await db.flush()
        except IntegrityError as exc:
            if not is_unique_violation(exc, "uq_organizations_name"):
                raise
            # Another request took the name meanwhile (the check above is case-insensitive).
            raise Conflict(
                "an organization with this name already exists", details={"name": fields["name"]}
            ) from exc
        audit.record(
            db,
            access.user,
            "organization.update",
            organization_id=org.id,
            target_type="organization",
            target_id=org.id,
            details=changes,
        )
    return to_out(access)

"""Invite codes: admins create, list, rotate and revoke them; anyone signed in joins with one.

A code is ``secrets.token_urlsafe(18)``: 24 characters carrying 144 random bits. Only its
SHA-256 digest is stored (the same scheme as session tokens, :mod:`peerpear.auth.sessions`),
with its first :data:`CODE_PREFIX_LENGTH` characters for display: the other 108 bits cannot be
guessed, and joins with codes that do not work are throttled per account and per client host
anyway (:func:`peerpear.auth.throttle.invite_join_rules`; only failures count), so nobody can
scan for codes.

Joining is idempotent and safe under concurrency: the membership is one ``INSERT ... ON
CONFLICT DO NOTHING`` on the unique (user, organization), and the use is counted by a
conditional UPDATE that re-checks the invite (not revoked, not expired, below ``max_uses``) in
the same statement, so concurrent joins can neither duplicate a member nor pass ``max_uses``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear import audit
from peerpear.auth import throttle
from peerpear.auth.sessions import hash_token
from peerpear.auth.verification import ensure_verified
from peerpear.config import Settings
from peerpear.db import upsert_insert, utcnow
from peerpear.errors import Gone, InvalidState, NotFound
from peerpear.models import Membership, MembershipRole, Organization, OrganizationInvite, User
from peerpear.models.organization_invite import CODE_PREFIX_LENGTH
from peerpear.organizations import service
from peerpear.organizations.access import OrgAccess, get_membership
from peerpear.organizations.schemas import (
    InviteCreate,
    InviteOut,
    InviteStatus,
    InviteWithCode,
    JoinOut,
)
from peerpear.pagination import paginate
from peerpear.schemas_common import Page, Pagination

CODE_BYTES = 18
THROTTLED = "invite codes that did not work"
NOT_FOUND = "invite not found"
UNKNOWN_CODE = "no invite has this code; check it, or ask an organization admin for a new one"
GONE_MESSAGES: dict[str, str] = {
    "revoked": "this invite code was revoked; ask an organization admin for a new one",
    "expired": "this invite code has expired; ask an organization admin for a new one",
    "used_up": "this invite code has been used as often as allowed; ask an admin for a new one",
}


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def status_of(invite: OrganizationInvite, now: datetime) -> InviteStatus:
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at is not None and invite.expires_at <= now:
        return "expired"
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return "used_up"
    return "active"


def to_out(invite: OrganizationInvite, now: datetime | None = None) -> InviteOut:
    return InviteOut(
        id=invite.id,
        organization_id=invite.organization_id,
        code_prefix=invite.code_prefix,
        status=status_of(invite, now or utcnow()),
        created_at=invite.created_at,
        created_by_id=invite.created_by_id,
        rotated_at=invite.rotated_at,
        expires_at=invite.expires_at,
        max_uses=invite.max_uses,
        uses=invite.uses,
        revoked_at=invite.revoked_at,
    )


def invite_link(base_url: str, code: str) -> str:
    """The link students follow: the web console's join page with the code (URL-safe as is)."""
    return f"{base_url.rstrip('/')}/join?code={code}"


def _set_code(invite: OrganizationInvite) -> str:
    code = new_code()
    invite.code_hash = hash_token(code)
    invite.code_prefix = code[:CODE_PREFIX_LENGTH]
    return code


def _audit(db: AsyncSession, access: OrgAccess, action: str, invite: OrganizationInvite) -> None:
    audit.record(
        db,
        access.user,
        action,
        organization_id=access.organization.id,
        target_type="invite",
        target_id=invite.id,
        details={
            "code_prefix": invite.code_prefix,
            "expires_at": invite.expires_at.isoformat() if invite.expires_at else None,
            "max_uses": invite.max_uses,
            "uses": invite.uses,
        },
    )


async def create_invite(
    db: AsyncSession, access: OrgAccess, data: InviteCreate, base_url: str
) -> InviteWithCode:
    now = utcnow()
    invite = OrganizationInvite(
        organization_id=access.organization.id,
        created_by_id=access.user.id,
        created_at=now,
        expires_at=(
            now + timedelta(hours=data.expires_in_hours) if data.expires_in_hours else None
        ),
        max_uses=data.max_uses,
        uses=0,
    )
    code = _set_code(invite)
    db.add(invite)
    await db.flush()
    _audit(db, access, "invite.create", invite)
    return InviteWithCode(invite=to_out(invite, now), code=code, link=invite_link(base_url, code))


async def list_invites(db: AsyncSession, org_id: int, page: Pagination) -> Page[InviteOut]:
    now = utcnow()
    return await paginate(
        db,
        select(OrganizationInvite).where(OrganizationInvite.organization_id == org_id),
        page,
        order_by=(OrganizationInvite.created_at.desc(), OrganizationInvite.id.desc()),
        to_item=lambda row: to_out(row[0], now),
    )


async def _get(db: AsyncSession, access: OrgAccess, invite_id: int) -> OrganizationInvite:
    """The invite ``invite_id`` of the caller's organization, locked for the change (404 when it
    is another organization's: ids are not a way to reach them)."""
    invite = await db.scalar(
        select(OrganizationInvite)
        .where(
            OrganizationInvite.id == invite_id,
            OrganizationInvite.organization_id == access.organization.id,
        )
        .with_for_update()
    )
    if invite is None:
        raise NotFound(NOT_FOUND, details={"invite_id": invite_id})
    return invite


async def rotate_invite(
    db: AsyncSession, access: OrgAccess, invite_id: int, base_url: str
) -> InviteWithCode:
    """A new code for the invite (the old one stops working); its settings and use count stay.
    A revoked invite cannot be rotated (409): create a new one."""
    invite = await _get(db, access, invite_id)
    if invite.revoked_at is not None:
        raise InvalidState(
            "this invite is revoked; create a new invite instead", details={"status": "revoked"}
        )
    code = _set_code(invite)
    invite.rotated_at = utcnow()
    await db.flush()
    _audit(db, access, "invite.rotate", invite)
    return InviteWithCode(invite=to_out(invite), code=code, link=invite_link(base_url, code))


async def revoke_invite(db: AsyncSession, access: OrgAccess, invite_id: int) -> InviteOut:
    """Revoke the invite: its code stops working. Idempotent (a revoked invite stays as it was,
    and is audited once)."""
    invite = await _get(db, access, invite_id)
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
        await db.flush()
        _audit(db, access, "invite.revoke", invite)
    return to_out(invite)


async def _count_use(db: AsyncSession, invite: OrganizationInvite, now: datetime) -> bool:
    """Count one join on ``invite`` if it is still usable, in one conditional statement."""
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(OrganizationInvite)
            .where(
                OrganizationInvite.id == invite.id,
                OrganizationInvite.revoked_at.is_(None),
                OrganizationInvite.expires_at.is_(None) | (OrganizationInvite.expires_at > now),
                OrganizationInvite.max_uses.is_(None)
                | (OrganizationInvite.uses < OrganizationInvite.max_uses),
            )
            .values(uses=OrganizationInvite.uses + 1)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


def _gone(invite: OrganizationInvite, now: datetime) -> Gone:
    reason = status_of(invite, now)
    return Gone(GONE_MESSAGES.get(reason, GONE_MESSAGES["used_up"]), details={"reason": reason})


async def usable_invite(
    db: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    user: User,
    code: str,
    client_address: str,
) -> OrganizationInvite:
    """The active invite with ``code``, for ``user`` to join with (or to see where it leads
    first: the console's confirm page). 404 for a code no invite has, 410 for one that no longer
    works, 429 after too many of those: a look counts as a try, so looking cannot scan codes."""
    rules = throttle.invite_join_rules(settings, user.id, client_address)
    await throttle.raise_if_blocked(db, rules, what=THROTTLED)
    invite = await db.scalar(
        select(OrganizationInvite).where(OrganizationInvite.code_hash == hash_token(code))
    )
    now = utcnow()
    if invite is None or status_of(invite, now) != "active":
        async with sessions.begin() as short:
            await throttle.count_attempt(short, settings, rules, what=THROTTLED)
        if invite is None:
            raise NotFound(UNKNOWN_CODE, details={"reason": "unknown"})
        raise _gone(invite, now)
    return invite


async def join(
    db: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    user: User,
    code: str,
    client_address: str,
) -> JoinOut:
    """Make ``user`` a member of the invite's organization; an existing member keeps their role.

    403 when the server requires a verified address and ``user``'s is not. 404 for a code
    no invite has, 410 (``details.reason``: revoked, expired, used_up) for one
    that no longer works, 429 after too many of those. Only failures count: a class joining at
    once from one network must not trip the limit. A failure is counted in a short transaction
    of its own, so it stays counted when this request rolls back.
    """
    ensure_verified(user, settings)  # 403 for an unverified address when required
    invite = await usable_invite(db, sessions, settings, user, code, client_address)
    now = utcnow()
    org_id = invite.organization_id
    inserted = await db.scalar(
        upsert_insert(db, Membership)
        .values(user_id=user.id, organization_id=org_id, role=MembershipRole.MEMBER, created_at=now)
        .on_conflict_do_nothing(index_elements=[Membership.user_id, Membership.organization_id])
        .returning(Membership.id)
    )
    if inserted is not None:
        if not await _count_use(db, invite, now):
            # Used up (or revoked) by a concurrent request since the read: the whole request
            # rolls back, the membership with it.
            await db.refresh(invite)
            raise _gone(invite, now)
        audit.record(
            db,
            user,
            "membership.join",
            organization_id=org_id,
            target_type="membership",
            target_id=user.id,
            details={
                "user_id": user.id,
                "role": MembershipRole.MEMBER.value,
                "invite_id": invite.id,
                "code_prefix": invite.code_prefix,
            },
        )
    membership = await get_membership(db, user.id, org_id)
    organization = await db.get(Organization, org_id)
    assert membership is not None and organization is not None
    access = OrgAccess(user=user, organization=organization, membership=membership)
    return JoinOut(organization=service.to_out(access), joined=inserted is not None)

"""Small helpers that arrange test data directly in the database.

Each helper commits, so the app (which uses its own connections) sees the rows.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.passwords import hash_password
from peerpear.auth.sessions import hash_token, issue_session
from peerpear.db import utcnow
from peerpear.models import (
    AdminRequest,
    AdminRequestStatus,
    Answer,
    AuditLogEntry,
    Event,
    EventStatus,
    EventVisibility,
    Identity,
    IdentityProvider,
    Membership,
    MembershipRole,
    Organization,
    OrganizationInvite,
    Question,
    QuestionType,
    Registration,
    RegistrationRole,
    User,
    normalize_email,
)
from peerpear.organizations.service import slugify

_counter = itertools.count(1)


async def create_user(
    session: AsyncSession,
    email: str | None = None,
    *,
    password: str | None = None,
    first_name: str = "Test",
    last_name: str | None = None,
    platform_admin: bool = False,
    is_active: bool = True,
) -> User:
    """A committed user (unique email by default); with ``password``, also a local identity."""
    n = next(_counter)
    address = normalize_email(email or f"user{n}@example.edu")
    user = User(
        email=address,
        first_name=first_name,
        last_name=last_name if last_name is not None else f"User{n}",
        is_platform_admin=platform_admin,
        is_active=is_active,
    )
    session.add(user)
    await session.flush()
    if password is not None:
        session.add(
            Identity(
                user_id=user.id,
                provider=IdentityProvider.LOCAL,
                subject=address,
                password_hash=hash_password(password),
            )
        )
    await session.commit()
    return user


async def auth_headers(session: AsyncSession, user: User) -> dict[str, str]:
    """Sign ``user`` in (a committed session) and return the bearer header for requests."""
    token = await issue_session(session, user)
    await session.commit()
    return {"Authorization": f"Bearer {token}"}


async def create_organization(
    session: AsyncSession, owner: User, name: str | None = None, **fields: Any
) -> Organization:
    """A committed organization with ``owner`` as its owner (slug derived from the name)."""
    n = next(_counter)
    org_name = name or f"Organization {n}"
    org = Organization(name=org_name, slug=fields.pop("slug", f"{slugify(org_name)}-{n}"), **fields)
    session.add(org)
    await session.flush()
    session.add(Membership(user_id=owner.id, organization_id=org.id, role=MembershipRole.OWNER))
    await session.commit()
    return org


async def add_member(
    session: AsyncSession,
    org: Organization,
    user: User,
    role: MembershipRole = MembershipRole.ADMIN,
) -> Membership:
    """A committed membership of ``user`` in ``org``."""
    membership = Membership(user_id=user.id, organization_id=org.id, role=role)
    session.add(membership)
    await session.commit()
    return membership


async def create_admin_request(
    session: AsyncSession,
    org: Organization,
    user: User,
    *,
    status: AdminRequestStatus = AdminRequestStatus.PENDING,
    message: str = "",
) -> AdminRequest:
    """A committed admin request by ``user`` for ``org``."""
    request = AdminRequest(user_id=user.id, organization_id=org.id, status=status, message=message)
    session.add(request)
    await session.commit()
    return request


async def create_invite(
    session: AsyncSession,
    org: Organization,
    *,
    code: str | None = None,
    **fields: Any,
) -> tuple[OrganizationInvite, str]:
    """A committed invite of ``org`` and its code (``fields``: expires_at, max_uses, uses,
    revoked_at)."""
    code = code or f"test-code-{next(_counter)}-{org.id}-abcdefghijklmnop"
    invite = OrganizationInvite(
        organization_id=org.id, code_hash=hash_token(code), code_prefix=code[:6], **fields
    )
    session.add(invite)
    await session.commit()
    return invite, code


async def audit_actions(session: AsyncSession, org: Organization) -> list[str]:
    """The audit log's actions about ``org``, oldest first."""
    rows = await session.scalars(
        select(AuditLogEntry.action)
        .where(AuditLogEntry.organization_id == org.id)
        .order_by(AuditLogEntry.id)
    )
    return list(rows)


async def create_event(
    session: AsyncSession,
    org: Organization,
    *,
    status: EventStatus = EventStatus.DRAFT,
    visibility: EventVisibility = EventVisibility.MEMBERS_ONLY,
    registration_deadline: datetime | None = None,
    **fields: Any,
) -> Event:
    """A committed event of ``org``, written directly (any status, any deadline, even past)."""
    n = next(_counter)
    event = Event(
        organization_id=org.id,
        title=fields.pop("title", f"Event {n}"),
        status=status,
        visibility=visibility,
        registration_deadline=registration_deadline,
        opened_at=fields.pop("opened_at", utcnow() if status is not EventStatus.DRAFT else None),
        **fields,
    )
    session.add(event)
    await session.commit()
    return event


async def create_question(
    session: AsyncSession,
    event: Event,
    *,
    type: QuestionType = QuestionType.SINGLE_CHOICE,
    position: int = 0,
    **fields: Any,
) -> Question:
    """A committed question of ``event`` (a choice question with two options by default)."""
    if type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE):
        fields.setdefault("options", ["Tea", "Coffee"])
    if type is QuestionType.SCALE:
        fields.setdefault("scale_min", 1)
        fields.setdefault("scale_max", 5)
    question = Question(
        event_id=event.id,
        type=type,
        position=position,
        prompt=fields.pop("prompt", "Tea or coffee?"),
        **fields,
    )
    session.add(question)
    await session.commit()
    return question


async def create_registration(
    session: AsyncSession,
    event: Event,
    user: User,
    *,
    role: RegistrationRole | None = None,
    answers: dict[Question, Any] | None = None,
    is_complete: bool = False,
) -> Registration:
    """A committed registration of ``user`` for ``event``, with ``answers`` stored as given."""
    registration = Registration(
        event_id=event.id, user_id=user.id, role=role, is_complete=is_complete
    )
    session.add(registration)
    await session.flush()
    session.add_all(
        Answer(registration_id=registration.id, question_id=question.id, value=value)
        for question, value in (answers or {}).items()
    )
    await session.commit()
    return registration


SIGN_UP_PASSWORD = "a sturdy passphrase"


async def sign_up_and_in(client: httpx.AsyncClient, email: str, first: str) -> dict[str, str]:
    """Sign up and sign in through the API; the bearer header. The client's cookie is dropped,
    so several people can share one client."""
    signup = await client.post(
        "/api/v1/auth/signup",
        json={
            "email": email,
            "password": SIGN_UP_PASSWORD,
            "first_name": first,
            "last_name": "Doe",
        },
    )
    assert signup.status_code == 202, signup.text
    login = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": SIGN_UP_PASSWORD}
    )
    assert login.status_code == 200, login.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {login.json()['access_token']}"}

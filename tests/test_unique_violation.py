"""``is_unique_violation`` recognizes a unique violation by the constraint's name: SQLSTATE 23505
and the driver's constraint name on PostgreSQL, the result code and the constraint's exact
columns on SQLite. It tells apart constraints of one table, composite constraints sharing a
column, and errors that are not unique violations at all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import is_unique_violation
from peerpear.models import (
    AdminRequest,
    AdminRequestStatus,
    Membership,
    MembershipRole,
    Organization,
    User,
)
from tests.factories import create_organization, create_user

Statement = Callable[[], Awaitable[object]]


async def violation(session: AsyncSession, statement: Statement) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught:
        await statement()
    await session.rollback()
    return caught.value


async def test_names_the_violated_constraint(session: AsyncSession) -> None:
    owner = await create_user(session, "taken@example.edu")
    org = await create_organization(session, owner, "Chess Club", slug="chess")
    owner_id, org_id = owner.id, org.id  # a rollback expires the objects

    email = await violation(
        session,
        lambda: session.execute(insert(User).values(email="taken@example.edu", first_name="X")),
    )
    assert is_unique_violation(email, "uq_users_email")
    assert not is_unique_violation(email, "uq_organizations_name", "uq_organizations_slug")

    # Same table, the other constraint: the name says which one failed.
    slug = await violation(
        session,
        lambda: session.execute(insert(Organization).values(name="Other", slug="chess")),
    )
    assert is_unique_violation(slug, "uq_organizations_slug")
    assert not is_unique_violation(slug, "uq_organizations_name")
    assert is_unique_violation(slug, "uq_organizations_name", "uq_organizations_slug")

    # A composite constraint (which the table-and-column helper could not name at all).
    member = await violation(
        session,
        lambda: session.execute(
            insert(Membership).values(
                user_id=owner_id, organization_id=org_id, role=MembershipRole.ADMIN
            )
        ),
    )
    assert is_unique_violation(member, "uq_memberships_user_id_organization_id")
    assert not is_unique_violation(member, "uq_users_email")

    # A partial unique index (one pending admin request per person and organization).
    pending = {"user_id": owner_id, "organization_id": org_id, "status": AdminRequestStatus.PENDING}
    await session.execute(insert(AdminRequest).values(**pending))
    await session.commit()
    again = await violation(session, lambda: session.execute(insert(AdminRequest).values(pending)))
    assert is_unique_violation(again, "uq_admin_requests_one_pending")


async def test_other_integrity_errors_are_not_unique_violations(session: AsyncSession) -> None:
    # A CHECK constraint (emails are stored normalized) and a foreign key.
    check = await violation(
        session, lambda: session.execute(insert(User).values(email="Upper@Example.edu"))
    )
    assert not is_unique_violation(check, "uq_users_email")
    foreign = await violation(
        session,
        lambda: session.execute(
            insert(Membership).values(
                user_id=10**6, organization_id=10**6, role=MembershipRole.ADMIN
            )
        ),
    )
    assert not is_unique_violation(foreign, "uq_memberships_user_id_organization_id")


async def test_an_unknown_name_is_a_programming_error(session: AsyncSession) -> None:
    await create_user(session, "dup@example.edu")
    exc = await violation(
        session,
        lambda: session.execute(insert(User).values(email="dup@example.edu", first_name="X")),
    )
    with pytest.raises(ValueError, match="uq_users_mail"):
        is_unique_violation(exc, "uq_users_mail")

"""The database itself enforces the model's rules, on a schema built by the migrations, on
SQLite and (when PEERPEAR_TEST_DATABASE_URL is set) PostgreSQL.

Each module run gets its own migrated database per backend; tests make their own uniquely named
rows and commit them, so they do not depend on one another.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from peerpear import migrate
from peerpear.config import Settings
from peerpear.db import create_engine, create_sessionmaker
from peerpear.models import (
    AdminRequest,
    AdminRequestStatus,
    Answer,
    Event,
    EventStatus,
    Organization,
    Pairing,
    PairingGroup,
    PairingGroupMember,
    PairRule,
    PairRuleKind,
    Question,
    QuestionType,
    Registration,
    User,
)
from tests.db_backends import pg_server_url, sqlite_url, temporary_pg_database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    async def engine_for(url: str) -> AsyncEngine:
        await migrate.upgrade_async(url)
        return create_engine(Settings(environment="test", secret_key="test-secret-key"), url)

    if request.param == "sqlite":
        engine = await engine_for(sqlite_url(tmp_path_factory.mktemp("constraints")))
        yield engine
        await engine.dispose()
        return
    server = pg_server_url()
    if server is None:
        pytest.skip("PEERPEAR_TEST_DATABASE_URL is not set; PostgreSQL variant not run")
    async with temporary_pg_database(server) as url:
        engine = await engine_for(url)
        yield engine
        await engine.dispose()


@pytest.fixture
def maker(migrated_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(migrated_engine)


def _tag() -> str:
    return uuid.uuid4().hex[:10]


async def _user(s: AsyncSession) -> User:
    user = User(email=f"u-{_tag()}@example.edu", first_name="Ada", last_name="L")
    s.add(user)
    await s.flush()
    return user


async def _event(s: AsyncSession) -> Event:
    tag = _tag()
    org = Organization(name=f"Org {tag}", slug=f"org-{tag}")
    event = Event(organization=org, title="Bigs and littles")
    s.add(event)
    await s.flush()
    return event


async def _expect_integrity_error(maker: async_sessionmaker[AsyncSession], row: object) -> None:
    async with maker() as s:
        s.add(row)
        with pytest.raises(IntegrityError):
            await s.flush()
        await s.rollback()


async def test_one_registration_per_user_and_event(maker: async_sessionmaker[AsyncSession]) -> None:
    async with maker() as s:
        user, event = await _user(s), await _event(s)
        s.add(Registration(event_id=event.id, user_id=user.id))
        await s.commit()
    await _expect_integrity_error(maker, Registration(event_id=event.id, user_id=user.id))


async def test_one_pending_admin_request_per_user_and_org(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as s:
        user, event = await _user(s), await _event(s)
        org_id = event.organization_id
        first = AdminRequest(user_id=user.id, organization_id=org_id)
        s.add(first)
        await s.commit()
    await _expect_integrity_error(maker, AdminRequest(user_id=user.id, organization_id=org_id))

    # Once decided, the old request is history and a new pending one is allowed.
    async with maker() as s:
        decided = await s.get(AdminRequest, first.id)
        assert decided is not None
        decided.status = AdminRequestStatus.DENIED
        s.add(AdminRequest(user_id=user.id, organization_id=org_id))
        await s.commit()
        count = await s.scalar(
            select(func.count()).where(
                AdminRequest.user_id == user.id, AdminRequest.organization_id == org_id
            )
        )
        assert count == 2


async def test_deleting_an_event_cascades(maker: async_sessionmaker[AsyncSession]) -> None:
    async with maker() as s:
        user, event = await _user(s), await _event(s)
        question = Question(event=event, prompt="Hobbies?", type=QuestionType.TEXT)
        registration = Registration(event=event, user=user)
        s.add(Answer(registration=registration, question=question, value="hiking"))
        await s.commit()
        event_id, registration_id = event.id, registration.id

    async with maker() as s:
        # An ORM delete: lazy="raise" relationships must not be loaded (passive_deletes).
        loaded = await s.get(Event, event_id)
        assert loaded is not None
        await s.delete(loaded)
        await s.commit()

    async with maker() as s:
        assert await s.scalar(select(func.count()).where(Question.event_id == event_id)) == 0
        assert await s.scalar(select(func.count()).where(Registration.event_id == event_id)) == 0
        answers = select(func.count()).where(Answer.registration_id == registration_id)
        assert await s.scalar(answers) == 0
        assert await s.get(User, user.id) is not None


async def test_deleting_a_user_keeps_what_they_created(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as s:
        creator, event = await _user(s), await _event(s)
        event.created_by_id = creator.id
        await s.commit()
        creator_id, event_id = creator.id, event.id

    async with maker() as s:
        await s.execute(delete(User).where(User.id == creator_id))
        await s.commit()
        kept = await s.get(Event, event_id)
        assert kept is not None
        assert kept.created_by_id is None


async def test_symmetric_pair_rules_are_stored_ordered(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as s:
        a, b, event = await _user(s), await _user(s), await _event(s)
        low, high = sorted((a.id, b.id))
        # Directional "avoid" may go either way.
        s.add(PairRule(event_id=event.id, kind=PairRuleKind.AVOID, user_a_id=high, user_b_id=low))
        await s.commit()
    await _expect_integrity_error(
        maker,
        PairRule(event_id=event.id, kind=PairRuleKind.MUST_PAIR, user_a_id=high, user_b_id=low),
    )
    await _expect_integrity_error(
        maker, PairRule(event_id=event.id, kind=PairRuleKind.AVOID, user_a_id=low, user_b_id=low)
    )
    assert PairRule.ordered(PairRuleKind.NEVER_PAIR, high, low) == (low, high)


async def test_a_registration_appears_once_per_pairing(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as s:
        user, event = await _user(s), await _event(s)
        registration = Registration(event=event, user=user)
        pairing = Pairing(event_id=event.id)
        first, second = PairingGroup(pairing=pairing), PairingGroup(pairing=pairing, position=1)
        s.add_all([registration, first, second])
        s.add(PairingGroupMember(group=first, registration=registration))
        await s.commit()
        other = Pairing(event_id=(await _event(s)).id)
        foreign_group = PairingGroup(pairing=other)
        s.add(foreign_group)
        await s.commit()

    await _expect_integrity_error(
        maker,
        PairingGroupMember(
            group_id=second.id, pairing_id=pairing.id, registration_id=registration.id
        ),
    )
    # The copied pairing_id must be the group's own (composite foreign key).
    await _expect_integrity_error(
        maker,
        PairingGroupMember(
            group_id=foreign_group.id, pairing_id=pairing.id, registration_id=registration.id
        ),
    )


async def test_emails_are_stored_normalized(maker: async_sessionmaker[AsyncSession]) -> None:
    await _expect_integrity_error(maker, User(email=f"Mixed-{_tag()}@Example.edu"))


async def test_enum_columns_reject_unknown_values(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as s:
        event = await _event(s)
        await s.commit()
    async with maker() as s:
        # SQLAlchemy refuses it before it reaches the database ...
        with pytest.raises(StatementError):
            await s.execute(update(Event).where(Event.id == event.id).values(status="finished"))
        await s.rollback()
    async with maker() as s:
        # ... and the CHECK constraint refuses raw SQL that bypasses the ORM.
        with pytest.raises(IntegrityError):
            await s.execute(
                text("UPDATE events SET status = 'finished' WHERE id = :id"), {"id": event.id}
            )
        await s.rollback()
        assert (await s.get(Event, event.id)) is not None


async def test_timestamps_come_back_aware_utc(maker: async_sessionmaker[AsyncSession]) -> None:
    deadline = datetime(2027, 3, 1, 12, 30, tzinfo=UTC)
    async with maker() as s:
        event = await _event(s)
        event.registration_deadline = deadline
        event.status = EventStatus.OPEN
        await s.commit()
    async with maker() as s:
        loaded = await s.get(Event, event.id)
        assert loaded is not None
        assert loaded.registration_deadline == deadline
        assert loaded.created_at.tzinfo is not None
        assert loaded.status is EventStatus.OPEN

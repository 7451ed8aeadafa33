"""`peerpear seed --demo`: the CLI on a fresh SQLite file, and the seeding service on both
backends (idempotent, refuses to collide, the accounts can sign in)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from peerpear.cli import app as cli_app
from peerpear.config import get_settings
from peerpear.models import (
    AuditLogEntry,
    Event,
    EventStatus,
    Membership,
    MembershipRole,
    Organization,
    Profile,
    QuestionType,
    Registration,
    RoleScheme,
    User,
)
from peerpear.seed import (
    ADMIN_EMAIL,
    DEMO_ORG_NAME,
    DEMO_PASSWORD,
    OWNER_EMAIL,
    SeedRefused,
    seed_demo,
    student_email,
)
from peerpear.seed_event import DEMO_EVENT_TITLE
from tests.factories import create_user


@pytest.fixture
def fresh_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    db_file = tmp_path / "demo.db"
    monkeypatch.setenv("PEERPEAR_DATABASE_URL", f"sqlite+aiosqlite:///{db_file}")
    monkeypatch.setenv("PEERPEAR_ENVIRONMENT", "development")
    monkeypatch.delenv("PEERPEAR_AUTO_MIGRATE", raising=False)
    get_settings.cache_clear()
    yield db_file
    get_settings.cache_clear()


def test_cli_seeds_a_fresh_database_once(fresh_sqlite: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli_app, ["seed", "--demo"])
    assert first.exit_code == 0, first.output
    assert "Seeded 'PeerPear Demo Society'" in first.output
    assert OWNER_EMAIL in first.output and ADMIN_EMAIL in first.output
    assert student_email(1) in first.output and student_email(40) in first.output
    assert DEMO_PASSWORD in first.output
    assert fresh_sqlite.is_file()

    second = runner.invoke(cli_app, ["seed", "--demo"])
    assert second.exit_code == 0, second.output
    assert "already there" in second.output and "nothing changed" in second.output


def test_cli_needs_demo_flag_and_a_long_password(fresh_sqlite: Path) -> None:
    runner = CliRunner()
    bare = runner.invoke(cli_app, ["seed"])
    assert bare.exit_code == 2 and "--demo" in bare.output
    short = runner.invoke(cli_app, ["seed", "--demo", "--password", "short"])
    assert short.exit_code == 2 and "at least" in short.output
    assert not fresh_sqlite.exists()  # refused before touching the database


@pytest.mark.parametrize("environment", ["test", "production"])
def test_cli_refuses_outside_development(
    fresh_sqlite: Path, monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("PEERPEAR_ENVIRONMENT", environment)
    monkeypatch.setenv("PEERPEAR_SECRET_KEY", "a-real-secret-for-this-test-only")
    get_settings.cache_clear()
    refused = CliRunner().invoke(cli_app, ["seed", "--demo"])
    assert refused.exit_code != 0
    lines = refused.output.strip().splitlines()
    assert len(lines) == 1 and "PEERPEAR_ENVIRONMENT=development" in lines[0]
    assert environment in lines[0]
    assert not fresh_sqlite.exists()  # refused before touching the database


async def test_seed_contents_and_sign_in(session: AsyncSession, client: httpx.AsyncClient) -> None:
    result = await seed_demo(session)
    await session.commit()
    assert result.created and len(result.student_emails) == 40

    org = await session.scalar(select(Organization).where(Organization.name == DEMO_ORG_NAME))
    assert org is not None
    roles = await session.execute(
        select(User.email, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org.id)
    )
    # The 40 students are the organization's members.
    assert dict(roles.tuples().all()) == {
        OWNER_EMAIL: MembershipRole.OWNER,
        ADMIN_EMAIL: MembershipRole.ADMIN,
        **{student_email(n): MembershipRole.MEMBER for n in range(1, 41)},
    }
    created = await session.scalar(
        select(AuditLogEntry).where(AuditLogEntry.organization_id == org.id)
    )
    assert created is not None and created.action == "organization.create"
    assert created.actor_id is None and created.details["source"] == "seed"
    profiles = list(await session.scalars(select(Profile)))
    assert len(profiles) == 40
    # Varied: several class years and majors, every student has hobbies and a bio.
    assert len(Counter(p.class_year for p in profiles)) >= 3
    assert len({p.major for p in profiles}) >= 6
    assert all(p.hobbies and p.bio for p in profiles)
    assert len({p.bio for p in profiles}) >= 20

    for email in (OWNER_EMAIL, student_email(17)):
        login = await client.post(
            "/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD}
        )
        assert login.status_code == 200, login.text

    again = await seed_demo(session)
    await session.commit()
    assert not again.created and again.organization_id == org.id
    assert await session.scalar(select(func.count()).select_from(User)) == 42
    assert await session.scalar(select(func.count()).select_from(Membership)) == 42


async def test_seed_again_adds_missing_student_memberships(session: AsyncSession) -> None:
    """A database seeded before students were members gets their memberships on the next seed;
    a student who became an admin meanwhile stays one."""
    first = await seed_demo(session)
    await session.commit()
    students = select(User.id).where(User.email.like("demo-student%"))
    await session.execute(
        delete(Membership).where(
            Membership.organization_id == first.organization_id,
            Membership.user_id.in_(students.where(User.email != student_email(5))),
        )
    )
    await session.execute(
        update(Membership).where(Membership.user_id.in_(students)).values(role=MembershipRole.ADMIN)
    )
    await session.commit()
    await seed_demo(session)
    await session.commit()
    rows = await session.execute(
        select(User.email, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == first.organization_id)
    )
    roles = dict(rows.tuples().all())
    assert len(roles) == 42
    assert roles[student_email(5)] is MembershipRole.ADMIN
    assert roles[student_email(6)] is MembershipRole.MEMBER


async def test_seed_refuses_to_collide(session: AsyncSession) -> None:
    await create_user(session, student_email(3))
    with pytest.raises(SeedRefused, match="already belong"):
        await seed_demo(session)
    await session.rollback()
    assert await session.scalar(select(func.count()).select_from(Organization)) == 0


async def test_seed_makes_an_open_event_ready_for_pairing(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    """An open big/little event with a question of every type, and the 40 students registered
    with complete answers, as the owner sees them through the API."""
    result = await seed_demo(session)
    await session.commit()
    event = await session.scalar(select(Event).where(Event.title == DEMO_EVENT_TITLE))
    assert event is not None and event.organization_id == result.organization_id
    assert event.status is EventStatus.OPEN and event.role_scheme is RoleScheme.BIG_LITTLE
    login = await client.post(
        "/api/v1/auth/login", json={"email": OWNER_EMAIL, "password": DEMO_PASSWORD}
    )
    owner = {"Authorization": f"Bearer {login.json()['access_token']}"}
    questions = (await client.get(f"/api/v1/events/{event.id}/questions", headers=owner)).json()
    assert {q["type"] for q in questions["items"]} == {t.value for t in QuestionType}
    listed = await client.get(
        f"/api/v1/events/{event.id}/registrations", params={"limit": 200}, headers=owner
    )
    registrations = listed.json()["items"]
    assert len(registrations) == 40 and all(r["is_complete"] for r in registrations)
    assert {r["user"]["email"] for r in registrations} == set(result.student_emails)
    roles = Counter(r["role"] for r in registrations)
    assert roles["big"] >= 5 and roles["little"] >= 5
    # Every required question answered by everyone; varied answers to the hobbies question.
    required = [q["id"] for q in questions["items"] if q["required"]]
    assert all(str(q) in r["answers"] for r in registrations for q in required)
    hobbies = next(q["id"] for q in questions["items"] if q["type"] == "multi_choice")
    assert len({tuple(r["answers"][str(hobbies)]) for r in registrations}) >= 20
    # A student sees the event among those open to them.
    student = await client.post(
        "/api/v1/auth/login", json={"email": student_email(1), "password": DEMO_PASSWORD}
    )
    student_headers = {"Authorization": f"Bearer {student.json()['access_token']}"}
    mine = await client.get(f"/api/v1/events/{event.id}/registration", headers=student_headers)
    assert mine.status_code == 200 and mine.json()["is_complete"] is True
    # Seeding again adds no second event.
    await seed_demo(session)
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(Event)) == 1
    assert await session.scalar(select(func.count()).select_from(Registration)) == 40

"""`peerpear seed --demo`: a demo organization with an owner, an admin and 40 students, who are
its members, and an open big/little event they have all registered for and answered
(seed_event.py).

The data is deterministic (a fixed random seed) so screenshots and docs stay reproducible, and
seeding is idempotent: when the demo organization exists nothing changes (but for what a seed
by an earlier version did not make: students' memberships, the demo event) and the sign-in
details are printed again. If some demo email already belongs to an account that is not part of
the demo, seeding refuses rather than guess.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.passwords import hash_password
from peerpear.auth.service import create_user
from peerpear.cli_support import check_password_length, migrate_if_embedded, settings_or_exit
from peerpear.config import Settings
from peerpear.db import create_engine, create_sessionmaker, upsert_insert
from peerpear.models import (
    Identity,
    IdentityProvider,
    Membership,
    MembershipRole,
    Organization,
    Profile,
    User,
)
from peerpear.organizations.service import add_founding_owner, slugify
from peerpear.seed_event import DEMO_EVENT_TITLE, HOBBY_OPTIONS, seed_demo_event

DEMO_ORG_NAME = "PeerPear Demo Society"
DEMO_PASSWORD = "peerpear-demo"
OWNER_EMAIL = "demo-owner@example.edu"
ADMIN_EMAIL = "demo-admin@example.edu"
STUDENT_COUNT = 40

FIRST_NAMES = [
    "Ava", "Ben", "Chloe", "Diego", "Elif", "Farah", "Gabe", "Hana", "Ines", "Jamal",
    "Kai", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tariq",
]  # fmt: skip
LAST_NAMES = [
    "Abe", "Brooks", "Chen", "Dubois", "Eze", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
    "Kim", "Lopez", "Mensah", "Novak", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Wu",
]  # fmt: skip
MAJORS = [
    "Computer Science", "Economics", "Biology", "History", "Mathematics", "Psychology",
    "Mechanical Engineering", "English", "Chemistry", "Politics", "Music", "Neuroscience",
]  # fmt: skip
BIO_OPENERS = [
    "I'm happiest",
    "You'll usually find me",
    "Most weekends I'm",
    "Ask me about the time I was",
    "I spend too much time",
]
BIO_PLACES = [
    "on a trail with a thermos of tea",
    "in the library's basement study rooms",
    "trying new recipes for my roommates",
    "at open mic nights downtown",
    "planning the next board game marathon",
    "training for a half marathon",
    "editing photos from the last trip",
    "arguing about movies over late-night pizza",
]
BIO_WISHES = [
    "Looking for someone to explore the city with.",
    "Would love a mentor who has been through the same major.",
    "Happy to help a first-year find their way around.",
    "Always up for coffee and a long conversation.",
    "Hoping to meet people outside my department.",
]


def student_email(n: int) -> str:
    return f"demo-student{n:02d}@example.edu"


@dataclass
class SeedResult:
    created: bool
    organization_id: int
    organization_name: str
    owner_email: str = OWNER_EMAIL
    admin_email: str = ADMIN_EMAIL
    student_emails: list[str] = field(default_factory=list)
    event_title: str = DEMO_EVENT_TITLE


class SeedRefused(Exception):
    """The database holds data the demo would collide with."""


def _profile(rng: random.Random, user_id: int) -> Profile:
    bio = f"{rng.choice(BIO_OPENERS)} {rng.choice(BIO_PLACES)}. {rng.choice(BIO_WISHES)}"
    return Profile(
        user_id=user_id,
        class_year=rng.choice([2026, 2027, 2028, 2029]),
        major=rng.choice(MAJORS),
        hobbies=sorted(rng.sample(HOBBY_OPTIONS, rng.randint(1, 4))),
        bio=bio,
    )


async def _students_join(db: AsyncSession, org_id: int, emails: list[str]) -> None:
    """Make the demo students (those whose accounts exist) members of the demo organization;
    a student already in it keeps their role."""
    user_ids = list(await db.scalars(select(User.id).where(User.email.in_(emails))))
    if user_ids:
        await db.execute(
            upsert_insert(db, Membership)
            .values(
                [
                    {"user_id": user_id, "organization_id": org_id, "role": MembershipRole.MEMBER}
                    for user_id in user_ids
                ]
            )
            .on_conflict_do_nothing(index_elements=[Membership.user_id, Membership.organization_id])
        )


async def seed_demo(db: AsyncSession, password: str = DEMO_PASSWORD) -> SeedResult:
    """Create the demo data in ``db`` (the caller commits); a no-op when it already exists."""
    students = [student_email(n) for n in range(1, STUDENT_COUNT + 1)]
    existing = await db.scalar(select(Organization).where(Organization.name == DEMO_ORG_NAME))
    if existing is not None:
        # A database seeded by an earlier version gets what that version did not make.
        await _students_join(db, existing.id, students)
        await seed_demo_event(db, existing, students)
        return SeedResult(False, existing.id, existing.name, student_emails=students)
    emails = [OWNER_EMAIL, ADMIN_EMAIL, *students]
    taken = list(await db.scalars(select(User.email).where(User.email.in_(emails))))
    if taken:
        raise SeedRefused(
            f"{len(taken)} demo email(s) already belong to accounts (e.g. {sorted(taken)[0]}) "
            f"but the demo organization {DEMO_ORG_NAME!r} does not exist; "
            "seed an empty database or remove those accounts"
        )
    rng = random.Random(2026)
    # One argon2 hash shared by every demo account (they share a published password anyway):
    # hashing 42 times would make seeding take many seconds on a small machine.
    password_hash = hash_password(password)

    async def account(email: str, first_name: str, last_name: str) -> User:
        user = await create_user(
            db, email=email, password=None, first_name=first_name, last_name=last_name
        )
        db.add(
            Identity(
                user_id=user.id,
                provider=IdentityProvider.LOCAL,
                subject=user.email,
                password_hash=password_hash,
            )
        )
        return user

    owner = await account(OWNER_EMAIL, "Olivia", "Owner")
    admin = await account(ADMIN_EMAIL, "Adrian", "Admin")
    org = Organization(
        name=DEMO_ORG_NAME,
        slug=slugify(DEMO_ORG_NAME),
        description="A demo big/little sibling program with 40 students.",
    )
    db.add(org)
    await db.flush()
    add_founding_owner(db, None, org, owner, source="seed")
    db.add(Membership(user_id=admin.id, organization_id=org.id, role=MembershipRole.ADMIN))
    for n, email in enumerate(students):
        user = await account(
            email,
            FIRST_NAMES[n % len(FIRST_NAMES)],
            LAST_NAMES[(n * 7 + n // 20) % len(LAST_NAMES)],
        )
        db.add(_profile(rng, user.id))
    await db.flush()
    await _students_join(db, org.id, students)
    await seed_demo_event(db, org, students)
    return SeedResult(True, org.id, org.name, student_emails=students)


async def _seed_database(settings: Settings, password: str) -> SeedResult:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as db:
            result = await seed_demo(db, password)
            await db.commit()
            return result
    finally:
        await engine.dispose()


def _print_sign_in(result: SeedResult, password: str) -> None:
    if result.created:
        typer.echo(
            f"Seeded {result.organization_name!r} (organization id {result.organization_id}) "
            f"with an owner, an admin and {len(result.student_emails)} students, all registered "
            f"for the open event {result.event_title!r}."
        )
    else:
        typer.echo(
            f"The demo data is already there ({result.organization_name!r}, organization id "
            f"{result.organization_id}); nothing changed."
        )
    typer.echo(
        'Sign in with POST /api/v1/auth/login {"email": ..., "password": ...}; the response\'s '
        "access_token goes in /docs under Authorize (or in an Authorization: Bearer header)."
    )
    typer.echo(f"  owner     {result.owner_email}")
    typer.echo(f"  admin     {result.admin_email}")
    if result.student_emails:
        typer.echo(f"  students  {result.student_emails[0]} ... {result.student_emails[-1]}")
    if result.created:
        typer.echo(f"  password  {password}  (the same for every demo account)")
    else:
        typer.echo(f"  password  the one used when seeding (default {DEMO_PASSWORD})")


def seed_command(demo: bool, password: str) -> None:
    """Body of `peerpear seed`: migrate the embedded default, seed, print how to sign in."""
    if not demo:
        typer.echo("error: nothing to seed; pass --demo", err=True)
        raise typer.Exit(2)
    settings = settings_or_exit()
    if settings.environment != "development":
        # The demo accounts share a published password: never create them on a real deployment.
        typer.echo(
            "error: seed --demo runs only with PEERPEAR_ENVIRONMENT=development "
            f"(it is {settings.environment}); the demo accounts share a published password",
            err=True,
        )
        raise typer.Exit(2)
    check_password_length(settings, password, "--password")
    migrate_if_embedded(settings)
    try:
        result = asyncio.run(_seed_database(settings, password))
    except SeedRefused as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    _print_sign_in(result, password)

"""The benchmark's database: migrated, with one signed-in user who belongs to a few
organizations (and more organizations they do not belong to)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from peerpear import migrate
from peerpear.auth.sessions import issue_session
from peerpear.config import Settings
from peerpear.db import create_engine, create_sessionmaker
from peerpear.models import Membership, MembershipRole, Organization, User
from peerpear.organizations.service import slugify

MEMBER_OF = 5  # organizations the benchmark user is owner or admin of
OTHERS = 20  # organizations they are not in


@asynccontextmanager
async def database(kind: str, workdir: Path, pg_server: str) -> AsyncIterator[str]:
    """A fresh migrated database: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        await migrate.upgrade_async(url)
        yield url
        return
    name = f"peerpear_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(
        make_url(pg_server).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(pg_server).set(database=name).render_as_string(hide_password=False)
        try:
            await migrate.upgrade_async(url)
            yield url
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def seed(settings: Settings) -> str:
    """Create the user and organizations; return the user's bearer token."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as db:
            user = User(email="bench@example.edu", first_name="Bench", last_name="Mark")
            other = User(email="other@example.edu", first_name="Other", last_name="Owner")
            db.add_all([user, other])
            await db.flush()
            for n in range(MEMBER_OF + OTHERS):
                name = f"Benchmark Society {n:02d}"
                org = Organization(name=name, slug=slugify(name), description="A benchmark org.")
                db.add(org)
                await db.flush()
                mine = n < MEMBER_OF
                db.add(
                    Membership(
                        user_id=(user if mine else other).id,
                        organization_id=org.id,
                        role=MembershipRole.OWNER if n % 2 == 0 else MembershipRole.ADMIN,
                    )
                )
            token = await issue_session(db, user)
            await db.commit()
            return token
    finally:
        await engine.dispose()

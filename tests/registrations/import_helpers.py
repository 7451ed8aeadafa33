"""Arrangements for the import and export tests: a big/little event whose questions are the
columns of ``tests/data/google_forms_big_little.csv``, its admin, and reading back what an
import wrote."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import (
    Answer,
    AuditLogEntry,
    Event,
    EventStatus,
    Membership,
    MembershipRole,
    Question,
    QuestionType,
    Registration,
    RoleScheme,
    User,
)
from tests.events.helpers import Club, make_club
from tests.factories import add_member, auth_headers, create_event, create_question, create_user

API = "/api/v1"
GOOGLE_FORM = Path(__file__).parent.parent / "data" / "google_forms_big_little.csv"


@dataclass
class Forms:
    club: Club
    event: Event
    headers: dict[str, str]  # an admin of the club's organization
    year: Question | None = None
    hobbies: Question | None = None
    outgoing: Question | None = None
    anything: Question | None = None

    @property
    def url(self) -> str:
        return f"{API}/events/{self.event.id}"


async def make_forms(
    session: AsyncSession,
    *,
    questions: bool = True,
    status: EventStatus = EventStatus.OPEN,
    role_scheme: RoleScheme = RoleScheme.BIG_LITTLE,
    **event_fields: Any,
) -> Forms:
    club = await make_club(session)
    admin = await create_user(session, first_name="Ada", last_name="Admin")
    await add_member(session, club.org, admin, MembershipRole.ADMIN)
    event = await create_event(
        session, club.org, status=status, role_scheme=role_scheme, **event_fields
    )
    forms = Forms(club, event, await auth_headers(session, admin))
    if questions:
        forms.year = await create_question(
            session, event, prompt="Year", options=["First year", "Second year", "Third year"]
        )
        forms.hobbies = await create_question(
            session,
            event,
            type=QuestionType.MULTI_CHOICE,
            position=1,
            prompt="Hobbies",
            options=["Hiking", "Gaming", "Cooking", "Reading"],
        )
        forms.outgoing = await create_question(
            session, event, type=QuestionType.SCALE, position=2, prompt="How outgoing are you?"
        )
        forms.anything = await create_question(
            session,
            event,
            type=QuestionType.TEXT,
            position=3,
            prompt="Anything  ELSE?",  # spacing and case differ from the header: still a match
            required=False,
        )
    return forms


async def upload(
    client: httpx.AsyncClient,
    forms: Forms,
    content: bytes | str,
    *,
    name: str = "responses.csv",
    **params: Any,
) -> httpx.Response:
    data = content.encode() if isinstance(content, str) else content
    return await client.post(
        forms.url + "/import",
        files={"file": (name, data, "text/csv")},
        params=params,
        headers=forms.headers,
    )


async def registered(session: AsyncSession, event: Event) -> dict[str, dict[str, Any]]:
    """Each registered person by email: names, role, completeness and answers by prompt."""
    rows = (
        await session.execute(
            select(User, Registration)
            .join(Registration, Registration.user_id == User.id)
            .where(Registration.event_id == event.id)
            .execution_options(populate_existing=True)  # as the app left them
        )
    ).tuples()
    people: dict[str, dict[str, Any]] = {}
    for user, registration in rows:
        answers = await session.execute(
            select(Question.prompt, Answer.value)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.registration_id == registration.id)
        )
        people[user.email] = {
            "name": (user.first_name, user.last_name),
            "role": registration.role.value if registration.role else None,
            "complete": registration.is_complete,
            "answers": dict(answers.tuples().all()),
        }
    return people


async def counts(session: AsyncSession, event: Event) -> dict[str, int]:
    """How many rows of each kind exist: what an import that writes nothing leaves alone."""

    async def count(stmt: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)

    return {
        "users": await count(select(User.id)),
        "memberships": await count(select(Membership.user_id)),
        "registrations": await count(select(Registration.id)),
        "answers": await count(select(Answer.id)),
        "questions": await count(select(Question.id).where(Question.event_id == event.id)),
        "audit": await count(select(AuditLogEntry.id)),
    }


async def member_emails(session: AsyncSession, forms: Forms) -> set[str]:
    rows = await session.scalars(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == forms.club.org.id)
    )
    return set(rows)

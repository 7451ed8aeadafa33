"""Arrangements for registration tests: an open event with one question of each type, and
students (members of its organization) signed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import Event, EventStatus, MembershipRole, Question, QuestionType, User
from tests.events.helpers import Club, make_club
from tests.factories import add_member, auth_headers, create_event, create_question, create_user

API = "/api/v1"


@dataclass
class Student:
    user: User
    headers: dict[str, str]


@dataclass
class Program:
    club: Club
    event: Event
    # One question of each type: single choice (required), multiple choice (required), scale
    # 1..5 (required), text (optional).
    single: Question
    multi: Question
    scale: Question
    text: Question
    students: list[Student] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{API}/events/{self.event.id}"

    def complete_answers(self, n: int = 0) -> dict[str, Any]:
        return {
            str(self.single.id): ["Tea", "Coffee"][n % 2],
            str(self.multi.id): [["Hiking"], ["Gaming", "Cooking"], ["Hiking", "Cooking"]][n % 3],
            str(self.scale.id): 1 + n % 5,
            str(self.text.id): f"I like trail running, number {n}",
        }


async def add_students(session: AsyncSession, program: Program, count: int) -> list[Student]:
    made = []
    for n in range(count):
        user = await create_user(session, first_name=f"Student{n:02d}", last_name=f"Last{n:02d}")
        await add_member(session, program.club.org, user, MembershipRole.MEMBER)
        made.append(Student(user, await auth_headers(session, user)))
    program.students.extend(made)
    return made


async def make_program(
    session: AsyncSession,
    *,
    status: EventStatus = EventStatus.OPEN,
    students: int = 2,
    **event_fields: Any,
) -> Program:
    club = await make_club(session)
    event = await create_event(session, club.org, status=status, **event_fields)
    program = Program(
        club=club,
        event=event,
        single=await create_question(session, event, position=0),
        multi=await create_question(
            session,
            event,
            type=QuestionType.MULTI_CHOICE,
            position=1,
            prompt="Hobbies?",
            options=["Hiking", "Gaming", "Cooking"],
        ),
        scale=await create_question(
            session, event, type=QuestionType.SCALE, position=2, prompt="How outgoing?"
        ),
        text=await create_question(
            session, event, type=QuestionType.TEXT, position=3, prompt="About you", required=False
        ),
    )
    await add_students(session, program, students)
    return program

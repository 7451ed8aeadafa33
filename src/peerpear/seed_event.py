"""The demo organization's open big/little event: a questionnaire of every question type and
40 complete registrations, so a new user can go straight to pairing after `peerpear seed --demo`.

Answers come from each student's demo profile (class year, hobbies, bio), so they are varied and
deterministic. Roles follow the class year: first- and second-years are littles, fourth-years
bigs, third-years either. Every answer goes through :func:`clean_answer`, the rule the API
applies, so the demo cannot hold an answer a student could not have given.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.models import (
    Answer,
    Event,
    EventStatus,
    EventVisibility,
    Organization,
    Profile,
    Question,
    QuestionMode,
    QuestionType,
    Registration,
    RegistrationRole,
    RoleScheme,
    User,
)
from peerpear.registrations.answers import clean_answer, missing_required

DEMO_EVENT_TITLE = "Fall Big/Little Match"
HOBBY_OPTIONS = [
    "Hiking", "Gaming", "Cooking", "Climbing", "Photography", "Chess", "Running", "Film",
    "Painting", "Board games", "Baking", "Dancing", "Guitar", "Reading", "Soccer", "Yoga",
]  # fmt: skip
YEARS = {2029: "First year", 2028: "Second year", 2027: "Third year", 2026: "Fourth year"}
EVENINGS = ["Quiet nights in", "Going out", "A bit of both"]
ROLE_BY_YEAR = {
    2029: RegistrationRole.LITTLE,
    2028: RegistrationRole.LITTLE,
    2027: RegistrationRole.EITHER,
    2026: RegistrationRole.BIG,
}


def _questions(event_id: int) -> list[Question]:
    specs: list[dict[str, Any]] = [
        {
            "prompt": "Which year are you in?",
            "type": QuestionType.SINGLE_CHOICE,
            "options": list(YEARS.values()),
            "mode": QuestionMode.DIFFERENT,
            "help_text": "Bigs and littles are matched across years.",
        },
        {
            "prompt": "What do you like to do outside class?",
            "type": QuestionType.MULTI_CHOICE,
            "options": HOBBY_OPTIONS,
            "weight": 2.0,
        },
        {
            "prompt": "How outgoing are you?",
            "type": QuestionType.SCALE,
            "scale_min": 1,
            "scale_max": 5,
            "help_text": "1: I recharge alone; 5: the more people the better.",
        },
        {"prompt": "How do you like to spend a Friday evening?", "type": QuestionType.SINGLE_CHOICE,
         "options": EVENINGS},
        {"prompt": "Tell your future sibling about yourself", "type": QuestionType.TEXT,
         "required": False},
    ]  # fmt: skip
    return [Question(event_id=event_id, position=n, **spec) for n, spec in enumerate(specs)]


def _answers(rng: random.Random, profile: Profile | None) -> list[Any]:
    year = profile.class_year if profile and profile.class_year in YEARS else 2028
    hobbies = [h for h in (profile.hobbies if profile else []) if h in HOBBY_OPTIONS]
    return [
        YEARS[year],
        hobbies or [rng.choice(HOBBY_OPTIONS)],
        rng.randint(1, 5),
        rng.choice(EVENINGS),
        profile.bio if profile and profile.bio else None,
    ]


async def seed_demo_event(db: AsyncSession, org: Organization, students: list[str]) -> bool:
    """Create the demo event with every demo student registered and answered; False (and no
    change) when the organization already has it."""
    found = await db.scalar(
        select(Event.id).where(Event.organization_id == org.id, Event.title == DEMO_EVENT_TITLE)
    )
    if found is not None:
        return False
    now = utcnow()
    event = Event(
        organization_id=org.id,
        title=DEMO_EVENT_TITLE,
        description="Pairs every little with a big sibling from a later year who shares their "
        "interests. Registration is open: close it, then run the pairing.",
        status=EventStatus.OPEN,
        visibility=EventVisibility.MEMBERS_ONLY,
        role_scheme=RoleScheme.BIG_LITTLE,
        default_group_size=2,
        opened_at=now,
    )
    db.add(event)
    await db.flush()
    questions = _questions(event.id)
    db.add_all(questions)
    await db.flush()
    rows = await db.execute(
        select(User, Profile)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(User.email.in_(students))
        .order_by(User.email)
    )
    rng = random.Random(2027)
    for user, profile in rows.tuples():
        values = {
            q.id: clean_answer(q, value)
            for q, value in zip(questions, _answers(rng, profile), strict=True)
            if value is not None
        }
        year = profile.class_year if profile and profile.class_year else 2028
        registration = Registration(
            event_id=event.id,
            user_id=user.id,
            role=ROLE_BY_YEAR.get(year, RegistrationRole.EITHER),
            is_complete=not missing_required(questions, values),
        )
        db.add(registration)
        await db.flush()
        db.add_all(
            Answer(registration_id=registration.id, question_id=q, value=v)
            for q, v in values.items()
        )
    await db.flush()
    return True

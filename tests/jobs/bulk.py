"""A large event written in a few statements (benchmarks and the worker test): a closed
event of a new organization with a choice, a scale and a text question, and ``people`` complete
registrations with varied answers."""

from __future__ import annotations

import random

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.models import Answer, Event, EventStatus, QuestionType, Registration, User
from tests.factories import (
    auth_headers,
    create_event,
    create_organization,
    create_question,
    create_user,
)

WORDS = [
    "hiking",
    "film",
    "photography",
    "chess",
    "trail",
    "running",
    "guitar",
    "band",
    "cooking",
    "baking",
    "climbing",
    "yoga",
]


async def big_event(
    session: AsyncSession, people: int, *, seed: int = 7
) -> tuple[Event, dict[str, str]]:
    owner = await create_user(session)
    org = await create_organization(session, owner)
    event = await create_event(session, org, status=EventStatus.CLOSED)
    choice = await create_question(session, event, options=["Tea", "Coffee", "Water"])
    scale = await create_question(
        session, event, type=QuestionType.SCALE, position=1, prompt="Outgoing?"
    )
    about = await create_question(
        session, event, type=QuestionType.TEXT, position=2, prompt="About"
    )
    rng = random.Random(seed)
    now = utcnow()
    tag = f"{event.id}-{seed}"
    await session.execute(
        insert(User),
        [{"email": f"bulk{n}-{tag}@example.edu", "first_name": f"P{n}", "last_name": "Bulk",
          "created_at": now, "updated_at": now} for n in range(people)],
    )  # fmt: skip
    user_ids = list(
        await session.scalars(select(User.id).where(User.email.like(f"bulk%-{tag}@example.edu")))
    )
    await session.execute(
        insert(Registration),
        [{"event_id": event.id, "user_id": uid, "is_complete": True, "created_at": now,
          "updated_at": now} for uid in user_ids],
    )  # fmt: skip
    registration_ids = list(
        await session.scalars(select(Registration.id).where(Registration.event_id == event.id))
    )
    rows = []
    for rid in registration_ids:
        rows.append(
            {
                "registration_id": rid,
                "question_id": choice.id,
                "value": rng.choice(["Tea", "Coffee", "Water"]),
            }
        )
        rows.append({"registration_id": rid, "question_id": scale.id, "value": rng.randint(1, 5)})
        rows.append(
            {
                "registration_id": rid,
                "question_id": about.id,
                "value": " ".join(rng.sample(WORDS, 3)),
            }
        )
    for start in range(0, len(rows), 5000):
        await session.execute(
            insert(Answer),
            [{**r, "created_at": now, "updated_at": now} for r in rows[start : start + 5000]],
        )
    await session.commit()
    return event, await auth_headers(session, owner)

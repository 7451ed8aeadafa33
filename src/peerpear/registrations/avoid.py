"""A student's private list of people they would rather not be grouped with.

Stored as ``avoid`` pair rules from the student (user_a) to each person (user_b). Only the
student reads their list; admins see how many such requests exist (pair_rules.py), never who
asked; the pairing treats them as never-pair rules. A person on the list must be registered for
the same event, so the list names participants only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.errors import ValidationFailed
from peerpear.events.access import EventAccess
from peerpear.models import PairRule, PairRuleKind, Registration, User, normalize_email
from peerpear.registrations.schemas import AvoidIn, AvoidOut, Person
from peerpear.registrations.service import ensure_open, require_mine


def person(user: User) -> Person:
    return Person(
        user_id=user.id, email=user.email, first_name=user.first_name, last_name=user.last_name
    )


async def read_avoid(db: AsyncSession, access: EventAccess) -> AvoidOut:
    await require_mine(db, access)
    users = await db.scalars(
        select(User)
        .join(PairRule, PairRule.user_b_id == User.id)
        .where(
            PairRule.event_id == access.event.id,
            PairRule.kind == PairRuleKind.AVOID,
            PairRule.user_a_id == access.user.id,
        )
        .order_by(User.email)
    )
    return AvoidOut(people=[person(u) for u in users])


async def replace_avoid(db: AsyncSession, access: EventAccess, data: AvoidIn) -> AvoidOut:
    """Replace the caller's list; 422 naming each address that is not another participant."""
    await require_mine(db, access)
    ensure_open(access.event, "change whom you would rather avoid")
    wanted = list(dict.fromkeys(normalize_email(e) for e in data.emails))
    found = await db.scalars(
        select(User)
        .join(Registration, Registration.user_id == User.id)
        .where(Registration.event_id == access.event.id, User.email.in_(wanted))
    )
    # People already on the list stay allowed after they withdraw: the request keeps
    # protecting its author if they register again (withdrawing must not be a way to clear
    # other students' avoid lists), and the list can still be edited around them.
    kept = await db.scalars(
        select(User)
        .join(PairRule, PairRule.user_b_id == User.id)
        .where(
            PairRule.event_id == access.event.id,
            PairRule.kind == PairRuleKind.AVOID,
            PairRule.user_a_id == access.user.id,
            User.email.in_(wanted),
        )
    )
    by_email = {u.email: u for u in [*found, *kept]}
    errors: list[dict[str, Any]] = []
    for index, email in enumerate(data.emails):
        address = normalize_email(email)
        if address == access.user.email:
            errors.append(_error(index, "that is you"))
        elif address not in by_email:
            errors.append(_error(index, "nobody registered for this event has this address"))
    if errors:
        raise ValidationFailed(
            f"emails.{errors[0]['loc'][-1]}: {errors[0]['msg']}; nothing was saved",
            details=errors,
        )
    await db.execute(
        delete(PairRule).where(
            PairRule.event_id == access.event.id,
            PairRule.kind == PairRuleKind.AVOID,
            PairRule.user_a_id == access.user.id,
        )
    )
    people = sorted((by_email[a] for a in wanted), key=lambda u: u.email)
    db.add_all(
        PairRule(
            event_id=access.event.id,
            kind=PairRuleKind.AVOID,
            user_a_id=access.user.id,
            user_b_id=u.id,
            created_by_id=access.user.id,
        )
        for u in people
    )
    await db.flush()
    return AvoidOut(people=[person(u) for u in people])


def _error(index: int, message: str) -> dict[str, Any]:
    return {"loc": ["body", "emails", index], "msg": message, "type": "value_error"}

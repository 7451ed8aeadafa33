"""A student's own result (DESIGN §2): once the pairing is published, the people of their group
(names, emails, roles) and their own explanation.

Nothing else leaves here: not the other groups, not anybody's answers or satisfaction, not the
run. The explanation is the one stored when the pairing was last measured (at the latest when
it was published), so this read is a few indexed statements however many students ask at once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.errors import InvalidState, NotFound
from peerpear.events.access import EventAccess
from peerpear.models import Pairing, PairingGroupMember, Registration, User
from peerpear.pairing.working_schemas import GroupMate, MyGroupOut
from peerpear.registrations.service import require_mine

NOT_PUBLISHED = (
    "the groups of this event are not published yet; yours appears here once the organizers "
    "publish them"
)
NOT_PLACED = "you are not in a group of this event"


async def my_group(db: AsyncSession, access: EventAccess) -> MyGroupOut:
    event, user = access.event, access.user
    published = await db.scalar(
        select(Pairing.id).where(Pairing.event_id == event.id, Pairing.published_at.is_not(None))
    )
    if published is None:
        raise InvalidState(NOT_PUBLISHED, details={"status": event.status.value})
    registration = await require_mine(db, access)  # 404 when not registered
    mine = await db.scalar(
        select(PairingGroupMember).where(
            PairingGroupMember.pairing_id == published,
            PairingGroupMember.registration_id == registration.id,
        )
    )
    if mine is None:
        raise NotFound(NOT_PLACED)
    rows = await db.execute(
        select(User, Registration.role)
        .join(Registration, Registration.user_id == User.id)
        .join(PairingGroupMember, PairingGroupMember.registration_id == Registration.id)
        .where(PairingGroupMember.group_id == mine.group_id)
        .order_by(User.last_name, User.first_name, User.id)
    )
    return MyGroupOut(
        event_id=event.id,
        members=[
            GroupMate(
                first_name=mate.first_name,
                last_name=mate.last_name,
                email=mate.email,
                role=role,
                is_you=mate.id == user.id,
            )
            for mate, role in rows.tuples()
        ],
        # In friendly words when the LLM rephrased it (llm/explanations.py), else the engine's
        explanation=mine.friendly_explanation or mine.explanation,
    )

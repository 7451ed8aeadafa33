"""Introductions on publish (issue 12): each group of the published pairing gets one email,
one message per member (their own explanation differs, and each carries the recipient's own
unsubscribe link): who is in the group with their roles and addresses, a line on what they
share (the person's explanation: in friendly words when the LLM already rephrased it, else the
engine's), and the organizer's message.

Never twice to an unchanged group: each message's ``dedupe_key`` names the event, the group's
members (a digest of their sorted user ids) and the recipient. Unpublishing and publishing the
same groups again finds every key taken and queues nothing; a group that changed has a new
digest, so its members (only they) are introduced anew. A person who turned introductions off
gets none (and nothing is recorded for them).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.config import Settings
from peerpear.mail import rendering
from peerpear.mail.delivery import queue_mail_once
from peerpear.mail.preferences import unsubscribe_url, wants
from peerpear.models import Event, Pairing, PairingGroupMember, Registration, RegistrationRole, User

MAX_MESSAGE = 2000  # the organizer's message, characters


@dataclass(frozen=True)
class _Member:
    user: User
    role: RegistrationRole | None
    explanation: str | None


def group_digest(user_ids: list[int]) -> str:
    """Who a group is, as a short stable digest of its sorted user ids."""
    joined = ",".join(str(user_id) for user_id in sorted(user_ids))
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


def intro_key(event_id: int, digest: str, user_id: int) -> str:
    return f"intro:{event_id}:{digest}:{user_id}"


async def _published_groups(db: AsyncSession, event: Event) -> list[list[_Member]]:
    rows = await db.execute(
        select(
            PairingGroupMember.group_id,
            User,
            Registration.role,
            PairingGroupMember.friendly_explanation,
            PairingGroupMember.explanation,
        )
        .join(Pairing, Pairing.id == PairingGroupMember.pairing_id)
        .join(Registration, Registration.id == PairingGroupMember.registration_id)
        .join(User, User.id == Registration.user_id)
        .where(Pairing.event_id == event.id, Pairing.published_at.is_not(None))
        .order_by(PairingGroupMember.group_id, User.last_name, User.first_name, User.id)
    )
    groups: dict[int, list[_Member]] = defaultdict(list)
    for group_id, user, role, friendly, engine_text in rows.tuples():
        groups[group_id].append(_Member(user, role, friendly or engine_text))
    return list(groups.values())


def _context(
    settings: Settings, event: Event, group: list[_Member], me: _Member, message: str
) -> dict[str, Any]:
    return {
        "first_name": me.user.first_name or "there",
        "event_title": event.title,
        "members": [
            {
                "name": member.user.full_name or member.user.email,
                "email": member.user.email,
                "role": member.role.value if member.role is not None else None,
                "is_you": member.user.id == me.user.id,
            }
            for member in group
        ],
        "shared": me.explanation,
        "message": message.strip(),
        "group_url": f"{settings.public_url.rstrip('/')}/events/{event.id}/group",
        "preferences_url": unsubscribe_url(settings, me.user, "introductions"),
    }


async def queue_introductions(
    db: AsyncSession, settings: Settings, event: Event, message: str = ""
) -> list[int]:
    """Queue the introductions of ``event``'s published groups not introduced yet, in the
    caller's transaction (after ``lifecycle.apply(..., "publish")``); the message ids, for
    ``enqueue_mail`` once that has committed. A group of one is introduced to nobody."""
    queued: list[int] = []
    for group in await _published_groups(db, event):
        if len(group) < 2:
            continue
        digest = group_digest([member.user.id for member in group])
        for member in group:
            if not wants(member.user, "introductions"):
                continue
            message_id = await queue_mail_once(
                db,
                dedupe_key=intro_key(event.id, digest, member.user.id),
                template=rendering.INTRODUCTION,
                to=member.user.email,
                context=_context(settings, event, group, member, message[:MAX_MESSAGE]),
                user_id=member.user.id,
                event_id=event.id,
            )
            if message_id is not None:
                queued.append(message_id)
    return queued

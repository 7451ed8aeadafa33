"""An event's must-pair and never-pair rules, set by its admins as one whole set.

Symmetric rules are stored with the smaller user id first (``PairRule.ordered``), so a pair given
as (b, a) is the same rule as (a, b). Students' private avoid requests (avoid.py) are pair rules
too; admins see only how many there are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear import audit
from peerpear.errors import ValidationFailed
from peerpear.events.access import EventAccess
from peerpear.models import PairRule, PairRuleKind, Registration, User
from peerpear.registrations.admin import ensure_setup_editable
from peerpear.registrations.avoid import person
from peerpear.registrations.schemas import PairRuleOut, PairRulesIn, PairRulesOut

KINDS = (PairRuleKind.MUST_PAIR, PairRuleKind.NEVER_PAIR)
Pair = tuple[int, int]


async def read_rules(db: AsyncSession, event_id: int) -> PairRulesOut:
    rules = list(
        await db.scalars(
            select(PairRule)
            .where(PairRule.event_id == event_id, PairRule.kind.in_(KINDS))
            .order_by(PairRule.kind, PairRule.user_a_id, PairRule.user_b_id)
        )
    )
    ids = {i for rule in rules for i in (rule.user_a_id, rule.user_b_id)}
    users = {u.id: u for u in await db.scalars(select(User).where(User.id.in_(ids)))}
    avoid = await db.scalar(
        select(func.count())
        .select_from(PairRule)
        .where(PairRule.event_id == event_id, PairRule.kind == PairRuleKind.AVOID)
    )
    listed: dict[PairRuleKind, list[PairRuleOut]] = {kind: [] for kind in KINDS}
    for rule in rules:
        people = [person(users[rule.user_a_id]), person(users[rule.user_b_id])]
        listed[rule.kind].append(PairRuleOut(users=people))
    return PairRulesOut(
        must_pair=listed[PairRuleKind.MUST_PAIR],
        never_pair=listed[PairRuleKind.NEVER_PAIR],
        avoid_requests=avoid or 0,
    )


def _error(field: str, index: int, message: str) -> dict[str, Any]:
    return {"loc": ["body", field, index], "msg": message, "type": "value_error"}


async def _checked(
    db: AsyncSession, event_id: int, data: PairRulesIn
) -> dict[PairRuleKind, set[Pair]]:
    """The rule set as stored pairs; 422 listing every pair that names a non-participant,
    pairs someone with themself, or is both must-pair and never-pair."""
    sent = {PairRuleKind.MUST_PAIR: data.must_pair, PairRuleKind.NEVER_PAIR: data.never_pair}
    ids = {i for pairs in sent.values() for pair in pairs for i in pair}
    participants = set(
        await db.scalars(
            select(Registration.user_id).where(
                Registration.event_id == event_id, Registration.user_id.in_(ids)
            )
        )
    )
    errors: list[dict[str, Any]] = []
    rules: dict[PairRuleKind, set[Pair]] = {kind: set() for kind in KINDS}
    for kind, pairs in sent.items():
        for index, (a, b) in enumerate(pairs):
            strangers = [i for i in (a, b) if i not in participants]
            if a == b:
                errors.append(_error(kind.value, index, "a pair needs two different people"))
            elif strangers:
                errors.append(
                    _error(
                        kind.value, index, f"user {strangers[0]} is not registered for the event"
                    )
                )
            else:
                rules[kind].add(PairRule.ordered(kind, a, b))
    both = rules[PairRuleKind.MUST_PAIR] & rules[PairRuleKind.NEVER_PAIR]
    for a, b in sorted(both):
        errors.append(
            {
                "loc": ["body", "never_pair"],
                "msg": f"users {a} and {b} are both must-pair and never-pair",
                "type": "value_error",
            }
        )
    if errors:
        first = errors[0]
        raise ValidationFailed(
            f"{'.'.join(map(str, first['loc'][1:]))}: {first['msg']}; nothing was saved",
            details=errors,
        )
    return rules


async def replace_rules(db: AsyncSession, access: EventAccess, data: PairRulesIn) -> PairRulesOut:
    event = access.event
    ensure_setup_editable(event, "change pair rules")
    wanted = await _checked(db, event.id, data)
    existing = list(
        await db.scalars(
            select(PairRule).where(PairRule.event_id == event.id, PairRule.kind.in_(KINDS))
        )
    )
    current = {(r.kind, r.user_a_id, r.user_b_id) for r in existing}
    target = {(kind, a, b) for kind, pairs in wanted.items() for a, b in pairs}
    removed, added = current - target, target - current
    if removed:
        await db.execute(
            delete(PairRule).where(
                PairRule.id.in_(
                    [r.id for r in existing if (r.kind, r.user_a_id, r.user_b_id) in removed]
                )
            )
        )
    db.add_all(
        PairRule(event_id=event.id, kind=k, user_a_id=a, user_b_id=b, created_by_id=access.user.id)
        for k, a, b in sorted(added)
    )
    await db.flush()
    if added or removed:
        audit.record(
            db,
            access.user,
            "pair_rules.update",
            organization_id=event.organization_id,
            event_id=event.id,
            target_type="event",
            target_id=event.id,
            details={
                "added": [[k.value, a, b] for k, a, b in sorted(added)],
                "removed": [[k.value, a, b] for k, a, b in sorted(removed)],
            },
        )
        await db.flush()
    return await read_rules(db, event.id)

"""Conflicts a plan shows before solving: must-pair units that fit no group, isolation rules
that no grouping can keep (one holder of a value; odd holder counts in pairs).

Each raises ``Infeasible`` naming the people or rules; the exact models prove the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peerpear.engine.errors import Infeasible
from peerpear.engine.plan_shape import spread

if TYPE_CHECKING:
    from peerpear.engine.plan import Plan


def check_units(plan: Plan) -> None:
    # the most of a side a group can hold whichever side the ``either`` people take
    flexible = int(plan.flexible.sum())
    most = [
        spread(int(((plan.side_of == t) & ~plan.flexible).sum()) + flexible, plan.n_groups)[1]
        for t in range(len(plan.sides))
    ]
    trios = 0
    for members in plan.units:
        names = ", ".join(plan.ids[i] for i in members[:6])
        if len(members) > plan.size_hi:
            raise Infeasible(
                f"must-pair chain of {len(members)} people ({names}) exceeds the maximum "
                f"group size {plan.size_hi}"
            )
        trios += len(members) == 3
        for t, side in enumerate(plan.sides):
            count = int(((plan.side_of[members] == t) & ~plan.flexible[members]).sum())
            hi = int(plan.side_hi[t]) if plan.mode == "mentor" else min(most[t], plan.size_hi)
            if count > hi:
                raise Infeasible(
                    f"must-pair ({names}) puts {count} {side}s together, but a group holds at "
                    f"most {hi}"
                )
    if plan.mode == "pairs" and trios > plan.n % 2:
        raise Infeasible(
            f"must-pair makes {trios} trios, but pairs allow one trio, and only when the count is "
            "odd"
        )


def check_isolation(plan: Plan) -> None:
    for t, (attribute, value) in enumerate(plan.iso_tags):
        if int(plan.iso_member[:, t].sum()) == 1:
            raise Infeasible(
                f"only one participant has {attribute} = {value}; no_isolation needs none or at "
                "least two in each group"
            )
    if plan.mode == "pairs":
        _check_pair_parity(plan)


def _check_pair_parity(plan: Plan) -> None:
    """Pairs hold none or two holders of a value, so an odd number of holders needs the trio
    (odd counts only) to hold three of them: of every such value at once."""
    odd = [t for t in range(len(plan.iso_tags)) if int(plan.iso_member[:, t].sum()) % 2]
    if not odd:
        return
    attribute, value = plan.iso_tags[odd[0]]
    holders = int(plan.iso_member[:, odd[0]].sum())
    if plan.n % 2 == 0:
        raise Infeasible(
            f"{holders} participants have {attribute} = {value}: pairs of {plan.n} people can "
            "hold only an even number (no_isolation)"
        )
    in_trio = int(plan.iso_member[:, odd].all(axis=1).sum())
    if in_trio < 3:
        names = " and ".join(f"{a} = {v}" for a, v in (plan.iso_tags[t] for t in odd))
        raise Infeasible(
            f"odd numbers of participants have {names}: in pairs only the one trio can hold an "
            "odd number, which needs three people with every such value (no_isolation)"
        )

"""Local search over groups: moves and swaps of must-pair units, under hard rules.

Each round scores every unit's best exchange (``exchanges.py``) on the shared state
(``group_state.py``) and applies the best ones that touch disjoint groups. For large instances
each unit only looks at the groups of its first member's ``BEST_MATCHES`` best matches. The
search stops at a local optimum, after ``MAX_ROUNDS`` rounds, or at the deadline; small inputs
reach a local optimum long before any deadline, so their results do not depend on timing.

The exact re-assignment (``reassign.py``) works on the same state through its public API:
``slots`` (who is in which group), ``near_groups``, ``move_units``, ``total`` and
``exchanges.join_values``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.construct import I64
from peerpear.engine.errors import Cancelled
from peerpear.engine.exchanges import MIN_GAIN, best_exchanges
from peerpear.engine.group_state import GroupState
from peerpear.engine.neighbours import BEST_MATCHES

MAX_ROUNDS = 500
CHUNK_ELEMENTS = 400_000
F64 = NDArray[np.float64]


class GroupSearch(GroupState):
    """The state plus the search that improves it (``run``)."""

    def run(
        self,
        deadline: float,
        on_round: Callable[[int], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> int:
        """Improves until a local optimum, the round cap or the deadline; returns rounds done.

        Each round scores the best exchange of every unit in one vectorized pass, then applies
        the best ones whose two groups no earlier exchange of the round touched, so every applied
        gain is exact. After a round only units of changed groups are rescored; when that finds
        nothing, every unit whose own or candidate groups changed since it was last scored is
        rescored (at the start: every unit), and when that finds nothing too, no exchange gains:
        a local optimum. Later calls start from what changed since (``move_units``).
        """
        nu = len(self.plan.units)
        if self.plan.n_groups < 2:
            return 0  # one group: nothing to exchange
        todo = self._stale()
        for done in range(1, MAX_ROUNDS + 1):
            if len(todo) == 0:
                return done - 1
            self.clock += 1
            gains, others, targets = self._score(todo, deadline, stop)
            touched = np.zeros(self.plan.n_groups, dtype=bool)
            for i in np.argsort(-gains, kind="stable"):
                if not gains[i] > MIN_GAIN:
                    break
                unit, b = int(todo[i]), int(targets[i])
                a = int(self.unit_group[unit])
                if touched[a] or touched[b]:
                    continue
                self.apply(unit, int(others[i]), b)
                touched[a] = touched[b] = True
            if on_round is not None:
                on_round(done)
            if time.monotonic() > deadline:
                return done
            # the units of changed groups first; once they settle, everything that went stale
            todo = np.flatnonzero(touched[self.unit_group[:nu]]) if touched.any() else self._stale()
        return MAX_ROUNDS

    def _stale(self) -> I64:
        """Units whose own group or a candidate group changed since they were last scored."""
        units = np.arange(len(self.plan.units))
        last = self.changed[self.unit_group[units]]
        candidates = self._candidate_groups(units)
        if candidates.shape[1]:
            last = np.maximum(last, self.changed[candidates].max(axis=1))
        stale: I64 = np.flatnonzero(last >= self.scored)
        return stale

    def _score(
        self, units: I64, deadline: float, stop: Callable[[], bool] | None
    ) -> tuple[F64, I64, I64]:
        """``best_exchanges`` in chunks that keep the gathered arrays small."""
        width = self.members.shape[1] + self.um.shape[1]
        per_unit = min(BEST_MATCHES, self.plan.n_groups) * self.gunits.shape[1] * width
        chunk = max(1, CHUNK_ELEMENTS // (per_unit * self.um.shape[1]))
        gains = np.full(len(units), -np.inf)
        others = np.zeros(len(units), dtype=np.int64)
        targets = np.zeros(len(units), dtype=np.int64)
        for start in range(0, len(units), chunk):
            part = slice(start, start + chunk)
            gains[part], others[part], targets[part] = best_exchanges(self, units[part])
            self.scored[units[part]] = self.clock
            if stop is not None and stop():
                raise Cancelled("the run was cancelled")
            if time.monotonic() > deadline:
                break
        return gains, others, targets

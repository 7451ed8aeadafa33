"""What a round's pairing run carries besides its parameters: which round it is and who opted
in. Kept under the ``round`` key of ``PairingRun.parameters`` (as a re-run keeps its spec under
``rerun``), so the run is an ordinary run that the worker executes like any other."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

ROUND_KEY = "round"
# What a repeated pair costs in a round: far above anything an admin sets on a one-off run
# (RunParameters.history_penalty <= 10) and far below a never-pair (engine NEVER_COST, 1e6).
# A pair's affinity weighs at most 0.86 (the fair objective), so one repeat (cost 200 in
# pairs) outweighs the affinity of more than 230 other pairs: a pairing with a repeat never
# scores above one without, up to about 460 people. (Measured, 10 did as well: the residual
# repeats are the pairs solver's, docs/benchmarks.md "Recurring rounds".)
ROUND_HISTORY_PENALTY = 100.0


class RoundSpec(BaseModel):
    number: int
    participants: list[int]  # registration ids
    history_penalty: float = ROUND_HISTORY_PENALTY


def round_spec(parameters: dict[str, Any]) -> RoundSpec | None:
    """The round a run pairs, None for other runs."""
    value = parameters.get(ROUND_KEY)
    return RoundSpec.model_validate(value) if value is not None else None

"""What a round's pairing run carries besides its parameters: which round it is and who opted
in. Kept under the ``round`` key of ``PairingRun.parameters`` (as a re-run keeps its spec under
``rerun``), so the run is an ordinary run that the worker executes like any other."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

ROUND_KEY = "round"
# Rounds weigh history at the maximum a run allows (RunParameters.history_penalty <= 10):
# a repeated pair costs more than any affinity gains, so a pair repeats only when avoiding it
# is impossible (docs/benchmarks.md, "Recurring rounds").
ROUND_HISTORY_PENALTY = 10.0


class RoundSpec(BaseModel):
    number: int
    participants: list[int]  # registration ids


def round_spec(parameters: dict[str, Any]) -> RoundSpec | None:
    """The round a run pairs, None for other runs."""
    value = parameters.get(ROUND_KEY)
    return RoundSpec.model_validate(value) if value is not None else None

"""How a run's outcome is kept (``PairingRun.result`` and ``PairingRun.metrics``).

The engine speaks of participant ids (user ids as strings, see snapshot.py); the stored result
keeps, beside the engine's groups, explanations and validation, which registration each id was
at the time of the run, so adopting it as the working pairing needs no guessing::

    {
      "groups": [{"members": ["12", "40"], "score": 0.71}, ...],
      "participants": {"12": {"group": 0, "satisfaction": 0.8, "explanation": "..."}, ...},
      "validation": {"ok": true, "violations": []},
      "registrations": {"12": 301, "40": 317, ...},
      "text_embedder": "provider",
      "repair": {...}
    }

``text_embedder`` says which embedder read the text answers: ``local`` (the engine's own),
``provider`` (the LLM provider's embeddings, text_embeddings.py) or ``local (provider failed:
...)``. A run of strategy ``llm`` also keeps the engine's ``repair`` report of the model's
proposal, and each group the model's one-line ``reason`` where the group continues a proposed
one.

``metrics`` is the engine's ``Metrics`` as JSON.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from peerpear.engine.proposal_repair import RepairReport
from peerpear.engine.result import Metrics, Result, Validation
from peerpear.pairing.snapshot import Snapshot


class StoredParticipant(BaseModel):
    group: int
    satisfaction: float
    explanation: str


class StoredGroup(BaseModel):
    members: list[str]
    score: float
    reason: str | None = None  # strategy llm: the model's line for the group it proposed


class StoredResult(BaseModel):
    groups: list[StoredGroup]
    participants: dict[str, StoredParticipant]
    validation: Validation
    registrations: dict[str, int]
    # A re-run of the working pairing (rerun.py): whether its groups replaced the unlocked
    # ones; None for other runs.
    applied_to_pairing: bool | None = None
    # None for runs recorded before embedders were named (they used the local one)
    text_embedder: str | None = None
    repair: RepairReport | None = None  # strategy llm only


def stored_result(snapshot: Snapshot, result: Result) -> StoredResult:
    return StoredResult(
        groups=[StoredGroup(members=g.members, score=g.score) for g in result.groups],
        participants={
            p.id: StoredParticipant(
                group=p.group, satisfaction=p.satisfaction, explanation=p.explanation
            )
            for p in result.participants
        },
        validation=result.validation,
        registrations={pid: person.registration_id for pid, person in snapshot.people.items()},
    )


def with_proposal(
    stored: StoredResult, proposal: dict[str, Any], reasons: list[str | None]
) -> StoredResult:
    """``stored`` with the repair report of a proposal and the model's reasons (``proposal``
    as solver_process sends it: the report, and per group the proposed group it continues)."""
    stored.repair = RepairReport.model_validate(proposal["repair"])
    for group, origin in zip(stored.groups, proposal["origin"], strict=True):
        if origin is not None and origin < len(reasons):
            group.reason = reasons[origin]
    return stored


def to_columns(snapshot: Snapshot, result: Result) -> tuple[dict[str, Any], dict[str, Any]]:
    """(``result``, ``metrics``) column values for a run that produced ``result``."""
    return stored_result(snapshot, result).model_dump(mode="json"), result.metrics.model_dump(
        mode="json"
    )


def read_result(data: dict[str, Any]) -> StoredResult:
    return StoredResult.model_validate(data)


def read_metrics(data: dict[str, Any]) -> Metrics:
    return Metrics.model_validate(data)

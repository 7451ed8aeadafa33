"""Response bodies for pairing runs (their parameters are pairing/parameters.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from peerpear.engine.proposal_repair import RepairReport
from peerpear.engine.result import Metrics, Validation
from peerpear.models import RegistrationRole, RunStatus, RunStrategy
from peerpear.pairing.parameters import RunParameters
from peerpear.pairing.working_schemas import Version
from peerpear.schemas_common import InputModel


class RerunIn(InputModel):
    version: Version
    parameters: RunParameters | None = Field(
        default=None, description="Default: those of the run adopted last."
    )


class RunMember(BaseModel):
    registration_id: int
    user_id: int
    name: str
    role: RegistrationRole | None
    satisfaction: float


class RunGroup(BaseModel):
    members: list[RunMember]
    score: float
    reason: str | None = Field(
        default=None,
        description="Strategy llm: the model's line on what the group shares, when the group "
        "continues one it proposed.",
    )


class RunOut(BaseModel):
    id: int
    event_id: int
    status: RunStatus
    strategy: RunStrategy
    parameters: dict[str, Any] = Field(description="The settings the run was started with.")
    progress: float = Field(description="0 to 1 while it runs; 1 once it succeeded.")
    error: str | None = Field(description="Why it failed, in one sentence.")
    metrics: Metrics | None = Field(description="Once it succeeded.")
    validation: Validation | None = Field(description="Once it succeeded.")
    engine_version: str
    input_fingerprint: str | None = Field(
        description="SHA-256 of the inputs it read: equal for runs that saw the same data."
    )
    attempts: int = Field(description="How many times a worker started it.")
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    applied_to_pairing: bool | None = Field(
        default=None,
        description="For a re-run of the working pairing: whether its groups replaced the "
        "unlocked ones (false when the pairing changed meanwhile). Null for other runs.",
    )
    text_embedder: str | None = Field(
        default=None,
        description="Once it succeeded: what embedded the text answers: `provider` (the LLM "
        "provider's embeddings) or this server's own, `local (semantic)` or `local (tfidf)`, "
        "followed by why the provider was not used when it failed.",
    )
    repair: RepairReport | None = Field(
        default=None,
        description="Strategy llm, once it succeeded: what was wrong with the model's "
        "proposal and what the engine changed.",
    )
    groups: list[RunGroup] | None = Field(
        default=None,
        description="Once it succeeded, on the run's own page (not in lists): each group with "
        "its members, as the run saw them.",
    )


class RepairSummary(BaseModel):
    """How much of a model's proposal the engine repaired (counts of ``RepairReport``)."""

    unknown_ids: int
    duplicates: int
    missing_placed: int
    size_fixes: int
    role_fixes: int
    rule_fixes: int
    moved: int
    kept_share: float = Field(description="Share of everyone kept in the group proposed.")
    exact_fallback: bool


def repair_summary(report: RepairReport) -> RepairSummary:
    return RepairSummary(
        unknown_ids=len(report.unknown_ids),
        duplicates=len(report.duplicates),
        missing_placed=len(report.missing_placed),
        size_fixes=len(report.size_fixes),
        role_fixes=len(report.role_fixes),
        rule_fixes=len(report.rule_fixes),
        moved=len(report.moved),
        kept_share=report.kept_share,
        exact_fallback=report.exact_fallback,
    )


class RunComparison(BaseModel):
    id: int
    status: RunStatus
    strategy: RunStrategy
    parameters: dict[str, Any]
    metrics: Metrics | None
    runtime_s: float | None = Field(description="From start to finish, as the server saw it.")
    engine_version: str
    input_fingerprint: str | None
    participants: int | None
    groups: int | None
    text_embedder: str | None = Field(description="See the run's `text_embedder`.")
    repair: RepairSummary | None = Field(
        description="Strategy llm: how much of the model's proposal was repaired."
    )


class SharedPairs(BaseModel):
    run_a: int
    run_b: int
    shared: int = Field(description="Pairs of people grouped together in both runs.")
    pairs_a: int = Field(description="Pairs of people grouped together in run_a.")
    pairs_b: int
    jaccard: float = Field(description="shared / pairs in either run (1: the same grouping).")


class CompareOut(BaseModel):
    runs: list[RunComparison]
    shared_pairs: list[SharedPairs] = Field(description="For every two succeeded runs.")

"""Result models: the result JSON of DESIGN §3 (``Result.model_dump(mode="json")``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class GroupResult(BaseModel):
    """One group: its members' ids and its score (the mean satisfaction of its members)."""

    members: list[str]
    score: float


class ParticipantResult(BaseModel):
    """One participant's outcome; ``group`` indexes ``Result.groups``."""

    id: str
    group: int
    satisfaction: float
    explanation: str


class Metrics(BaseModel):
    """Quality and cost of a result.

    Satisfaction is a person's mean affinity to their group mates. The history penalty is a term
    of the solver's objective only; reported satisfactions never include it, so runs with and
    without history are comparable. ``upper_bound`` is the mean over people of the best
    satisfaction each could reach ignoring everybody else (their top ``s - 1`` affinities for a
    group of size ``s``); ``gap = upper_bound - mean_satisfaction``. ``objective_upper_bound``,
    when set, bounds ``objective`` itself, proved by the pairs solver (assignment relaxation).
    """

    mean_satisfaction: float
    min_satisfaction: float
    p10_satisfaction: float
    upper_bound: float
    gap: float
    runtime_s: float
    objective: float = Field(description="value of the solver's internal objective")
    objective_name: str = "fair"
    solver: str = ""
    proven_optimal: bool = False
    objective_upper_bound: float | None = None


class Validation(BaseModel):
    """Outcome of the standalone validator: ``ok`` is true exactly when no rule is violated."""

    ok: bool
    violations: list[str] = Field(default_factory=list)


class Result(BaseModel):
    """Everything a run produces."""

    groups: list[GroupResult]
    participants: list[ParticipantResult]
    metrics: Metrics
    validation: Validation
    mode: str
    seed: int
    engine_version: str

"""How good a working pairing is as it stands, and what stands in the way of publishing it.

The placed people are loaded as the engine sees them (``load_snapshot`` with exactly their
registrations, under the adopted run's parameters) and measured by ``engine.evaluate``: each
person's satisfaction and explanation, group scores, metrics, and the engine validator's
verdict on sizes, roles, must-pair and never-pair. Two checks are added here:

- people neither placed nor excluded (complete registrations: incomplete ones never hold
  publishing up);
- students' private avoid requests, which the snapshot keeps apart from never-pair so that no
  message names the two people: only a count per group ("1 private avoid request is not
  respected in group 3"). A pairing that breaks one cannot be published, as with a never-pair.

Inside the engine people are relabelled by name (numbered when two share one), so the
validator's messages and the explanations read "Ada Lovelace", not a user id; "group N" is the
group at position N.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import peerpear.engine as engine
from peerpear import text_embedding
from peerpear.models import Event, PairingRun
from peerpear.pairing.parameters import RunParameters
from peerpear.pairing.snapshot import Snapshot, load_snapshot
from peerpear.pairing.state import PairingState

NAMES_SHOWN = 10  # people named in the "not placed" message; the list in the pairing has all


@dataclass
class Assessment:
    violations: list[str]
    metrics: engine.Metrics | None = None
    satisfaction: dict[int, float] = field(default_factory=dict)  # by registration id
    explanation: dict[int, str] = field(default_factory=dict)
    scores: list[float | None] = field(default_factory=list)  # per group of state.grouped()


async def run_parameters(db: AsyncSession, run_id: int | None) -> RunParameters:
    """The adopted run's parameters (mode and sizes decide what a valid grouping is); the
    event's defaults when the run is gone or its parameters no longer read."""
    stored: dict[str, Any] | None = None
    if run_id is not None:
        stored = await db.scalar(select(PairingRun.parameters).where(PairingRun.id == run_id))
    known = {k: v for k, v in (stored or {}).items() if k in RunParameters.model_fields}
    try:
        return RunParameters.model_validate(known)
    except ValidationError:
        return RunParameters()


def _labels(snapshot: Snapshot) -> dict[str, str]:
    """Participant id -> a unique readable label."""
    counts = Counter(p.name for p in snapshot.people.values())
    return {
        pid: p.name if counts[p.name] == 1 else f"{p.name} (registration {p.registration_id})"
        for pid, p in snapshot.people.items()
    }


def _relabelled(snapshot: Snapshot, labels: dict[str, str]) -> dict[str, Any]:
    """The snapshot's problem with every participant id replaced by its label (and the plain
    name as the name explanations use)."""

    def rename(groups: list[list[str]]) -> list[list[str]]:
        named = [[labels[pid] for pid in g if pid in labels] for g in groups]
        return [g for g in named if len(g) >= 2]  # history names people of other events

    problem = snapshot.problem
    settings = dict(problem["settings"])
    for key in ("must_pair", "never_pair", "history"):
        settings[key] = rename(settings.get(key, []))
    participants = [
        {**p, "id": labels[p["id"]], "name": snapshot.people[p["id"]].name}
        for p in problem["participants"]
    ]
    return {**problem, "participants": participants, "settings": settings}


def _avoid_violations(snapshot: Snapshot, group_of: dict[int, int]) -> list[str]:
    per_group: Counter[int] = Counter()
    for asker, avoided in snapshot.avoid:
        a = group_of.get(snapshot.people[asker].registration_id)
        if a is not None and a == group_of.get(snapshot.people[avoided].registration_id):
            per_group[a] += 1
    return [
        f"{n} private avoid request{'s are' if n > 1 else ' is'} not respected in group {g}"
        for g, n in sorted(per_group.items())
    ]


def _not_placed(state: PairingState) -> list[str]:
    waiting = [e for e in state.unplaced() if e.registration.is_complete]
    if not waiting:
        return []
    names = [e.user.full_name or e.user.email for e in waiting[:NAMES_SHOWN]]
    more = f" and {len(waiting) - NAMES_SHOWN} more" if len(waiting) > NAMES_SHOWN else ""
    who = "person is" if len(waiting) == 1 else "people are"
    return [
        f"{len(waiting)} registered {who} neither placed in a group nor excluded: "
        f"{', '.join(names)}{more}"
    ]


async def assess(
    db: AsyncSession, event: Event, state: PairingState, *, measure: bool
) -> Assessment:
    """The pairing's violations, and with ``measure`` its metrics, satisfactions and
    explanations (the affinity of everyone placed: heavier, so the publish guard skips it)."""
    grouped = state.grouped()
    group_of = {m.registration_id: g for g, (_, ms) in enumerate(grouped) for m in ms}
    params = await run_parameters(db, state.pairing.source_run_id)
    snapshot = await load_snapshot(
        db, event, params, registration_ids=set(group_of), avoid_apart=True
    )
    labels = _labels(snapshot)
    label_of = {p.registration_id: labels[pid] for pid, p in snapshot.people.items()}
    groups = [[label_of[m.registration_id] for m in members] for _, members in grouped]
    out = Assessment(violations=[], scores=[None] * len(grouped))
    if group_of:
        try:
            problem = engine.parse_problem(_relabelled(snapshot, labels))
            if measure:
                # CPU-bound (the affinity of everyone placed): off the event loop
                # with the runs' text embedder, so that the figures match theirs
                embedder = text_embedding.current().embedder(problem.settings.seed)
                result = await asyncio.to_thread(
                    engine.evaluate, problem, groups, embedder=embedder
                )
                validation = result.validation
                out.metrics = result.metrics
                registration_of = {label: rid for rid, label in label_of.items()}
                for p in result.participants:
                    out.satisfaction[registration_of[p.id]] = p.satisfaction
                    out.explanation[registration_of[p.id]] = p.explanation
                out.scores = [g.score for g in result.groups]
            else:
                validation = engine.validate(problem, groups)
            out.violations += validation.violations
        except engine.EngineError as exc:  # e.g. a single person placed
            out.violations.append(f"the pairing cannot be checked: {exc}")
    out.violations += _avoid_violations(snapshot, group_of)
    out.violations += _not_placed(state)
    return out


def store(state: PairingState, assessment: Assessment) -> None:
    """Keep the measured values on the rows, for cheap reads (a student's own group)."""
    for (group, members), score in zip(state.grouped(), assessment.scores, strict=True):
        group.score = score
        for member in members:
            member.satisfaction = assessment.satisfaction.get(member.registration_id)
            explanation = assessment.explanation.get(member.registration_id)
            if explanation != member.explanation:
                # A rephrasing of the previous explanation no longer says why (llm/explanations)
                member.friendly_explanation = None
            member.explanation = explanation

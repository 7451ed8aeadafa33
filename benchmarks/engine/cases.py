"""The benchmark cases: one per target of issue 3, plus survey-shaped runs and a custom grid.

A case is plain data (JSON-able) so a fresh worker process can rebuild the identical instance from
it: every method of a case runs on the same instance.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.engine.generate import Instance, planted_instance, survey_instance

RESULTS = Path(__file__).resolve().parents[1] / "results"  # git-ignored
NOISE = 0.2
EXACT_PAIRS_METHODS = (
    "peerpear", "peerpear-total", "networkx", "assignment-bound", "greedy", "random",
)  # fmt: skip  # "moderate": a fifth of all answers replaced by random ones


@dataclass(frozen=True)
class Case:
    name: str
    target: str
    source: str  # planted | bfi
    mode: str
    n: int
    group_size: int = 2
    leaders: int | None = None
    noise: float = NOISE
    seed: int = 1
    text: bool = True  # include the free-text question (costs an embedding)
    settings: dict[str, Any] = field(default_factory=dict)
    methods: tuple[str, ...] = ("peerpear", "greedy", "random")
    reference: str = "greedy"  # the method that ratios are taken against
    time_limit_s: float | None = None  # the target's time budget, checked against the median
    min_objective_ratio: float | None = None  # total affinity vs the reference
    min_speedup: float | None = None
    min_ari: float | None = None
    max_peak_mb: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Case:
        return cls(**{**data, "methods": tuple(data["methods"])})

    def build(self) -> Instance:
        settings = {**self.settings}
        if self.source == "bfi":
            return survey_instance(
                self.n,
                self.mode,
                group_size=self.group_size,
                leaders=self.leaders,
                seed=self.seed,
                settings=settings,
            )
        return planted_instance(
            self.n,
            self.mode,
            group_size=self.group_size,
            leaders=self.leaders,
            noise=self.noise,
            seed=self.seed,
            settings=settings,
            text=self.text,
        )


def instance_digest(case: Case) -> str:
    """Identifies the instance only: the same instance may be run with other methods listed."""
    keys = ("source", "mode", "n", "group_size", "leaders", "noise", "seed", "settings", "text")
    instance = {key: case.to_json()[key] for key in keys}
    return hashlib.sha256(json.dumps(instance, sort_keys=True).encode()).hexdigest()[:12]


def target_cases() -> list[Case]:
    """The targets of issue 3, in its order."""
    big = 10_000
    return [
        Case(
            "pairs-1000",
            "pairs n=1,000: total within 0.5% of networkx's optimum, >= 20x faster",
            "planted", "pairs", 1_000,
            methods=EXACT_PAIRS_METHODS,
            reference="networkx", min_objective_ratio=0.995, min_speedup=20,
        ),
        Case(
            "pairs-300",
            "pairs n=300 (small enough for networkx here): the same comparison, measured exactly",
            "planted", "pairs", 300,
            methods=EXACT_PAIRS_METHODS,
            reference="networkx", min_objective_ratio=0.995, min_speedup=20,
        ),
        Case(
            "pairs-300-noisy",
            "pairs n=300 with heavy noise (0.6): harder, the planted pairs are no longer optimal",
            "planted", "pairs", 300, noise=0.6,
            methods=EXACT_PAIRS_METHODS, reference="networkx", min_objective_ratio=0.995,
            min_speedup=20,
        ),
        Case(
            "bfi-pairs-300",
            "pairs n=300 of real survey answers (bfi.csv): the same comparison",
            "bfi", "pairs", 300,
            methods=EXACT_PAIRS_METHODS, reference="networkx", min_objective_ratio=0.995,
            min_speedup=20,
        ),
        Case("pairs-10000", "pairs n=10,000: < 10 s", "planted", "pairs", big, time_limit_s=10),
        Case(
            "two-sided-5000x5000",
            "two-sided 5,000 x 5,000: equals linear_sum_assignment's total, < 10 s",
            "planted", "big_little", big, leaders=5_000,
            methods=("peerpear", "peerpear-total", "scipy-lsa", "greedy", "random"),
            reference="scipy-lsa", min_objective_ratio=0.99999, time_limit_s=10,
        ),
        Case(
            "groups4-6-10000",
            "groups of 4-6 n=10,000: < 10 s, < 2 GB, planted ARI >= 0.95",
            "planted", "groups", big, group_size=5, settings={"min_size": 4, "max_size": 6},
            time_limit_s=10, max_peak_mb=2048, min_ari=0.95,
            methods=("peerpear", "peerpear-total", "greedy", "random"),
        ),
        Case(
            "big-little-10000",
            "big_little n=10,000 (4,000 bigs, 6,000 littles): < 10 s, < 2 GB, ARI >= 0.95",
            "planted", "big_little", big, leaders=4_000,
            time_limit_s=10, max_peak_mb=2048, min_ari=0.95,
            methods=("peerpear", "peerpear-total", "greedy", "random"),
        ),
        *small_cases(),
        Case("bfi-groups-2800", "survey-shaped (bfi.csv), groups of 4", "bfi", "groups", 2_800,
             group_size=4),
        Case("bfi-pairs-2800", "survey-shaped (bfi.csv), pairs", "bfi", "pairs", 2_800,
             methods=("peerpear", "assignment-bound", "greedy", "random")),
    ]  # fmt: skip


def small_cases() -> list[Case]:
    """Any mode at n = 100: under 0.5 s inside the process."""
    shapes: list[tuple[str, int, int | None, dict[str, Any]]] = [
        ("pairs", 2, None, {}),
        ("groups", 4, None, {}),
        ("big_little", 2, 40, {}),
        ("mentor", 2, 25, {"capacity": 3}),
    ]
    return [
        Case(f"{mode}-100", f"{mode} n=100: < 0.5 s", "planted", mode, 100, group_size=size,
             leaders=leaders, settings=settings, time_limit_s=0.5)
        for mode, size, leaders, settings in shapes
    ]  # fmt: skip


def grid_cases(modes: list[str], sizes: list[int], noise: float) -> list[Case]:
    """Custom runs: every mode at every size, on planted instances."""
    cases = []
    for mode in modes:
        for n in sizes:
            leaders = {"big_little": n * 2 // 5, "mentor": n // 4}.get(mode)
            settings = {"capacity": 3} if mode == "mentor" else {}
            methods: tuple[str, ...] = ("peerpear", "greedy", "random")
            if mode == "pairs" and n <= 1_000:
                methods += ("networkx",)
            cases.append(
                Case(f"{mode}-{n}", f"{mode} n={n:,}", "planted", mode, n,
                     group_size=4 if mode == "groups" else 2, leaders=leaders, noise=noise,
                     settings=settings, methods=methods)
            )  # fmt: skip
    return cases

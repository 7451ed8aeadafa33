"""Strategy llm's costs beside the model call: the repair of a sloppy proposal at the cap
(300 people), its evaluation, and the size of provider embeddings sent to the solver process.

    uv run python -m benchmarks.pairing.proposal_repair [--repeats 5]

The proposal is what a careless model writes: a tenth of the people left out, ten named twice,
three unknown ids, ten groups of five where four are asked. Scikit-learn is loaded first (the
fork server preloads it), so the times are the repair's own; medians of ``--repeats`` runs,
with the optimizer's own solve of the same 300 people as the reference measured in the same
run (its time, and its metrics beside those of the repaired random proposal). The
embeddings: 30,000 distinct answers (10,000 people, three text questions) of 1,536
dimensions, pickled as the solver process receives them.
"""

from __future__ import annotations

import argparse
import pickle
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from peerpear.engine.evaluate import evaluate
from peerpear.engine.precomputed import PrecomputedEmbedder
from peerpear.engine.problem import Problem, parse_problem
from peerpear.engine.proposal_repair import repair_proposal
from peerpear.engine.solve import solve

WORDS = ["hiking", "film", "chess", "guitar", "cooking", "running", "games", "photo", "band"]


def _problem(n: int, rng: random.Random) -> Problem:
    questions = [
        {"id": "t", "type": "text", "weight": 1},
        {"id": "s", "type": "single_choice", "options": ["a", "b", "c"], "weight": 1},
    ]
    people = [
        {"id": str(i), "answers": {"t": " ".join(rng.sample(WORDS, 3)), "s": "abc"[i % 3]}}
        for i in range(n)
    ]
    never = [[str(i), str(i + 1)] for i in range(0, 60, 2)]
    settings = {"mode": "groups", "group_size": 4, "never_pair": never}
    return parse_problem({"questions": questions, "participants": people, "settings": settings})


def _timed(repeats: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The median seconds of ``repeats`` calls, and the last call's value."""
    times, value = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        value = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    rng = random.Random(0)
    n = 300
    problem = _problem(n, rng)
    ids = [str(i) for i in range(n)]
    shuffled = rng.sample(ids, n)[: int(n * 0.9)]
    groups = [shuffled[i : i + 4] for i in range(0, len(shuffled), 4)]
    for group in groups[:10]:
        group.append(rng.choice(ids))
    groups[0] += ["x1", "x2", "x3"]
    repair_proposal(problem, [ids[:4]])  # loads scikit-learn, as the fork server has
    repair_s, repaired = _timed(repeats, lambda: repair_proposal(problem, groups))
    evaluate_s, result = _timed(repeats, lambda: evaluate(problem, repaired.groups))
    solve_s, optimized = _timed(repeats, lambda: solve(problem))
    r = repaired.report
    print(
        f"n={n}, medians of {repeats}: repair {repair_s * 1000:.0f} ms, evaluate "
        f"{evaluate_s * 1000:.0f} ms, together {(repair_s + evaluate_s) / solve_s:.2f}x the "
        f"optimizer's solve ({solve_s * 1000:.0f} ms); unknown {len(r.unknown_ids)}, duplicates "
        f"{len(r.duplicates)}, missing {len(r.missing_placed)}, size fixes {len(r.size_fixes)}, "
        f"rule fixes {len(r.rule_fixes)}, moved {len(r.moved)}, kept {r.kept_share:.2f}, "
        f"exact fallback {r.exact_fallback}, valid {result.validation.ok}"
    )
    mine, best = result.metrics, optimized.metrics
    print(
        f"satisfaction mean/min: repaired random proposal {mine.mean_satisfaction:.3f}/"
        f"{mine.min_satisfaction:.3f}, optimizer {best.mean_satisfaction:.3f}/"
        f"{best.min_satisfaction:.3f}"
    )
    texts = [f"answer {i}" for i in range(30_000)]
    rows = np.random.default_rng(0).standard_normal((30_000, 1536)).astype(np.float32)
    started = time.perf_counter()
    blob = pickle.dumps(PrecomputedEmbedder(texts, rows))
    print(
        f"embeddings 30,000 x 1,536: {len(blob) / 1e6:.0f} MB pickled in "
        f"{time.perf_counter() - started:.2f} s"
    )


if __name__ == "__main__":
    main()

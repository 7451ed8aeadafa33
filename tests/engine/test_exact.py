"""The exact fallback: what the fast solvers cannot satisfy is solved validly or reported honestly.

Three outcomes must stay apart: a valid grouping (from the exact model when the search breaks a
rule), ``Infeasible`` (proven), and ``NoSolutionFound`` (time ran out, nothing proven). And a
stop request is ``Cancelled``, which no ``except ValueError`` / ``except EngineError`` catches.
"""

from __future__ import annotations

import builtins
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

import peerpear.engine
from peerpear import pair_cli
from peerpear.engine import (
    Cancelled,
    EngineError,
    Infeasible,
    NoSolutionFound,
    Problem,
    compute_affinity,
    solve,
)
from peerpear.engine import exact as exact_module
from peerpear.engine import repair as repair_module
from peerpear.engine.counting import count_grouping
from peerpear.engine.exact import exact_grouping, too_large
from peerpear.engine.plan import build_plan
from tests.engine.conftest import random_problem
from tests.engine.helpers import objective_value, result_groups
from tests.engine.test_properties import broken_rules, valid_grouping_exists

# the module, not the function: `import peerpear.engine.solve` would rebind the package's lazy
# `solve` attribute to the module of the same name
solve_module = sys.modules["peerpear.engine.solve"]


def stuck_pairs() -> Problem:
    """Nine people in pairs (one trio), no group with a lone f or a lone m: moves and swaps end
    at a local optimum that isolates someone (found by a search over random problems)."""
    rules = [{"attribute": "gender", "value": v} for v in ("f", "m")]
    return random_problem(9, 820, attributes=True, no_isolation=rules)


def test_a_grouping_the_search_cannot_repair_is_found_by_the_exact_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = stuck_pairs()
    assert valid_grouping_exists(problem)
    with monkeypatch.context() as patched:  # without the exact models: the search alone fails
        patched.setattr(solve_module, "count_grouping", lambda *args, **kwargs: None)
        patched.setattr(solve_module, "exact_grouping", lambda *args, **kwargs: None)
        with pytest.raises(NoSolutionFound, match="is the only gender = "):
            solve(problem)
    result = solve(problem)
    assert result.metrics.solver == "exact+local_search"
    groups = [g.members for g in result.groups]
    assert broken_rules(problem, groups) == [] and result.validation.ok
    # the local search improves the exact grouping (chosen with no objective) or keeps it; no
    # never-pairs here, so the counting model is the whole exact model and gives it
    plan = build_plan(problem)
    found = count_grouping(plan, 10.0)
    assert found is not None
    raw = [[int(p) for u in np.flatnonzero(found.group_of_unit == g) for p in plan.units[u]]
           for g in range(plan.n_groups)]  # fmt: skip
    a = compute_affinity(problem)
    objective = problem.settings.objective
    assert objective_value(a, result_groups(problem, result), objective) >= objective_value(
        a, raw, objective
    )


def test_the_exact_model_returns_none_when_its_time_runs_out() -> None:
    # 200 people in groups of 4 with every gender under no_isolation: far too much for 10 ms
    rules = [{"attribute": "gender", "value": v} for v in ("f", "m", "x")]
    problem = random_problem(200, 1, attributes=True, mode="groups", group_size=4,
                             no_isolation=rules)  # fmt: skip
    assert exact_grouping(problem, build_plan(problem), time_limit=0.0) is None


def test_running_out_of_time_is_no_solution_found_not_infeasible(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # what the exact models return when their time runs out (the test above): None
    monkeypatch.setattr(solve_module, "count_grouping", lambda *args, **kwargs: None)
    monkeypatch.setattr(solve_module, "exact_grouping", lambda *args, **kwargs: None)
    with pytest.raises(NoSolutionFound) as err:
        solve(stuck_pairs())
    assert not isinstance(err.value, Infeasible)
    message = str(err.value)
    assert "within the time limit" in message and "impossible" not in message
    assert "proven" not in message and "\n" not in message


def odd_fours() -> Problem:
    """200 people in groups of 4, no group with a lone f, m or x; 67 fs, 67 ms, 66 xs."""
    values = ["f"] * 67 + ["m"] * 67 + ["x"] * 66
    participants = [{"id": f"p{i}", "attributes": {"g": v}} for i, v in enumerate(values)]
    rules = [{"attribute": "g", "value": v} for v in ("f", "m", "x")]
    settings = {"mode": "groups", "group_size": 4, "no_isolation": rules}
    return Problem.model_validate(
        {"questions": [], "participants": participants, "settings": settings}
    )


def test_the_counting_relaxation_proves_what_the_full_model_cannot_in_time() -> None:
    # a group of 4 holds 0, 2 or 4 of a value (3 would isolate someone of another value), so 67
    # fs cannot be placed. The full model does not prove it in a second (nor in 20 s); the
    # counting relaxation at once.
    problem = odd_fours()
    plan = build_plan(problem)
    assert exact_grouping(problem, plan, time_limit=1.0) is None
    with pytest.raises(Infeasible) as err:
        count_grouping(plan, time_limit=10.0)
    assert "50 groups of 4 people cannot keep no_isolation g = f" in str(err.value)
    with pytest.raises(Infeasible, match="proven by an exact search"):
        solve(problem)


def test_a_large_grouping_the_search_leaves_broken_is_solved_by_the_counting_model() -> None:
    # 601 people in pairs, no lone f or m in a pair: the local search, which looks only at the
    # groups of each person's best matches, leaves isolated people; 601 is far beyond the full
    # model's size limit, but without never-pairs the counting model is exact at any size
    rules = [{"attribute": "gender", "value": v} for v in ("f", "m")]
    problem = random_problem(601, 1, attributes=True, no_isolation=rules)
    assert too_large(build_plan(problem))
    result = solve(problem)
    assert result.metrics.solver == "exact+local_search" and result.validation.ok
    assert broken_rules(problem, [g.members for g in result.groups]) == []


def test_above_the_size_limit_the_broken_groups_are_re_solved_exactly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the pairs solver puts a never-pair together (only two people are left for each other);
    # with the size limit lowered the full model may not run, so the repair does: two of the
    # four groups at a time
    problem = never_pair_in_pairs()
    assert valid_grouping_exists(problem)
    monkeypatch.setattr(exact_module, "MAX_CELLS", 5)
    monkeypatch.setattr(repair_module, "REPAIR_CELLS", 12)
    calls: list[int] = []
    real_repair = repair_module.repair

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real_repair(*args, **kwargs)

    monkeypatch.setattr(solve_module, "repair", counted)
    result = solve(problem)
    assert calls and result.metrics.solver == "exact+local_search"
    assert broken_rules(problem, [g.members for g in result.groups]) == []


def test_running_out_of_time_is_not_caught_as_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    # "not found in time" says nothing about the input: a bad-input handler must not take it
    assert not issubclass(NoSolutionFound, ValueError)
    assert not issubclass(NoSolutionFound, EngineError)
    monkeypatch.setattr(solve_module, "count_grouping", lambda *args, **kwargs: None)
    monkeypatch.setattr(solve_module, "exact_grouping", lambda *args, **kwargs: None)
    with pytest.raises(NoSolutionFound):
        try:
            solve(stuck_pairs())
        except ValueError:
            pytest.fail("NoSolutionFound was caught as a ValueError")


def never_pair_in_pairs() -> Problem:
    """Nine people in pairs: the pairs solver puts a never-pair together (two people are left for
    each other), so the full exact model runs."""
    never = [["p7", "p6", "p4", "p3"], ["p1", "p0", "p4", "p8"]]
    return random_problem(9, 300, attributes=True, never_pair=never, must_pair=[["p1", "p3"]])


def test_the_exact_models_time_starts_after_ortools_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the first import of ortools in a process takes 1-3 s; here it takes 1.5 s, in a run of
    # 0.5 s: the exact model must still get its minimum time (MIN_EXACT_S) after the import
    real_import = builtins.__import__
    slept: list[float] = []

    def slow_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("ortools") and not slept:
            slept.append(1.5)
            time.sleep(1.5)
        return real_import(name, *args, **kwargs)

    limits: list[float] = []
    real_exact = solve_module.exact_grouping

    def spied(problem: Problem, plan: Any, time_limit: float, *args: Any, **kwargs: Any) -> Any:
        limits.append(time_limit)
        return real_exact(problem, plan, time_limit, *args, **kwargs)

    problem = never_pair_in_pairs().model_copy(deep=True)
    problem.settings.time_limit_s = 0.5
    monkeypatch.setattr(builtins, "__import__", slow_import)
    monkeypatch.setattr(solve_module, "exact_grouping", spied)
    result = solve(problem)
    assert slept and limits  # the import was slow, and the full model ran after it
    assert limits[0] >= 0.5 * solve_module.MIN_EXACT_S, limits
    assert result.validation.ok and broken_rules(problem, [g.members for g in result.groups]) == []


def test_a_stop_request_is_not_a_value_error() -> None:
    assert not issubclass(Cancelled, ValueError) and not issubclass(Cancelled, EngineError)
    problem = random_problem(30, 1, mode="groups")
    with pytest.raises(Cancelled):
        try:
            solve(problem, should_stop=lambda: True)
        except ValueError:  # the web layer's bad-input handler must not swallow a stop
            pytest.fail("Cancelled was caught as a ValueError")


def test_a_stop_request_ends_the_exact_search() -> None:
    problem = odd_fours()  # the full model searches for many seconds (see above)
    with pytest.raises(Cancelled):
        exact_grouping(problem, build_plan(problem), time_limit=60.0, stop=lambda: True)


runner = CliRunner()
pair_app = typer.Typer()
pair_app.command()(pair_cli.pair_command)


def write_problem(path: Path, problem: Problem) -> Path:
    path.write_text(json.dumps(problem.model_dump(mode="json")), encoding="utf-8")
    return path


def test_the_cli_says_proven_infeasible_as_bad_input(tmp_path: Path) -> None:
    problem = random_problem(4, never_pair=[["p0", "p1", "p2", "p3"]])
    result = runner.invoke(pair_app, [str(write_problem(tmp_path / "p.json", problem))])
    assert result.exit_code == pair_cli.BAD_INPUT_EXIT
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no grouping satisfies every rule")
    assert "proven by an exact search" in lines[0]


def test_the_cli_tells_a_search_that_found_nothing_from_an_impossible_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = "no valid grouping found within the time limit of 2 s (...); a longer time limit"
    message += " may find one"

    def not_found(*args: Any, **kwargs: Any) -> Any:
        raise NoSolutionFound(message)

    monkeypatch.setattr(peerpear.engine, "solve", not_found)
    result = runner.invoke(pair_app, [str(write_problem(tmp_path / "p.json", stuck_pairs()))])
    assert result.exit_code == pair_cli.NOT_FOUND_EXIT != pair_cli.BAD_INPUT_EXIT
    assert result.stderr.strip().splitlines() == [f"error: {message}"]


def test_a_polish_that_breaks_a_rule_is_dropped_for_the_exact_grouping() -> None:
    # the local search prices rule breaks (an isolated person: 1e4) against everything else:
    # a history penalty above that buys a break, so the search leaves the valid region after the
    # exact model. The run keeps the exact grouping instead (solver "exact"), never the break.
    first = solve(stuck_pairs())
    repeated = stuck_pairs().model_copy(deep=True)
    repeated.settings.history = [g.members for g in first.groups]
    repeated.settings.history_penalty = 1e5
    result = solve(repeated)
    assert result.metrics.solver == "exact" and result.validation.ok
    assert broken_rules(repeated, [g.members for g in result.groups]) == []
    repeated.settings.history_penalty = 0.5  # an ordinary penalty: the polish stays valid
    assert solve(repeated).metrics.solver == "exact+local_search"

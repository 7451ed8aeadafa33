"""The engine in a child process: the result comes back, engine failures keep their type, and
cancelling kills the solver at once rather than waiting for it to notice."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import pytest

from peerpear.engine.errors import Cancelled, EngineError
from peerpear.pairing.solver_process import solve_in_subprocess


def _problem(people: int, *, time_limit: float = 5.0) -> dict[str, Any]:
    rng = random.Random(3)
    words = ["hiking", "film", "chess", "guitar", "baking", "yoga", "trail", "band", "code"]
    return {
        "questions": [
            {"id": "a", "type": "single_choice", "options": ["x", "y", "z"]},
            {"id": "t", "type": "text"},
        ],
        "participants": [
            {
                "id": f"p{n}",
                "answers": {"a": rng.choice("xyz"), "t": " ".join(rng.sample(words, 3))},
            }
            for n in range(people)
        ],
        "settings": {"mode": "groups", "group_size": 4, "time_limit_s": time_limit},
    }


async def _keep_going(progress: float) -> bool:
    return True


async def test_the_result_comes_back() -> None:
    result = await solve_in_subprocess(_problem(20), _keep_going)
    assert sorted(m for g in result["groups"] for m in g["members"]) == sorted(
        f"p{n}" for n in range(20)
    )
    assert result["validation"]["ok"] is True


async def test_a_bad_problem_is_an_engine_error() -> None:
    problem = _problem(4)
    problem["participants"][0]["answers"]["a"] = "not an option"
    with pytest.raises(EngineError, match="not one of the options"):
        await solve_in_subprocess(problem, _keep_going)


async def test_cancelling_kills_the_solver_at_once() -> None:
    ticks: list[float] = []

    async def stop_after_two(progress: float) -> bool:
        ticks.append(progress)
        return len(ticks) < 2

    started = time.monotonic()
    with pytest.raises(Cancelled):
        # Seconds of affinity and search for the solver; cancelled on the second tick.
        await solve_in_subprocess(_problem(6000, time_limit=60), stop_after_two, tick=0.2)
    assert time.monotonic() - started < 5
    await asyncio.sleep(0)  # nothing left running: the child was killed and reaped

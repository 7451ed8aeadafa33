"""Entry point: picks the solver for the mode, checks the result, builds metrics."""

from __future__ import annotations

from collections.abc import Callable

from peerpear.engine.embedding import Embedder
from peerpear.engine.problem import Problem
from peerpear.engine.result import Result


def solve(
    problem: Problem,
    *,
    embedder: Embedder | None = None,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Result:
    raise NotImplementedError

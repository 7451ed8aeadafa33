"""Standalone validator (separate code from the solvers)."""

from __future__ import annotations

from peerpear.engine.problem import Problem
from peerpear.engine.result import Validation


def validate(problem: Problem, groups: list[list[str]]) -> Validation:
    raise NotImplementedError

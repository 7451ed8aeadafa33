"""Affinity matrix."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.embedding import Embedder
from peerpear.engine.problem import Problem


def compute_affinity(problem: Problem, embedder: Embedder | None = None) -> NDArray[np.float32]:
    raise NotImplementedError

"""Satisfaction and quality metrics of a grouping (DESIGN §3).

Satisfaction is a person's mean affinity to their group mates, from the affinity alone: the
history penalty is an objective term, never part of a reported satisfaction.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
BLOCK_ROWS = 1024


def satisfaction(affinity: NDArray[np.float32], groups: list[list[int]], n: int) -> F64:
    out = np.zeros(n)
    for members in groups:
        idx = np.asarray(members, dtype=np.int64)
        if len(idx) > 1:
            out[idx] = affinity[np.ix_(idx, idx)].sum(axis=1, dtype=np.float64) / (len(idx) - 1)
    return out


def best_possible(affinity: NDArray[np.float32], group_size: NDArray[np.int64]) -> F64:
    """Each person's satisfaction with their own best ``size - 1`` mates, ignoring everyone else."""
    n = len(affinity)
    out = np.zeros(n)
    if n < 2:
        return out
    top = int(min(max(int(group_size.max()) - 1, 1), n - 1))
    for start in range(0, n, BLOCK_ROWS):
        rows = slice(start, min(start + BLOCK_ROWS, n))
        block = affinity[rows].copy()
        block[np.arange(block.shape[0]), np.arange(rows.start, rows.stop)] = -np.inf  # not self
        nearest = -np.partition(-block, top - 1, axis=1)[:, :top]
        best = -np.sort(-nearest, axis=1).astype(np.float64)
        mates = np.clip(group_size[rows] - 1, 1, top)
        cumulative = np.cumsum(best, axis=1)
        out[rows] = cumulative[np.arange(len(mates)), mates - 1] / mates
    return out


def summary(values: F64) -> tuple[float, float, float]:
    """(mean, min, 10th percentile)."""
    return float(values.mean()), float(values.min()), float(np.percentile(values, 10))

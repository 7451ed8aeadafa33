"""Satisfaction and quality metrics of a grouping (DESIGN §3).

Satisfaction is a person's mean affinity to their group mates, from the affinity alone: the
history penalty is an objective term, never part of a reported satisfaction.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]


def satisfaction(affinity: NDArray[np.float32], groups: list[list[int]], n: int) -> F64:
    out = np.zeros(n)
    for members in groups:
        idx = np.asarray(members, dtype=np.int64)
        if len(idx) > 1:
            out[idx] = affinity[np.ix_(idx, idx)].sum(axis=1, dtype=np.float64) / (len(idx) - 1)
    return out


def best_possible(top_values: NDArray[np.float32], group_size: NDArray[np.int64]) -> F64:
    """Each person's satisfaction with their own best ``size - 1`` mates, ignoring everyone else.

    ``top_values`` holds each person's largest affinities, best first (``top_neighbours``).
    """
    if top_values.shape[1] == 0:
        return np.zeros(len(group_size))
    mates = np.clip(group_size - 1, 1, top_values.shape[1])
    cumulative = np.cumsum(top_values.astype(np.float64), axis=1)
    result: F64 = cumulative[np.arange(len(mates)), mates - 1] / mates
    return result


def summary(values: F64) -> tuple[float, float, float]:
    """(mean, min, 10th percentile)."""
    return float(values.mean()), float(values.min()), float(np.percentile(values, 10))

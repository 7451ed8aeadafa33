"""Each person's strongest affinities, computed once and shared.

The local search draws its candidate groups from them (the groups of a person's best matches)
and the metrics take the upper bound from them, so the n x n matrix is scanned once.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

BLOCK_ROWS = 1024


def top_neighbours(
    affinity: NDArray[np.float32], k: int
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """(indices, values) of each row's ``k`` largest off-diagonal entries, best first."""
    n = len(affinity)
    k = max(1, min(k, n - 1))
    idx = np.empty((n, k), dtype=np.int64)
    val = np.empty((n, k), dtype=np.float32)
    take = min(k + 1, n)  # one extra: oneself (affinity 0) may be among the largest
    for start in range(0, n, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n)
        block = affinity[start:stop]
        rows = np.arange(stop - start)
        top = np.argpartition(block, n - take, axis=1)[:, n - take :]
        values = np.take_along_axis(block, top, axis=1).astype(np.float32)
        values[top == (rows + start)[:, None]] = -np.inf  # drop oneself
        order = np.argsort(-values, axis=1, kind="stable")[:, :k]
        idx[start:stop] = np.take_along_axis(top, order, axis=1)
        val[start:stop] = np.take_along_axis(values, order, axis=1)
    return idx, val

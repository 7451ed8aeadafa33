"""Each person's strongest affinities, computed once and shared.

The local search draws its candidate groups from them (the groups of a person's best matches)
and the metrics take the upper bound from them, so the n x n matrix is scanned once.

A full partial sort of every row is slow (about 1 s at n = 10,000). Instead, per block of rows,
the (k+1)-th largest value among a sample of columns is a threshold that at least k+1 entries of
the row reach; only the entries at or above it (a few hundred per row) are then sorted. A block
where ties make that set large falls back to the partial sort. Either way: the k largest
off-diagonal values, best first, ties by column (unless ties are that many).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

BLOCK_ROWS = 1024
SAMPLE_COLUMNS = 1024
MAX_KEPT_SHARE = 0.25  # above this share of a row kept, the partial sort is cheaper


def top_neighbours(
    affinity: NDArray[np.float32], k: int
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """(indices, values) of each row's ``k`` largest off-diagonal entries, best first."""
    n = len(affinity)
    k = max(1, min(k, n - 1))
    idx = np.empty((n, k), dtype=np.int64)
    val = np.empty((n, k), dtype=np.float32)
    sample = np.linspace(0, n - 1, min(SAMPLE_COLUMNS, n)).astype(np.int64)
    for start in range(0, n, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n)
        block = affinity[start:stop]
        rows = np.arange(stop - start)
        top = None
        if len(sample) > k + 1 and n > 4 * len(sample):
            top = _above_threshold(block, sample, k, start)
        if top is None:
            top = _partial_sort(block, k)
        values = np.take_along_axis(block, top, axis=1).astype(np.float32)
        values[top == (rows + start)[:, None]] = -np.inf  # drop oneself
        values[top < 0] = -np.inf
        # best first; ties by column (candidates are in column order, the sort is stable)
        order = np.argsort(-values, axis=1, kind="stable")[:, :k]
        idx[start:stop] = np.take_along_axis(top, order, axis=1)
        val[start:stop] = np.take_along_axis(values, order, axis=1)
    return idx, val


def _partial_sort(block: NDArray[np.float32], k: int) -> NDArray[np.int64]:
    """The k+1 largest columns of each row (one extra: oneself may be among them), by column."""
    n = block.shape[1]
    take = min(k + 1, n)
    top: NDArray[np.int64] = np.argpartition(block, n - take, axis=1)[:, n - take :]
    top.sort(axis=1)
    # entries equal to the (k+1)-th largest are kept elsewhere in column order; keep that rule
    threshold = np.take_along_axis(block, top, axis=1).min(axis=1)
    kept = _kept(block, threshold)
    return top if kept is None else kept


def _above_threshold(
    block: NDArray[np.float32], sample: NDArray[np.int64], k: int, start: int
) -> NDArray[np.int64] | None:
    """Columns of each row at or above its sample threshold (padded with -1); None if too many."""
    part = block[:, sample]
    m = len(sample)
    threshold = np.partition(part, m - (k + 2), axis=1)[:, m - (k + 2)]  # k+2: oneself, sampled
    return _kept(block, threshold)


def _kept(block: NDArray[np.float32], threshold: NDArray[np.float32]) -> NDArray[np.int64] | None:
    """Per row, the columns with a value >= its threshold, in column order, padded with -1;
    None when ties make that a large share of the row."""
    n = block.shape[1]
    mask = block >= threshold[:, None]
    counts = np.count_nonzero(mask, axis=1)
    if counts.max() > MAX_KEPT_SHARE * n:
        return None
    flat = np.flatnonzero(mask)
    r, c = flat // n, flat % n
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = np.full((len(block), int(counts.max())), -1, dtype=np.int64)
    out[r, np.arange(len(r)) - offsets[r]] = c
    return out


def largest(block: NDArray[np.float32], k: int) -> NDArray[np.int64]:
    """Column indices of each row's ``k`` largest entries, best first, ties by column.

    The same sampled threshold as ``top_neighbours`` on wide blocks, a partial sort otherwise.
    """
    n = block.shape[1]
    k = max(1, min(k, n))
    m = min(SAMPLE_COLUMNS, n // 4)
    top = None
    if m > k:
        sample = np.linspace(0, n - 1, m).astype(np.int64)
        threshold = np.partition(block[:, sample], m - k, axis=1)[:, m - k]
        top = _kept(block, threshold)
    if top is None:
        top = np.argpartition(block, n - k, axis=1)[:, n - k :]
        top.sort(axis=1)
    values = np.take_along_axis(block, np.maximum(top, 0), axis=1).astype(np.float64)
    values[top < 0] = -np.inf
    order = np.argsort(-values, axis=1, kind="stable")[:, :k]
    best: NDArray[np.int64] = np.take_along_axis(top, order, axis=1)
    return best

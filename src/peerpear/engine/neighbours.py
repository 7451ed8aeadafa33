"""Each person's strongest affinities, computed once and shared, and the top-k selection.

The local search draws its candidate groups from them (the groups of a person's
``BEST_MATCHES`` best matches), the exact re-assignment and the anchored construction their
candidates, and the metrics the upper bound, so the n x n matrix is scanned once.

A full partial sort of every row is slow (about 1 s at n = 10,000). Instead (``largest``), per
block of rows, the k-th largest value among a sample of columns is a threshold that at least k
entries of the row reach; only the entries at or above it (a few hundred per row) are then
sorted. A block where ties make that set large falls back to the partial sort. Either way: the k
largest values, best first, ties by column.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# How many of a person's best matches the solvers look at: the candidate groups of a unit in the
# local search, of a removed person in the exact re-assignment, an anchor's first followers.
BEST_MATCHES = 16
BLOCK_ROWS = 1024
SAMPLE_COLUMNS = 1024
MAX_KEPT_SHARE = 0.25  # above this share of a row kept, the partial sort is cheaper


def top_neighbours(
    affinity: NDArray[np.float32], k: int, people: NDArray[np.int64] | None = None
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """(indices, values) of each row's ``k`` largest off-diagonal entries, best first.

    With ``people``, among those people only: rows and columns are ``affinity[people][:, people]``
    (computed by blocks, never whole) and the indices are positions in ``people``.
    """
    n = len(affinity) if people is None else len(people)
    k = max(1, min(k, n - 1))
    idx = np.empty((n, k), dtype=np.int64)
    val = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n)
        if people is None:
            block = affinity[start:stop]
        else:
            block = affinity[np.ix_(people[start:stop], people)]
        top = largest(block, k + 1)  # one extra: oneself may be among them
        # drop oneself, keep the order of the others (or the last when oneself is not there)
        others = top != np.arange(start, stop)[:, None]
        others[others.all(axis=1), -1] = False
        kept = top[others].reshape(len(top), k)
        idx[start:stop] = kept
        val[start:stop] = np.take_along_axis(block, kept, axis=1)
    return idx, val


def _kept(block: NDArray[np.floating], threshold: NDArray[np.floating]) -> NDArray[np.int64] | None:
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


def largest(block: NDArray[np.floating], k: int) -> NDArray[np.int64]:
    """Column indices of each row's ``k`` largest entries, best first, ties by column.

    The engine's one top-k selection: a sampled threshold on wide blocks, a partial sort
    otherwise.
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

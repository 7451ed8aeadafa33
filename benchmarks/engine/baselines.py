"""Reference methods and the common scoring that puts every method on the same scale.

Every method returns groups as lists of participant indices. Quality is always computed here from
the same affinity matrix, never taken from a method's own report, so PeerPear and the references
are judged alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from peerpear.engine import Problem

F32 = NDArray[np.float32]
Groups = list[list[int]]
LEADER_ROLES = ("big", "mentor")
# Candidate partners per person for the greedy pairs baseline; enough that leftovers are rare.
GREEDY_CANDIDATES = 30


@dataclass(frozen=True)
class Quality:
    mean: float
    min: float
    p10: float
    upper_bound: float
    gap: float
    total: float  # sum of pair affinities inside groups: the matching weight for pairs


def score(affinity: F32, groups: Groups) -> Quality:
    """Satisfaction = mean affinity to group mates; upper bound = best possible per person."""
    n = len(affinity)
    satisfaction = np.zeros(n)
    best = np.zeros(n)
    total = 0.0
    for group in groups:
        block = affinity[np.ix_(group, group)].astype(np.float64)
        mates = len(group) - 1
        satisfaction[group] = block.sum(axis=1) / mates
        total += float(np.triu(block, 1).sum())
        for person in group:
            row = np.delete(affinity[person], person)
            best[person] = np.partition(row, len(row) - mates)[-mates:].mean()
    ub = float(best.mean())
    mean = float(satisfaction.mean())
    return Quality(
        mean,
        float(satisfaction.min()),
        float(np.percentile(satisfaction, 10)),
        ub,
        ub - mean,
        total,
    )


def check_partition(problem: Problem, groups: Groups) -> None:
    """Every participant exactly once: a baseline that breaks this is not comparable."""
    seen = sorted(i for group in groups for i in group)
    if seen != list(range(len(problem.participants))):
        raise AssertionError("a method returned a grouping that is not a partition")


def size_plan(problem: Problem) -> list[int]:
    """Group sizes as DESIGN §3 wants them: target k, sizes differing by at most one."""
    n, k = len(problem.participants), problem.settings.target_size
    groups = max(1, n // k)
    base, extra = divmod(n, groups)
    return [base + (1 if g < extra else 0) for g in range(groups)]


def leaders_and_followers(problem: Problem) -> tuple[list[int], list[int]]:
    leaders = [i for i, p in enumerate(problem.participants) if p.role in LEADER_ROLES]
    followers = [i for i, p in enumerate(problem.participants) if p.role not in LEADER_ROLES]
    return leaders, followers


def random_grouping(problem: Problem, seed: int) -> Groups:
    """Shuffle and cut; in role modes, one leader per group and followers spread evenly."""
    rng = np.random.default_rng(seed)
    if problem.settings.mode in ("big_little", "mentor"):
        leaders, followers = leaders_and_followers(problem)
        shuffled = [int(i) for i in rng.permutation(followers)]
        chunks = np.array_split(np.asarray(shuffled), len(leaders))
        order = rng.permutation(leaders)
        return [[int(lead), *map(int, chunk)] for lead, chunk in zip(order, chunks, strict=True)]
    people = [int(i) for i in rng.permutation(len(problem.participants))]
    groups, start = [], 0
    for size in size_plan(problem):
        groups.append(people[start : start + size])
        start += size
    return groups


def greedy_pairs(affinity: F32) -> Groups:
    """Take the heaviest remaining candidate edge; an odd one out joins its best pair."""
    n = len(affinity)
    k = min(GREEDY_CANDIDATES, n - 1)
    candidates = np.argpartition(-affinity, k, axis=1)[:, :k]
    rows = np.repeat(np.arange(n), k)
    cols = candidates.ravel()
    weights = affinity[rows, cols]
    matched = np.full(n, -1)
    for e in np.argsort(-weights, kind="stable"):
        a, b = int(rows[e]), int(cols[e])
        if a != b and matched[a] < 0 and matched[b] < 0:
            matched[a], matched[b] = b, a
    left = [i for i in range(n) if matched[i] < 0]
    while len(left) >= 2:  # rare: people whose candidates were all taken
        a = left.pop(0)
        b = max(left, key=lambda j: affinity[a, j])
        left.remove(b)
        matched[a], matched[b] = b, a
    groups = [[i, int(matched[i])] for i in range(n) if i < matched[i]]
    if left:
        odd = left[0]
        best = max(range(len(groups)), key=lambda g: float(affinity[odd, groups[g]].mean()))
        groups[best].append(odd)
    return groups


def greedy_groups(problem: Problem, affinity: F32, seed: int) -> Groups:
    """Seed a group with a random free person, then add the free person closest to the group."""
    rng = np.random.default_rng(seed)
    n = len(affinity)
    free = np.ones(n, dtype=bool)
    if problem.settings.mode in ("big_little", "mentor"):
        leaders, followers = leaders_and_followers(problem)
        free[leaders] = False
        sizes = [len(c) for c in np.array_split(np.arange(len(followers)), len(leaders))]
        seeds = [int(i) for i in rng.permutation(leaders)]
    else:
        sizes = [size - 1 for size in size_plan(problem)]
        seeds = []
    order = iter(int(i) for i in rng.permutation(n))
    groups: Groups = []
    for g, extra in enumerate(sizes):
        if seeds:
            first = seeds[g]
        else:
            first = next(i for i in order if free[i])
            free[first] = False
        group = [first]
        pull = affinity[first].astype(np.float64)
        for _ in range(extra):
            masked = np.where(free, pull, -np.inf)
            pick = int(np.argmax(masked))
            free[pick] = False
            group.append(pick)
            pull += affinity[pick]
        groups.append(group)
    return groups

"""GEPA's merge: one program from two lineages, each predictor taken from the one that changed it.

Two candidates `i` and `j` on the Pareto frontier (`gepa_pareto.undominated`), neither an
ancestor of the other, with a common ancestor `a` whose mean valset score is at most both of
theirs, can be merged when some predictor kept `a`'s instruction in one of them and changed
it in the other. The merged program takes, per predictor, the instruction of the one that
changed it (`a`'s when neither did); when both changed it, that of the one with the higher
mean score (the earlier on a tie). A triple (i, j, a) is tried once, and a merge that gives
a program already in the pool is not tried. Up to `ATTEMPTS` pairs are drawn from the
frontier with the compile's `random.Random`; the ancestor is drawn weighted by its score.

The merged program is first scored on a few validation examples (`subsample`: as many where
`i` beats `j` as where `j` beats `i` and where they tie, as far as there are such examples),
and kept when its sum there is at least that of the better parent; then it is scored on the
rest of the valset like any new candidate.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

ATTEMPTS = 10
SUBSAMPLE = 5


@dataclass(frozen=True)
class Merge:
    """A merge to try: the two parents, their common ancestor and the merged instructions."""

    first: int
    second: int
    ancestor: int
    instructions: dict[str, str]


def ancestors(parents: Sequence[Sequence[int]], node: int) -> set[int]:
    """Every candidate `node` descends from."""
    found: set[int] = set()
    todo = list(parents[node])
    while todo:
        parent = todo.pop()
        if parent not in found:
            found.add(parent)
            todo.extend(parents[parent])
    return found


def find_merge(front: list[int], parents: Sequence[Sequence[int]], instructions: Sequence[dict[str, str]],
               means: Sequence[float], tried: set, rng: random.Random) -> Merge | None:
    """A merge of two frontier candidates not tried yet, or None (see the module docstring)."""
    if len(front) < 2 or len(instructions) < 3:
        return None
    known = {_key(texts) for texts in instructions}
    for _ in range(ATTEMPTS):
        first, second = sorted(rng.sample(front, 2))
        up_first, up_second = ancestors(parents, first), ancestors(parents, second)
        if first in up_second or second in up_first:
            continue
        common = sorted(a for a in up_first & up_second if (first, second, a) not in tried
                        and means[a] <= min(means[first], means[second])
                        and _worth_merging(instructions[a], instructions[first], instructions[second]))
        if not common:
            continue
        weights = [means[a] for a in common]
        ancestor = rng.choices(common, weights=weights if sum(weights) > 0 else None, k=1)[0]
        tried.add((first, second, ancestor))
        merged = _merged(instructions, means, first, second, ancestor)
        if _key(merged) not in known:
            return Merge(first, second, ancestor, merged)
    return None


def _worth_merging(ancestor: dict[str, str], first: dict[str, str], second: dict[str, str]) -> bool:
    """Some predictor kept the ancestor's instruction in one and changed it in the other."""
    return any(first[p] != second[p] and ancestor[p] in (first[p], second[p]) for p in ancestor)


def _merged(instructions: Sequence[dict[str, str]], means: Sequence[float], first: int, second: int,
            ancestor: int) -> dict[str, str]:
    base, a, b = instructions[ancestor], instructions[first], instructions[second]
    better = b if means[second] > means[first] else a
    out = {}
    for path, text in base.items():
        if a[path] == text:
            out[path] = b[path]
        elif b[path] == text:
            out[path] = a[path]
        else:
            out[path] = better[path]
    return out


def _key(texts: dict[str, str]) -> tuple:
    return tuple(sorted(texts.items()))


def subsample(first: dict[int, float], second: dict[int, float], rng: random.Random,
              size: int = SUBSAMPLE) -> list[int]:
    """Validation examples to try a merge on: evenly where the first parent is better, where the
    second is, and where they tie, topped up from the others; in a seeded random order."""
    shared = sorted(set(first) & set(second))
    groups = [[i for i in shared if first[i] > second[i]], [i for i in shared if first[i] < second[i]],
              [i for i in shared if first[i] == second[i]]]
    share = math.ceil(size / 3)
    chosen: list[int] = []
    for group in groups:
        chosen += rng.sample(group, min(share, len(group)))
    rest = [i for i in shared if i not in chosen]
    if len(chosen) < size and rest:
        chosen += rng.sample(rest, min(size - len(chosen), len(rest)))
    return chosen[:size]

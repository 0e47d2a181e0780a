"""GEPA's per-example Pareto frontier, and choosing the parent of the next proposal from it.

Every candidate in GEPA's pool is scored on each validation example. The frontier of an
example is the set of candidates with the best score on it. A candidate on no frontier is
never a parent; one on many frontiers is often one: a parent is drawn with a weight equal to
the number of examples whose frontier holds it (its *coverage*), after the dominated
candidates are left out. Candidate `y` is dominated when every frontier that holds it also
holds another candidate that is not dominated, so it is best nowhere on its own. Weaker
candidates (by mean score) are looked at first, as in the GEPA paper's Algorithm 2; among
candidates of equal mean the later is looked at first, so of two identical score rows the
earlier candidate stays.

All choices go through the `random.Random` given, in one thread, so the same seed gives the
same parents.
"""

from __future__ import annotations

import random
from collections.abc import Sequence


def mean(scores: dict[int, float]) -> float:
    return sum(scores.values()) / len(scores) if scores else 0.0


def frontiers(pool: Sequence[dict[int, float]]) -> dict[int, set[int]]:
    """Example index -> the candidates (positions in `pool`) with the best score on it."""
    best: dict[int, float] = {}
    holders: dict[int, set[int]] = {}
    for position, scores in enumerate(pool):
        for example, score in scores.items():
            if example not in best or score > best[example]:
                best[example], holders[example] = score, {position}
            elif score == best[example]:
                holders[example].add(position)
    return holders


def undominated(pool: Sequence[dict[int, float]]) -> list[int]:
    """The candidates on some frontier that are not dominated (see the module docstring), in order."""
    fronts = list(frontiers(pool).values())
    alive = sorted({c for front in fronts for c in front})
    for candidate in sorted(alive, key=lambda c: (mean(pool[c]), -c)):
        others = set(alive) - {candidate}
        holding = [front for front in fronts if candidate in front]
        if holding and all(front & others for front in holding):
            alive.remove(candidate)
    return alive


def coverage(pool: Sequence[dict[int, float]]) -> dict[int, int]:
    """Each undominated candidate -> on how many examples' frontiers it is."""
    alive = undominated(pool)
    counts = dict.fromkeys(alive, 0)
    for front in frontiers(pool).values():
        for candidate in front:
            if candidate in counts:
                counts[candidate] += 1
    return counts


def pick_parent(pool: Sequence[dict[int, float]], rng: random.Random) -> int:
    """A candidate drawn with weights equal to its coverage (the first when none is scored)."""
    counts = coverage(pool)
    if not counts:
        return 0
    ordered = sorted(counts)
    return rng.choices(ordered, weights=[counts[c] for c in ordered], k=1)[0]


def best_mean(pool: Sequence[dict[int, float]]) -> int:
    """The candidate with the highest mean score; the earliest among equals."""
    return max(range(len(pool)), key=lambda c: (mean(pool[c]), -c))

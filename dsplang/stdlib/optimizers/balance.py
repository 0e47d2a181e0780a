"""Label-balanced demos: `balance_by="field"` on the few-shot optimizers.

Small models copy the labels of their demos: with five demos of which three say `sport`,
SmolLM2-135M answers `sport` for almost every input (majority-label bias). Bootstrapping
makes it worse, because the examples the teacher gets right are mostly of the label it already
favours. `balance_by` names a field of the training examples (the label, such as `topic`);
demos are then spread evenly over its values:

- bootstrapping gives each value at most `ceil(max_bootstrapped_demos / values)` demos and
  does not run the teacher on an example whose value already has its share;
- labeled demos (the teacher's, and those that fill the student up to `max_labeled_demos`)
  are drawn so that every value has as many demos as possible before any has one more;
- the demos are put in round-robin order of the values, sorted (one demo of each value, then
  a second of each, ...; bootstrapped before labeled within a value), so that no value
  crowds the end of the prompt, where a small model looks most.

The values are those of the training set, compared by their text, so an enum member and its
name count as the same value. Not in DSPy; without `balance_by` nothing changes.
"""

from __future__ import annotations

import math
import random

from dsplang.errors import DspArgumentError, did_you_mean


def check_balance_by(balance_by, trainset: list, optimizer: str) -> None:
    """A clear error unless `balance_by` is None or a field every training example has."""
    if balance_by is None:
        return
    if not isinstance(balance_by, str) or not balance_by:
        raise DspArgumentError(f"{optimizer}: balance_by must be the name of a field of the training "
                               f"examples, got {balance_by!r}")
    for number, example in enumerate(trainset, start=1):
        names = list(example.keys())
        if balance_by not in names:
            raise DspArgumentError(f"{optimizer}: balance_by={balance_by!r}, but training example {number} "
                                   f"has no field {balance_by!r} (its fields: {', '.join(names)})",
                                   hint=did_you_mean(balance_by, names))


def label_of(example, balance_by: str) -> str:
    """The value an example is balanced by, as text (an enum member counts as its value)."""
    value = example[balance_by]
    return str(getattr(value, "value", value))


def share(needed: int, labels: list[str]) -> int:
    """How many bootstrapped demos one value may have: `needed` spread over the values of
    `labels` (the training examples' `label_of`)."""
    return math.ceil(needed / max(1, len(set(labels))))


def balanced_sample(rng: random.Random, pool: list, size: int, balance_by: str,
                    counts: dict[str, int] | None = None) -> list:
    """`size` examples of `pool`, drawn with `rng` and spread as evenly as possible over the
    values of `balance_by`, counting the demos already held (`counts`) as taken."""
    order = list(pool)
    rng.shuffle(order)
    queues = _by_value(order, balance_by)   # values in the order of their first appearance
    counts = dict(counts or {})
    chosen: list = []
    while len(chosen) < size and any(queues.values()):
        value = min((v for v, q in queues.items() if q), key=lambda v: counts.get(v, 0))
        chosen.append(queues[value].pop(0))
        counts[value] = counts.get(value, 0) + 1
    return chosen


def interleave(demos: list, balance_by: str) -> list:
    """`demos` in round-robin order of their `balance_by` values, sorted; stable within a value."""
    queues = _by_value(demos, balance_by)
    ordered: list = []
    for round_index in range(max((len(q) for q in queues.values()), default=0)):
        ordered.extend(queues[value][round_index] for value in sorted(queues)
                       if round_index < len(queues[value]))
    return ordered


def _by_value(items: list, balance_by: str) -> dict[str, list]:
    """`items` grouped by their `balance_by` value, in order, values in order of first appearance."""
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(label_of(item, balance_by), []).append(item)
    return groups

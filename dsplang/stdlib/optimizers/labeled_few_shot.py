"""LabeledFewShot: every predictor gets up to `k` training examples as demos, as they are."""

from __future__ import annotations

import random

from dsplang.stdlib import program as prog
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.optimizers.candidates import report_single


class LabeledFewShot(Optimizer):
    """`LabeledFewShot(k=16, sample=True)`: `k` demos per predictor, sampled with the seed
    (`sample=False`: the first `k`). Makes no LM calls, except to score on a valset if given.
    `metric=` is only used for that score."""

    def __init__(self, k: int = 16, *, sample: bool = True, metric=None, threads: int = 1, seed: int = 0,
                 verbose: bool = True, max_calls: int | None = None, max_cost: float | None = None) -> None:
        super().__init__(threads=threads, seed=seed, verbose=verbose, max_calls=max_calls, max_cost=max_cost)
        self.k = k
        self.sample = sample
        self.metric = metric

    def _compile(self, run, student, trainset, valset, teacher):
        compiled = labeled(student, trainset, self.k, sample=self.sample, seed=self.seed)
        report_single(run, f"{self.k} labeled demos", compiled, self.metric, valset, max_errors=10)
        return compiled


def labeled(student, trainset: list, k: int, *, sample: bool = True, seed: int = 0):
    """A demo-free copy of `student` whose predictors each hold up to `k` training examples.

    As DSPy: one `random.Random(seed)` draws a sample per predictor in path order.
    """
    compiled = prog.reset_copy(student)
    if not trainset:
        return compiled
    rng = random.Random(seed)
    size = min(k, len(trainset))
    for _, predictor in prog.named_predictors(compiled):
        predictor.demos = rng.sample(trainset, size) if sample else list(trainset[:size])
    return compiled

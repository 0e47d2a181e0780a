"""LabeledFewShot: every predictor gets up to `k` training examples as demos, as they are."""

from __future__ import annotations

import random

from dsplang.stdlib import program as prog
from dsplang.stdlib.optimizers.balance import balanced_sample, check_balance_by, interleave
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.optimizers.candidates import report_single
from dsplang.stdlib.optimizers.checks import FLAG, METRIC, NAME, Checker, optional, whole


class LabeledFewShot(Optimizer):
    """`LabeledFewShot(k=16, sample=True, balance_by=None)`: `k` demos per predictor, sampled
    with the seed (`sample=False`: the first `k`; `balance_by="field"`: spread evenly over that
    field's values). Makes no LM calls, except to score on a valset if given. `metric=` is only
    used for that score."""

    def __init__(self, k: int = 16, *, sample: bool = True, balance_by: str | None = None, metric=None,
                 threads: int = 1, num_threads: int | None = None, seed: int = 0,
                 verbose: bool = True, max_calls: int | None = None, max_cost: float | None = None) -> None:
        super().__init__(threads=threads, num_threads=num_threads, seed=seed, verbose=verbose,
                         max_calls=max_calls, max_cost=max_cost)
        check = Checker(self.name)
        self.k = check("k", k, whole(at_least=0), "16")
        self.sample = check("sample", sample, FLAG, "false")
        self.balance_by = check("balance_by", balance_by, optional(NAME), '"label"')
        self.metric = check("metric", metric, optional(METRIC))

    def _compile(self, run, student, trainset, valset, teacher):
        check_balance_by(self.balance_by, trainset, self.name)
        compiled = labeled(student, trainset, self.k, sample=self.sample, seed=self.seed,
                           balance_by=self.balance_by)
        report_single(run, f"{self.k} labeled demos", compiled, self.metric, valset, max_errors=10)
        return compiled


def labeled(student, trainset: list, k: int, *, sample: bool = True, seed: int = 0,
            balance_by: str | None = None):
    """A demo-free copy of `student` whose predictors each hold up to `k` training examples.

    As DSPy: one `random.Random(seed)` draws a sample per predictor in path order. With
    `balance_by`, the sample is spread evenly over that field's values (`sample` is ignored).
    """
    compiled = prog.reset_copy(student)
    if not trainset:
        return compiled
    rng = random.Random(seed)
    size = min(k, len(trainset))
    for _, predictor in prog.named_predictors(compiled):
        if balance_by is not None:
            predictor.demos = interleave(balanced_sample(rng, trainset, size, balance_by), balance_by)
        else:
            predictor.demos = rng.sample(trainset, size) if sample else list(trainset[:size])
    return compiled

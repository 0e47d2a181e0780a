"""BetterTogether: prompt optimization and fine-tuning, alternated (as DSPy's BetterTogether).

`strategy` is a sequence of steps separated by `->`: `p` runs the prompt optimizer on the
program so far, `w` runs the weight optimizer (BootstrapFinetune) with the program so far as
its own teacher, so the fine-tuned model learns the answers of the prompt-optimized program,
in its prompts (its demos stay). DSPy's default is `"p -> w -> p"`: demos for the base
model, weights tuned on that program's runs, then demos found again for the tuned model.

Before each step the training set is shuffled with `random.Random(seed + step)`, as DSPy.
The defaults are DSPy's: `BootstrapFewShotWithRandomSearch(metric=metric)` and
`BootstrapFinetune(metric=metric)`; pass `prompt_optimizer=`/`weight_optimizer=` to change
them. Each step reports as its optimizer does; the budget (`max_calls`, `max_cost`) covers
the whole run: a step starts only while some is left, and gets what is left.
"""

from __future__ import annotations

import copy
import random

from dsplang.errors import DspArgumentError
from dsplang.stdlib.finetune.trainer import keeping_models
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.optimizers.checks import METRIC, Checker, Rule, optional
from dsplang.stdlib.optimizers.finetune import BootstrapFinetune
from dsplang.stdlib.optimizers.random_search import BootstrapFewShotWithRandomSearch

STEPS = ("p", "w")


def _is_optimizer(value) -> bool:
    return isinstance(value, Optimizer)


OPTIMIZER = Rule("an optimizer", _is_optimizer, "for example: prompt_optimizer=BootstrapFewShot(metric=m)")


def parse_strategy(strategy: object, owner: str) -> tuple[str, ...]:
    """`"p -> w -> p"` as ("p", "w", "p"); a DspArgumentError for anything else."""
    steps = tuple(s.strip() for s in strategy.split("->")) if isinstance(strategy, str) else ()
    if not steps or any(s not in STEPS for s in steps):
        raise DspArgumentError(f"{owner}: strategy must be steps p (prompts) and w (weights) joined by "
                               f"->, got {strategy!r}", hint='for example: strategy="p -> w -> p"')
    return steps


class BetterTogether(Optimizer):
    """`BetterTogether(metric, prompt_optimizer=None, weight_optimizer=None, strategy="p -> w -> p")`
    plus the common settings (threads, seed, verbose, max_calls, max_cost)."""

    def __init__(self, metric, prompt_optimizer=None, weight_optimizer=None, strategy: str = "p -> w -> p", *,
                 threads: int = 1, num_threads: int | None = None, seed: int = 0, verbose: bool = True,
                 max_calls: int | None = None, max_cost: float | None = None) -> None:
        super().__init__(threads=threads, num_threads=num_threads, seed=seed, verbose=verbose,
                         max_calls=max_calls, max_cost=max_cost)
        check = Checker(self.name)
        self.metric = check("metric", metric, METRIC)
        self.prompt_optimizer = check("prompt_optimizer", prompt_optimizer, optional(OPTIMIZER))
        self.weight_optimizer = check("weight_optimizer", weight_optimizer, optional(OPTIMIZER))
        self.strategy = strategy
        self.steps = parse_strategy(strategy, self.name)

    def _compile(self, run, student, trainset, valset, teacher):
        with keeping_models():      # a second w step reuses the model the first read into torch
            return self._steps(run, student, trainset, valset)

    def _steps(self, run, student, trainset, valset):
        program = student
        for index, step in enumerate(self.steps):
            if run.out_of_budget():
                break
            data = list(trainset)
            random.Random(self.seed + index).shuffle(data)
            optimizer = self._optimizer(step, run)
            run.reporter.note(f"step {index + 1} of {len(self.steps)}: "
                              f"{'prompts' if step == 'p' else 'weights'} ({optimizer.name})")
            if step == "w":
                program = optimizer.compile(program, trainset=data, teacher=program)
            else:
                program = optimizer.compile(program, trainset=data, valset=valset)
            if optimizer.report is not None and optimizer.report.stopped:
                run.report.stopped = optimizer.report.stopped
        return program

    def _given(self, step: str) -> Optimizer:
        """The optimizer of a p or w step: the one given, or DSPy's default."""
        given = self.prompt_optimizer if step == "p" else self.weight_optimizer
        if given is None:
            cls = BootstrapFewShotWithRandomSearch if step == "p" else BootstrapFinetune
            given = cls(metric=self.metric, seed=self.seed, verbose=self.verbose)
        return given

    def empty_result(self, student, trainset: list):
        """The shape the steps give (a KNNFewShot step gives a KNN program), to load an artifact into."""
        program = student
        for step in self.steps:
            program = self._given(step).empty_result(program, trainset)
        return program

    def _optimizer(self, step: str, run) -> Optimizer:
        """The step's optimizer, with what is left of the budget and this run's threads."""
        given = copy.copy(self._given(step))          # the caller's optimizer keeps its own settings
        calls, cost = run.budget.ledger().spent()
        if self.max_calls is not None:
            left = self.max_calls - calls
            given.max_calls = left if given.max_calls is None else min(given.max_calls, left)
        if self.max_cost is not None:
            left_cost = self.max_cost - cost
            given.max_cost = left_cost if given.max_cost is None else min(given.max_cost, left_cost)
        given.threads = max(given.threads, self.threads)
        return given

    def settings(self) -> dict:
        """As every optimizer's, with the step optimizers' own settings (the reuse key needs them)."""
        out = super().settings()
        for name in ("prompt_optimizer", "weight_optimizer"):
            given = getattr(self, name)
            if given is not None:
                out[name] = {"name": given.name, "settings": given.settings()}
        return out

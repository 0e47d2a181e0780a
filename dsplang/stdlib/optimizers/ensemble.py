"""Ensemble: one program that runs several programs and combines their predictions.

`compile team = [qa1, qa2, qa3] with Ensemble() on train` (the training set is not used).
Each call runs every program (or, with `size=N`, N of them drawn from a seed-derived
generator keyed by the call's inputs, so the same inputs pick the same programs in any
thread) and returns `reduce_fn(predictions)`; `reduce_fn=majority` by default
(`reduce_fn=none` returns the list of predictions, as DSPy's default does).
"""

from __future__ import annotations

import hashlib
import random

from dsplang.errors import DspArgumentError, DspTypeError, Span
from dsplang.interpreter.values import DspCallable
from dsplang.lm.cache import canonical_json
from dsplang.stdlib import program as prog
from dsplang.stdlib.modules.majority import majority
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.optimizers.candidates import report_single
from dsplang.stdlib.optimizers.checks import METRIC, Checker, callable_with, optional, whole

_DEFAULT = object()
REDUCE_FN = callable_with(1, text="a function taking the list of predictions",
                          hint="for example: reduce_fn=majority (the default), or none for the list of predictions")


class Ensemble(Optimizer):
    """`Ensemble(reduce_fn=majority, size=None, metric=None)` plus the common settings;
    `metric=` only scores the ensemble on a valset for the report."""

    def __init__(self, *, reduce_fn=_DEFAULT, size: int | None = None, metric=None, threads: int = 1,
                 num_threads: int | None = None, seed: int = 0, verbose: bool = True, max_calls: int | None = None,
                 max_cost: float | None = None) -> None:
        super().__init__(threads=threads, num_threads=num_threads, seed=seed, verbose=verbose,
                         max_calls=max_calls, max_cost=max_cost)
        if reduce_fn is _DEFAULT:
            reduce_fn = majority
        check = Checker(self.name)
        self.reduce_fn = check("reduce_fn", reduce_fn, optional(REDUCE_FN))
        self.size = check("size", size, optional(whole(at_least=1)), "3")
        self.metric = check("metric", metric, optional(METRIC))

    def compile(self, programs, *, trainset=(), valset=None, teacher=None):
        """The ensemble of copies of `programs` (a list)."""
        team = EnsembledProgram([prog.clone(p) for p in self._programs(programs)], self.reduce_fn, self.size,
                                self.seed)
        return super().compile(team, trainset=list(trainset), valset=valset, teacher=teacher)

    def _compile(self, run, team, trainset, valset, teacher):
        report_single(run, f"ensemble of {len(team.programs)}", team, self.metric, valset, max_errors=10)
        return team

    def _needs_trainset(self, valset) -> bool:
        return False                      # the training set is not used

    def empty_result(self, programs, trainset: list):
        return EnsembledProgram([prog.reset_copy(p) for p in self._programs(programs)], self.reduce_fn,
                                self.size, self.seed)

    def _programs(self, programs) -> list:
        """`programs` as a list, refused when `size` asks for more programs than it holds."""
        programs = _as_list(programs)
        if self.size is not None and self.size > len(programs):
            raise DspArgumentError(f"Ensemble: size={self.size}, but the ensemble has only "
                                   f"{len(programs)} program{'' if len(programs) == 1 else 's'}",
                                   hint=f"size= picks that many programs per call; use at most {len(programs)}, "
                                        "or leave it out to run them all")
        return programs


class EnsembledProgram(DspCallable):
    """The program Ensemble returns; its predictors are `programs[i].PATH`."""

    def __init__(self, programs: list, reduce_fn, size: int | None, seed: int) -> None:
        self.programs = programs
        self.reduce_fn = reduce_fn
        self.size = size
        self.seed = seed

    def named_predictors(self) -> list[tuple[str, object]]:
        return [(f"programs[{i}].{path}", p) for i, program in enumerate(self.programs)
                for path, p in prog.named_predictors(program)]

    def compiled_state(self) -> dict:
        """What decides its answers besides its predictors' parameters (see `describe_setting`)."""
        return {"programs": self.programs, "reduce_fn": self.reduce_fn, "size": self.size, "seed": self.seed}

    def clone(self) -> EnsembledProgram:
        return EnsembledProgram([prog.clone(p) for p in self.programs], self.reduce_fn, self.size, self.seed)

    def call(self, args: tuple, kwargs: dict, span: Span | None):
        chosen = self._choose(kwargs)
        outputs = [prog.call(p, *args, **kwargs) for p in chosen]
        if self.reduce_fn is None:
            return outputs
        return prog.call(self.reduce_fn, outputs)

    def _choose(self, inputs: dict) -> list:
        if self.size is None or self.size >= len(self.programs):
            return list(self.programs)
        digest = hashlib.sha256(canonical_json([self.seed, inputs]).encode("utf-8")).hexdigest()
        return random.Random(int(digest[:16], 16)).sample(self.programs, self.size)

    def __repr__(self) -> str:
        return f"<Ensemble of {len(self.programs)} programs>"


def _as_list(programs) -> list:
    if not isinstance(programs, (list, tuple)) or not programs:
        raise DspTypeError("Ensemble compiles a non-empty list of programs",
                           hint="for example: compile team = [qa1, qa2] with Ensemble() on train")
    return list(programs)

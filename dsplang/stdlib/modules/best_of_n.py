"""BestOfN: run a program up to N times and keep the answer a reward function likes best.

`BestOfN(module, N, reward_fn, threshold, fail_count=none)` (`reward=` is accepted for
`reward_fn`). Each try runs the module with its own `rollout_id` (0, 1, ...) and at
temperature 1.0, given to every predictor call inside as LM request parameters (a
predictor's own config still wins), so tries are distinct requests and distinct cache
entries. `reward_fn(args, pred)` gets the call's keyword arguments as a dict and the
prediction, and returns a number or a bool. The first prediction whose reward reaches
`threshold` is returned at once; otherwise the best one (the first of equal rewards).
`threshold=none` runs all N tries.

A try that raises counts as a failure; at `fail_count` failures (default N) the error is
raised. Every try's predictor calls are in the trace.
"""

from __future__ import annotations

import numbers
from typing import Any

from dsplang.context import trace
from dsplang.errors import DspArgumentError, DspTypeError, Span, a_type
from dsplang.interpreter.calls import call_value
from dsplang.interpreter.values import DspCallable, Learnable
from dsplang.stdlib.modules.predict import current_try, trying
from dsplang.stdlib.prediction import Prediction

TRY_TEMPERATURE = 1.0


class BestOfN(DspCallable):
    """`BestOfN(module, N, reward_fn, threshold, fail_count=none)`; see the module docstring."""

    kind = "BestOfN"

    def __init__(self, module, N: int, reward_fn=None, threshold: float | None = None,  # noqa: N803
                 fail_count: int | None = None, *, reward=None):
        if not callable(module):
            raise DspTypeError(f"{self.kind}: the module must be callable, got {a_type(module)}")
        if not isinstance(N, int) or isinstance(N, bool) or N < 1:
            raise DspArgumentError(f"{self.kind}: N must be a whole number of at least 1, got {N!r}")
        if reward_fn is not None and reward is not None:
            raise DspArgumentError(f"{self.kind}: give reward_fn= or reward=, not both")
        reward_fn = reward_fn if reward_fn is not None else reward
        if not callable(reward_fn):
            raise DspArgumentError(f"{self.kind} needs a reward function",
                                   hint=f"e.g. {self.kind}(qa, N=3, reward_fn=my_reward, threshold=1.0)")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, numbers.Real)):
            raise DspArgumentError(f"{self.kind}: threshold must be a number, got {threshold!r}")
        if fail_count is not None and (not isinstance(fail_count, int) or fail_count < 1):
            raise DspArgumentError(f"{self.kind}: fail_count must be a whole number of at least 1")
        self.module = module
        self.N = N
        self.reward_fn = reward_fn
        self.threshold = threshold
        self.fail_count = fail_count if fail_count is not None else N

    # ---------------------------------------------------------- learnable state

    def named_predictors(self) -> list[tuple[str, Any]]:
        return [(f"module.{name}" if name != "module" else name, p)
                for name, p in program_predictors(self.module, "module")]

    def set_path_hint(self, path: str) -> None:
        hint = getattr(self.module, "set_path_hint", None)
        if hint is not None and not isinstance(self.module, type):
            hint(f"{path}.module")

    def clone(self):
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        clone = getattr(self.module, "clone", None)
        if callable(clone) and not isinstance(self.module, type):
            new.module = clone()
        return new

    # ---------------------------------------------------------- calling

    def call(self, args: tuple, kwargs: dict, span: Span | None):
        if args:
            raise DspArgumentError(f"{self.kind} takes the program's inputs as keyword arguments", span)
        return self.forward(dict(kwargs), span)

    def forward(self, kwargs: dict, span: Span | None) -> Prediction:
        outer = current_try()[0].get("rollout_id")
        best, best_reward, failures = None, float("-inf"), 0
        hints: dict = {}
        for index in range(self.N):
            rollout_id = index if outer is None else f"{outer}.{index}"  # nested tries stay distinct
            try:
                pred, calls = self._one_try(kwargs, rollout_id, hints, span)
                value = call_value(self.reward_fn, (dict(kwargs), pred), {}, span)
            except Exception:
                failures += 1
                if failures >= self.fail_count or (index == self.N - 1 and best is None):
                    raise
                continue
            reward = self._as_reward(value, span)
            if reward > best_reward:
                best, best_reward = pred, reward
            if self.threshold is not None and reward >= self.threshold:
                break
            if index < self.N - 1:
                hints = self.next_hints(kwargs, pred, reward, calls, span)
        return best

    def _one_try(self, kwargs: dict, rollout_id: Any, hints: dict, span: Span | None):
        """The module's prediction for one try, and the predictor calls it made."""
        request = {"rollout_id": rollout_id, "temperature": TRY_TEMPERATURE}
        with trying(request, hints), trace.collecting() as collected:
            pred = call_value(self.module, (), dict(kwargs), span)
        return pred, collected.predictor_calls()

    def _as_reward(self, value: Any, span: Span | None) -> float:
        if isinstance(value, (Prediction, dict)) and "score" in value:
            value = value["score"]
        if not isinstance(value, numbers.Real):
            name = getattr(self.reward_fn, "__name__", "the reward function")
            raise DspTypeError(f"{self.kind}: {name} returned {a_type(value)}; "
                               "a reward must be a number or a bool", span)
        return float(value)

    def next_hints(self, kwargs: dict, pred, reward: float, calls: list, span: Span | None) -> dict:
        """Hints by predictor id for the next try (BestOfN gives none; Refine gives advice)."""
        return {}

    def __repr__(self) -> str:
        return f"{self.kind}({self.module!r}, N={self.N}, threshold={self.threshold})"


def program_predictors(program, name: str = "self") -> list[tuple[str, Any]]:
    """The predictors of a module, predictor or wrapper, with their paths; a bare predictor is `name`."""
    if isinstance(program, Learnable):
        return [(name, program)]
    found = getattr(program, "named_predictors", None)
    if callable(found) and not isinstance(program, type):
        return list(found())
    return []


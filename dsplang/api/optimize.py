"""`evaluate` and `compile` from Python: what the `evaluate(...)` builtin and the `compile`
statement do, on Python values.

`compile` runs the optimizer on the program and returns the compiled copy; unlike the
statement it keeps no build-folder file (save the result with `pickle`, or run a .dsp file
with a `compile` statement to get the cached artifact).
"""

from __future__ import annotations

from typing import Any

from dsplang.errors import DspArgumentError, DspTypeError, a_type
from dsplang.stdlib import evaluate as _evaluate
from dsplang.stdlib import program as prog
from dsplang.stdlib.evaluate import EvaluationResult

__all__ = ["evaluate", "compile"]


def evaluate(program: Any, data: Any, metric: Any = None, *, threads: int | None = None,
             num_threads: int | None = None, **options: Any) -> EvaluationResult:
    """Run `program` on each Example of `data`, score it with `metric(example, prediction)`.

    `threads` (DSPy's `num_threads` is accepted too) runs examples in parallel; the other
    options are the builtin's: `display_progress`, `max_errors`, `failure_score`,
    `display_table`, `concurrency`, `backend` ("ray": on a Ray cluster's workers, `threads`
    each; docs/scale.md). The result has `.score` (0-100), `.results`, `.errors`,
    `.to_records()` (rows for a DataFrame) and an HTML view in notebooks."""
    if threads is not None and num_threads is not None and threads != num_threads:
        raise DspArgumentError("evaluate(): give threads= or num_threads=, not both")
    count = threads if threads is not None else num_threads if num_threads is not None else 1
    return _evaluate.evaluate(program, data, metric, threads=count, **options)


def compile(program: Any, optimizer: Any, *, trainset: Any, valset: Any = None) -> Any:  # noqa: A001
    """The program compiled by `optimizer` on `trainset` (a copy; `program` is unchanged)."""
    if isinstance(optimizer, type) and hasattr(optimizer, "empty_result"):
        raise DspTypeError(f"compile() needs an optimizer, not the class {optimizer.__name__} itself",
                           hint=f"call it: {optimizer.__name__}(...)")
    if not callable(getattr(optimizer, "compile", None)) or not hasattr(optimizer, "empty_result"):
        raise DspTypeError(f"compile() needs an optimizer, not {a_type(optimizer)}",
                           hint="for example: dsplang.compile(program, dsplang.BootstrapFewShot(metric=m), "
                                "trainset=train)")
    prog.named_predictors(program)          # a program (module instance or predictor), or a clear error
    prog.check_examples(trainset, "trainset")
    if valset is not None:
        prog.check_examples(valset, "valset")
    return optimizer.compile(program, trainset=list(trainset), valset=list(valset) if valset is not None else None)

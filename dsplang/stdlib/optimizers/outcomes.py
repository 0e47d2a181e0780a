"""What a compile's runs on examples came to, and the error when none of them worked.

Optimizers run the program on examples (bootstrapping a trace, scoring a candidate) and call
the metric on each prediction. `Outcomes` counts, for one compile, the examples run and those
that failed, and apart from them the metric's calls and failures. `Optimizer.compile` asks
`error(...)` when the compile ends, and when one of its steps stopped with an error (such as
`max_errors`): a compile whose metric failed on every example it was given, whose every LM
call failed, or whose every example failed is that error, naming the cause — never a program
chosen with a score of 0%.
"""

from __future__ import annotations

import threading

from dsplang.errors import DspError, DspLMError, DspRuntimeError
from dsplang.stdlib.optimizers.report import plural
from dsplang.stdlib.program import MetricError


class Outcomes:
    """The counts of one compile (shared by its steps and threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.ran = 0
        self.failed = 0
        self.first: tuple[tuple, str, Exception] | None = None     # (order, which example, its error)
        self.metric_ok = 0
        self.metric_failed = 0
        self.first_metric: tuple[tuple, MetricError] | None = None

    def ok(self, metric_called: bool = True) -> None:
        """An example ran to the end (and the metric, when it was called, gave a value)."""
        with self._lock:
            self.ran += 1
            self.metric_ok += metric_called

    def failure(self, dataset: str, index: int, error: Exception) -> None:
        """Example `index` (0-based) of the "training" or "validation" data failed: in the
        program, or (a MetricError) in the metric. The first kept is the earliest by data and
        index, whatever order threads finish in."""
        order = (dataset != "training", index)
        with self._lock:
            self.ran += 1
            self.failed += 1
            if self.first is None or order < self.first[0]:
                self.first = (order, f"{dataset} example {index + 1}", error)
            if isinstance(error, MetricError):
                self.metric_failed += 1
                if self.first_metric is None or order < self.first_metric[0]:
                    self.first_metric = (order, error)

    def error(self, optimizer: str, tracker) -> DspError | None:
        """The error the compile ends with, or None when something worked (see the module docstring)."""
        if self.metric_failed and not self.metric_ok:
            return self.first_metric[1].everywhere(self.metric_failed, optimizer)
        if tracker.failed_calls and not tracker.calls:
            first = tracker.first_failure
            error = DspLMError(f"{optimizer}: every LM call of the compile failed "
                               f"({plural(tracker.failed_calls, 'call')}); the first: "
                               f"{getattr(first, 'message', first)}", hint=getattr(first, "hint", None))
            error.__cause__ = first
            return error
        if self.ran and self.failed == self.ran:
            _, where, first = self.first
            shown = str(first) if isinstance(first, DspError) else f"{type(first).__name__}: {first}"
            error = DspRuntimeError(f"{optimizer}: every example the compile ran failed "
                                    f"({plural(self.ran, 'example')}); the first, {where}: {shown}",
                                    hint="fix the cause and compile again")
            error.__cause__ = first
            return error
        return None

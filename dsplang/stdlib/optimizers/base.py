"""The base of every optimizer: settings, budgets, progress, the compile report, concurrency.

A subclass implements `_compile(run, student, trainset, valset, teacher)` and returns the
compiled program (a copy; the student is never changed). `Optimizer.compile` wraps it:
it checks the data, counts LM usage with `usage.track()`, gives `_compile` a `CompileRun`
(budget checks, the thread pool, the reporter) and prints the report at the end.

Settings every optimizer takes: `threads=1` (work done at once; DSPy's `num_threads` is the same
setting, `stdlib.thread_count`), `seed=0` (all randomness
comes from it), `verbose=True` (progress and report on stderr), `max_calls=None` and
`max_cost=None` (a budget: when reached, the search stops cleanly with the best program so far).

A compile is a span (`context/spans.py`): each phase the optimizer reports (`reporter.phase`)
is a span under it, and the calls made in a phase are its children, stamped with the phase's
text; `CandidateScorer` puts each candidate's run on an example in a span of its own.
"""

from __future__ import annotations

import copy
import inspect
import time
from collections.abc import Callable
from typing import Any

from dsplang.analysis import messages
from dsplang.context import spans
from dsplang.context.run import SpanContext
from dsplang.errors import DspArgumentError, DspError, DspValueError
from dsplang.interpreter.values import Function, Learnable, ModuleInstance
from dsplang.lm import usage
from dsplang.lm.cache import canonical_json
from dsplang.stdlib import program as prog
from dsplang.stdlib.optimizers.budget import Budget
from dsplang.stdlib.optimizers.checks import FLAG, Checker, number, optional, whole
from dsplang.stdlib.optimizers.outcomes import Outcomes
from dsplang.stdlib.optimizers.report import CompileReport, Reporter
from dsplang.stdlib.parallel_runner import RunResult
from dsplang.stdlib.program import lm_settings, program_state
from dsplang.stdlib.thread_count import thread_count

# Settings that change how a compile runs but never what it produces.
_NOT_RESULT_SETTINGS = frozenset({"threads", "num_threads", "verbose"})


class PhaseReporter(Reporter):
    """The compile's Reporter: each phase it starts is also a span, under the compile's, that
    the work of the phase runs in (made in the compiling thread, as phases are)."""

    def __init__(self, name: str, verbose: bool, tracker, compile_span: SpanContext) -> None:
        super().__init__(name, verbose, tracker)
        self._compile = compile_span
        self._phase: spans.Opened | None = None

    def phase(self, text: str, total: int | None = None) -> None:
        self._end_phase()
        self._phase = spans.enter_span("phase", text, parent=self._compile, phase=text,
                                       attributes={} if total is None else {"dsp.phase.units": total})
        super().phase(text, total)

    def close(self) -> None:
        self._end_phase()
        super().close()

    def _end_phase(self) -> None:
        if self._phase is not None:
            phase, self._phase = self._phase, None
            spans.finish(phase)
            spans.enter(self._compile)      # what comes after the phase is the compile's


class CompileRun:
    """What one compile shares between its steps: budget, threads, reporter, report."""

    def __init__(self, optimizer: Optimizer, tracker, reporter: Reporter, report: CompileReport) -> None:
        self.budget = Budget(tracker, optimizer.max_calls, optimizer.max_cost)
        self.threads = optimizer.threads
        self.reporter = reporter
        self.report = report
        self.outcomes = Outcomes()

    def out_of_budget(self) -> bool:
        """True once the budget is used up (and the report says so)."""
        reason = self.budget.exhausted()
        if reason and not self.report.stopped:
            self.report.stopped = reason
            self.reporter.note(f"stopping: {reason}")
        return reason is not None

    def quiet(self, sharing: int) -> CompileRun:
        """A copy for work done `sharing` at a time inside one unit (each candidate's bootstrap):
        the threads are shared out, and it reports nothing of its own."""
        inner = copy.copy(self)
        inner.threads = max(1, self.threads // max(1, sharing))
        inner.reporter = Reporter(self.reporter.name, False, self.reporter.tracker)
        return inner

    def parallel_all(self, fn: Callable[[Any], Any], items: list) -> list:
        """`parallel`, then the values; the error of the first failed item (in input order) is raised."""
        result = self.parallel(fn, items)
        if result.errors:
            raise result.errors[min(result.errors)]
        return result.values

    def parallel(self, fn: Callable[[Any], Any], items: list, *, max_errors: int | None = None) -> RunResult:
        """`run_parallel` on this compile's threads, advancing the progress bar; Ctrl-C re-raised.
        With a budget, the units count against it in input order (`budget.py`)."""
        result = self.budget.run_units(fn, items, threads=self.threads, max_errors=max_errors,
                                       on_done=lambda index, res: self.reporter.advance())
        if result.interrupted:
            raise KeyboardInterrupt
        return result


class Optimizer:
    """Base class; see the module docstring. After `compile`, `.report` holds the CompileReport."""

    def __new__(cls, *args, **kwargs):
        # Check the arguments here so a mistake is a dsplang error with a hint, not a Python TypeError.
        params = inspect.signature(cls.__init__).parameters
        names = [n for n in params if n != "self"]
        for key in kwargs:
            if key not in params:
                message, hint = messages.unknown_keyword(cls.__name__, key, names)  # `dsp check` says it too
                raise DspArgumentError(message, hint=hint)
        try:
            inspect.signature(cls.__init__).bind(None, *args, **kwargs)
        except TypeError as err:
            raise DspArgumentError(f"{cls.__name__}(): {err}", hint="its parameters are: " + ", ".join(names)) from None
        return super().__new__(cls)

    def __init__(self, *, threads: int = 1, num_threads: int | None = None, seed: int = 0, verbose: bool = True,
                 max_calls: int | None = None, max_cost: float | None = None) -> None:
        check = Checker(self.name)
        num_threads = check("num_threads", num_threads, optional(whole(at_least=1)), "4")
        threads = thread_count(threads, num_threads, f"{self.name}()")
        self.threads = check("threads", threads, whole(at_least=1), "4")
        self.seed = check("seed", seed, whole(), "0")
        self.verbose = check("verbose", verbose, FLAG, "false")
        self.max_calls = check("max_calls", max_calls, optional(whole(at_least=1)), "200")
        self.max_cost = check("max_cost", max_cost, optional(number(above=0)), "0.5")
        self.report: CompileReport | None = None

    @property
    def name(self) -> str:
        return type(self).__name__

    # ---------------------------------------------------------- compiling

    def compile(self, student, *, trainset, valset=None, teacher=None):
        """The compiled copy of `student` (which is left untouched)."""
        prog.check_program(student)
        trainset = prog.check_examples(trainset, "trainset")
        valset = prog.check_examples(valset, "valset") if valset is not None else None
        self._check_data(trainset, valset)
        report = CompileReport(self.name, prog.describe(student), valset_size=len(valset or []))
        with spans.opened("compile", self.name, phase=None, candidate=None,
                          attributes={"dsp.optimizer": self.name, "dsp.program": report.program,
                                      "dsp.trainset": len(trainset)}) as opened:
            compiled, run, tracker = self._compile_in_span(opened.context, report, student, trainset, valset,
                                                           teacher)
            self.report = report
            failed = run.outcomes.error(self.name, tracker)
            if failed is not None:
                raise failed
            run.reporter.finish(report)
            opened.record.attributes.update(_report_attributes(report))
        _warn_unpriced(self.max_cost, tracker)
        return compiled

    def _compile_in_span(self, compile_span: SpanContext, report: CompileReport, student, trainset: list,
                         valset: list | None, teacher):
        started = time.perf_counter()
        with usage.track() as tracker:
            reporter = PhaseReporter(self.name, self.verbose, tracker, compile_span)
            run = CompileRun(self, tracker, reporter, report)
            try:
                compiled = self._compile(run, student, trainset, valset, teacher)
            except DspError as err:
                failed = run.outcomes.error(self.name, tracker)
                if failed is None or failed is err:
                    raise
                raise failed from failed.__cause__
            finally:
                report.usage = tracker.to_dict()
                report.usage.pop("latency", None)
                report.wall_time = time.perf_counter() - started
                reporter.close()
        return compiled, run, tracker

    def _compile(self, run: CompileRun, student, trainset: list, valset: list | None, teacher):
        raise NotImplementedError

    def _check_data(self, trainset: list, valset: list | None) -> None:
        """Refuse data the optimizer cannot work with, before any LM call: an empty trainset
        (unless `_needs_trainset` says it is not used) or a valset given empty."""
        if not trainset and self._needs_trainset(valset):
            raise DspValueError(f"{self.name}: the trainset is empty, so there is nothing to learn from",
                                hint='compile on a list of Examples, e.g. load("train.jsonl", inputs=["question"])')
        if valset is not None and not valset:
            raise DspValueError(f"{self.name}: the valset is empty",
                                hint="leave out `valset ...` to compile without one")

    def _needs_trainset(self, valset: list | None) -> bool:
        """Whether this compile uses the trainset `compile` is given (most optimizers do)."""
        return True

    def empty_result(self, student, trainset: list):
        """An uncompiled program of the shape `compile` returns, to load a saved artifact into."""
        return prog.reset_copy(student)

    # ---------------------------------------------------------- describing

    def settings(self) -> dict:
        """The settings that decide the result, as JSON (saved in artifacts; part of the reuse key)."""
        out = {}
        for name in inspect.signature(type(self).__init__).parameters:
            if name in ("self", "kwargs") or name in _NOT_RESULT_SETTINGS:
                continue
            out[name] = describe_setting(getattr(self, name, None))
        return out

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.settings().items() if v is not None)
        return f"{self.name}({shown})"


def _report_attributes(report: CompileReport) -> dict[str, Any]:
    """What the compile span carries of its report: the candidates tried and the best score."""
    out: dict[str, Any] = {"dsp.candidates": len(report.rows)}
    if report.best_score is not None:
        out["dsp.best_score"] = report.best_score
    if report.stopped:
        out["dsp.stopped"] = report.stopped
    return out


def _warn_unpriced(max_cost: float | None, tracker) -> None:
    """max_cost counts only calls with a known price; say so when some had none."""
    unpriced = tracker.calls - tracker.cache_hits - tracker.priced_calls
    if max_cost is not None and unpriced > 0:
        import warnings
        warnings.warn(f"max_cost={max_cost} could not count {unpriced} LM call{'s' if unpriced > 1 else ''} "
                      "with no known price (litellm has none for the model); use max_calls= to bound them",
                      stacklevel=3)


def describe_setting(value) -> Any:
    """A setting as JSON: functions by name and source hash, programs and data by hash."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): describe_setting(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if value and all(hasattr(v, "input_keys") for v in value):
            return {"examples": len(value), "hash": prog.data_hash(value)}
        return [describe_setting(v) for v in value]
    if isinstance(value, (ModuleInstance, Learnable)) or hasattr(value, "named_predictors"):
        described = {"program": prog.describe(value), "source_hash": prog.source_hash(value),
                     "parameters_hash": prog.sha256(canonical_json(program_state(value)))}
        # what else decides a compiled program's behaviour (a KNN program's pool, an ensemble's programs)
        state = getattr(value, "compiled_state", None)
        if callable(state):
            described["compiled_state"] = describe_setting(state())
        return described
    if hasattr(value, "model") and hasattr(value, "kwargs"):
        return {"lm": lm_settings(value)}
    if isinstance(value, Function):
        return {"function": value.name, "source_hash": prog.function_source_hash(value)}
    if callable(value):
        return {"function": getattr(value, "__qualname__", None) or type(value).__name__,
                "module": getattr(value, "__module__", None)}
    return {"object": type(value).__name__}

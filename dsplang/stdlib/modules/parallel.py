"""Parallel and batch: run programs on many inputs at once, results in input order.

`Parallel(num_threads=8, max_errors=none)` (or `threads=8`) is called with a list of `(module, inputs)`
pairs; `inputs` is a dict or an Example (its marked inputs, or all its fields when none
are marked) given as keyword arguments, or a list/tuple given as positional ones.
`batch(program, inputs, threads=8, max_errors=none)` runs one program over a list of input
dicts or Examples. Both run through the shared thread pool (`parallel_runner`): each call
sees the caller's LM and traces, a provider 429 slows the pool down, Ctrl-C stops it.
`Parallel(concurrency=N)` and `batch(..., concurrency=N)` run up to N calls at once as async
calls on one event loop instead (`async_runner`: no thread per call in flight), with the same
guarantees. The two engines are exclusive: a thread count and `concurrency=` together are an
error, as in `evaluate`.

A call that fails leaves `none` in its place; at `max_errors` failures (none: no cap)
the run stops with an error quoting the first failure. With
`return_failed_examples=true` the result is `[results, failed_items, errors]`.
"""

from __future__ import annotations

from typing import Any

from dsplang.errors import DspArgumentError, DspTypeError, Span, a_type
from dsplang.interpreter.calls import call_value
from dsplang.interpreter.values import DspCallable
from dsplang.stdlib.async_runner import check_concurrency, run_concurrent
from dsplang.stdlib.example import Example
from dsplang.stdlib.parallel_runner import RunResult, TooManyErrors, run_parallel
from dsplang.stdlib.prediction import Prediction
from dsplang.stdlib.thread_count import thread_count

DEFAULT_THREADS = 8


class Parallel(DspCallable):
    """`Parallel(num_threads=8, max_errors=none, return_failed_examples=false)` or
    `Parallel(concurrency=N, ...)`; call it with pairs (and, to change the engine for that call,
    `num_threads=`/`threads=` or `concurrency=`)."""

    def __init__(self, num_threads: int | None = None, max_errors: int | None = None,
                 return_failed_examples: bool = False, *, threads: int | None = None,
                 concurrency: int | None = None):
        given, self.concurrency = engine(threads, num_threads, concurrency, "Parallel()")
        self.num_threads = DEFAULT_THREADS if given is None else given
        self.max_errors = max_errors
        self.return_failed_examples = bool(return_failed_examples)

    def call(self, args: tuple, kwargs: dict, span: Span | None):
        kwargs = dict(kwargs)
        pairs = args[0] if len(args) == 1 else kwargs.pop("exec_pairs", None)
        if pairs is None or len(args) > 1:
            raise DspArgumentError("Parallel is called with one list of (module, inputs) pairs", span,
                                   hint="e.g. Parallel(num_threads=4)([(qa, {\"question\": q}) for q in questions])")
        threads, concurrency = engine(kwargs.pop("threads", None), kwargs.pop("num_threads", None),
                                      kwargs.pop("concurrency", None), "Parallel", span)
        if threads is None and concurrency is None:      # the call names no engine: the instance's
            threads, concurrency = self.num_threads, self.concurrency
        if kwargs:
            raise DspArgumentError(f"Parallel got an unknown keyword argument {next(iter(kwargs))!r}", span,
                                   hint="it takes the pairs and num_threads= (or threads=) or concurrency=")
        items = [_pair(item, i, span) for i, item in enumerate(_as_list(pairs, "pairs", span))]
        return run_items(items, pairs, DEFAULT_THREADS if threads is None else threads, self.max_errors,
                         self.return_failed_examples,
                         "Parallel", span, concurrency)

    def __repr__(self) -> str:
        if self.concurrency is not None:
            return f"Parallel(concurrency={self.concurrency}, max_errors={self.max_errors})"
        return f"Parallel(num_threads={self.num_threads}, max_errors={self.max_errors})"


def batch(program, inputs, threads: int | None = None, max_errors: int | None = None,
          return_failed_examples: bool = False, *, num_threads: int | None = None,
          concurrency: int | None = None):
    """Run `program` on every item of `inputs` (dicts or Examples) in parallel; see the module docstring."""
    given, concurrency = engine(threads, num_threads, concurrency, "batch()")
    if not callable(program):
        raise DspTypeError(f"batch(): the program must be callable, got {a_type(program)}")
    data = _as_list(inputs, "inputs", None)
    items = [(program, *_arguments(item, i, None)) for i, item in enumerate(data)]
    return run_items(items, data, DEFAULT_THREADS if given is None else given, max_errors,
                     return_failed_examples, "batch()", None, concurrency)


def engine(threads: Any, num_threads: Any, concurrency: Any, who: str,
           span: Span | None = None) -> tuple[Any, int | None]:
    """`(thread count, None)` or `(None, concurrency)`: the engine a call asks for; `(None, None)`
    when it names none. A thread count (`threads=`/`num_threads=`, any value) and `concurrency=`
    together are a DspArgumentError: they are two engines (the rule of `evaluate` and `dsp batch`)."""
    given = thread_count(threads, num_threads, who, None, span)
    if concurrency is None:
        return given, None
    try:
        check_concurrency(concurrency)
    except DspArgumentError as err:
        raise err.with_span(span) from None
    if given is not None:
        raise DspArgumentError(f"{who}: give threads= or concurrency=, not both", span,
                               hint="concurrency=N runs N calls at once as async calls, without a thread "
                                    "each; threads=N runs them on N threads")
    return None, concurrency


def run_items(items: list[tuple], originals: list, threads: int, max_errors: int | None,
              return_failed: bool, who: str, span: Span | None, concurrency: int | None = None):
    """Call each `(callable, args, kwargs)` on the pool (or as async calls, with `concurrency`);
    the results (and failures) in order."""
    try:
        if concurrency is None:
            result = run_parallel(_Call(span), items, threads=threads, max_errors=max_errors)
        else:
            result = run_concurrent(_Call(span), items, concurrency=concurrency, max_errors=max_errors)
    except TooManyErrors as err:
        raise TooManyErrors(f"{who} {err.message}", err.result, hint=err.hint).with_span(span) from err.__cause__
    except DspArgumentError as err:
        raise err.with_span(span)
    if result.interrupted:
        raise KeyboardInterrupt
    values = list(result.values)
    if not return_failed:
        return values
    failed = [originals[i] for i in sorted(result.errors)]
    errors = [_message(result, i) for i in sorted(result.errors)]
    return [values, failed, errors]


class _Call:
    """What the pool runs per item: one call of a module with its arguments."""

    def __init__(self, span: Span | None) -> None:
        self.span = span

    def __call__(self, item: tuple) -> Any:
        program, args, kwargs = item
        return call_value(program, args, kwargs, self.span)


def _as_list(value: Any, what: str, span: Span | None) -> list:
    if isinstance(value, (list, tuple)):
        return list(value)
    raise DspTypeError(f"the {what} must be a list, got {a_type(value)}", span)


def _pair(item: Any, index: int, span: Span | None) -> tuple:
    if not isinstance(item, (list, tuple)) or len(item) != 2:
        raise DspTypeError(f"Parallel: item {index + 1} is not a (module, inputs) pair", span)
    module, inputs = item
    if not callable(module):
        raise DspTypeError(f"Parallel: the module of item {index + 1} is {a_type(module)}, "
                           "which cannot be called", span)
    return (module, *_arguments(inputs, index, span))


def _arguments(inputs: Any, index: int, span: Span | None) -> tuple[tuple, dict]:
    """(positional, keyword) arguments from an Example, a dict or a list."""
    if isinstance(inputs, Example):
        data = inputs.inputs() if inputs.input_keys is not None else inputs
        return (), data.to_dict()
    if isinstance(inputs, (dict, Prediction)):
        return (), dict(inputs.items())
    if isinstance(inputs, (list, tuple)):
        return tuple(inputs), {}
    raise DspTypeError(f"item {index + 1}: the inputs must be a dict or an Example, got a "
                       f"{type(inputs).__name__}", span)


def _message(result: RunResult, index: int) -> str:
    error = result.errors[index]
    return getattr(error, "message", None) or f"{type(error).__name__}: {error}"

"""Run a function over items in a thread pool: order kept, errors capped, Ctrl-C and 429s handled.

The one helper every parallel part of the standard library uses (`evaluate`, optimizers,
`Parallel`/`batch`)::

    result = run_parallel(fn, items, threads=8, max_errors=10, on_done=callback)
    result.values        # fn(item) per item, in input order; None where it failed or never ran
    result.errors        # {index: exception} for the items whose call raised an Exception
    result.finished      # per item: True when its call returned or raised
    result.interrupted   # True when Ctrl-C stopped the run early

Behaviour:

- Every call runs as ``contextvars.copy_context().run(fn, item)`` with a context copied when
  the item is submitted, so the caller's current LM (`use`/`with`), usage trackers and active
  traces are seen inside, and contextvar changes made inside do not leak back out.
- An ``Exception`` raised by ``fn`` is recorded in ``errors`` and the run goes on. When the
  number of errors reaches ``max_errors`` (None: no cap), nothing more is started, the calls
  already running are waited for, and :class:`TooManyErrors` is raised; its ``result`` holds
  what was done. (DSPy's rule: the run stops at the ``max_errors``-th error.)
- ``fn`` raising :class:`StopRun` stops the whole run for a mistake no other item can avoid (a
  metric returning text): nothing more is started, the calls already running are waited for,
  and the error it carries is raised (that of the earliest item, when several stopped).
- Ctrl-C: a ``KeyboardInterrupt`` in the main thread while waiting, or one raised by ``fn``
  itself, stops submitting, cancels the calls not yet started and returns at once with
  ``interrupted=True`` (calls already running finish in the background; their results are
  dropped). Callers that cannot use partial results re-raise ``KeyboardInterrupt``. Runs
  nested in the workers of an interrupted run start nothing more (the Run's `stop`), so the work left
  in the background is only what was already running.
- Rate limits: at most ``threads`` calls run at once, and fewer after a provider 429. The
  run subscribes to :data:`dsplang.lm.retry.RATE_LIMITS`; see :class:`Throttle` for the
  policy (halve on a 429; grow back by one per calm period of successes).
- ``on_done(index, result)`` is called in the calling thread after each item finishes
  (for progress bars); ``result`` is the RunResult so far.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextvars
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from dsplang.context.run import current, derived
from dsplang.errors import DspArgumentError, DspRuntimeError
from dsplang.lm.retry import RATE_LIMITS

WORKER_PREFIX = "dsp-worker"   # the pool's thread names; `dsp` waits for them after a Ctrl-C
_POLL_SECONDS = 0.1   # how often the waiting main thread wakes up, so Ctrl-C is seen promptly


@dataclass(slots=True)
class RunResult:
    """What a run produced, one slot per item (see the module docstring)."""

    values: list
    finished: list[bool]
    errors: dict[int, Exception] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def done_count(self) -> int:
        return sum(self.finished)

    def ok(self, index: int) -> bool:
        """True when item `index` ran and returned without an error."""
        return self.finished[index] and index not in self.errors


class TooManyErrors(DspRuntimeError):
    """Raised when a run reaches its `max_errors`; `.result` holds the partial RunResult."""

    def __init__(self, message: str, result: RunResult, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.result = result


class StopRun(Exception):
    """Raised by `fn` to stop the run with `error` instead of recording an item failure."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


class Throttle:
    """How many calls may run at once: additive increase, multiplicative decrease on 429s.

    Starts at `limit`. On a provider 429 the limit halves (never below 1), at most once per
    `cooldown` seconds, since one burst of requests usually brings several 429s at once.
    It grows back by one when, since its last change, at least `calm` seconds have passed
    and `limit` calls have succeeded with no new 429 — up to its starting value.
    """

    def __init__(self, limit: int, *, cooldown: float = 1.0, calm: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_limit = limit
        self.limit = limit
        self.cooldown = cooldown
        self.calm = calm
        self._clock = clock
        self._last_cut: float | None = None
        self._last_change = 0.0
        self._streak = 0
        self._lock = threading.Lock()

    def on_rate_limit(self, model: str = "") -> None:
        """A provider said 429: halve the limit unless it was just halved."""
        with self._lock:
            now = self._clock()
            self._streak = 0
            if self._last_cut is not None and now - self._last_cut < self.cooldown:
                return
            self._last_cut = self._last_change = now
            self.limit = max(1, self.limit // 2)

    def on_success(self) -> None:
        """A call finished well: maybe allow one more at once (see the class docstring)."""
        with self._lock:
            if self.limit >= self.max_limit:
                return
            self._streak += 1
            now = self._clock()
            if self._streak >= self.limit and now - self._last_change >= self.calm:
                self._streak = 0
                self._last_change = now
                self.limit += 1


def run_parallel(fn: Callable[[Any], Any], items: Iterable, *, threads: int = 1,
                 max_errors: int | None = None,
                 on_done: Callable[[int, RunResult], None] | None = None) -> RunResult:
    """Call `fn(item)` for every item on up to `threads` threads; see the module docstring."""
    items = list(items)
    _check_args(threads, max_errors)
    # The stop signal of the outermost parallel run (the Run's `stop`): set when that run is
    # interrupted, so runs nested inside its workers (a bootstrap inside a candidate being
    # built) start nothing more and stop as interrupted. Each outermost run has its own.
    outermost = threading.Event() if current().stop is None else None
    with derived(stop=outermost) if outermost is not None else nullcontext():
        return _run_parallel(fn, items, threads, max_errors, on_done, outermost)


def _run_parallel(fn, items: list, threads: int, max_errors: int | None, on_done,
                  outermost: threading.Event | None) -> RunResult:
    result = RunResult([None] * len(items), [False] * len(items))
    throttle = Throttle(threads)
    unsubscribe = RATE_LIMITS.subscribe(throttle.on_rate_limit)
    pool = cf.ThreadPoolExecutor(max_workers=threads, thread_name_prefix=WORKER_PREFIX)
    run = _Run(fn, items, result, throttle, pool, max_errors, on_done)
    try:
        run.loop()
    except KeyboardInterrupt:
        result.interrupted = True
        if outermost is not None:
            outermost.set()
    finally:
        unsubscribe()
        pool.shutdown(wait=not result.interrupted, cancel_futures=True)
    if run.stopped and not result.interrupted:
        raise run.stopped[min(run.stopped)]
    if run.too_many and not result.interrupted:
        raise too_many(result, max_errors)
    return result


def _check_args(threads: Any, max_errors: Any) -> None:
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise DspArgumentError(f"threads must be a whole number of at least 1, got {threads!r}")
    if max_errors is not None and (not isinstance(max_errors, int) or max_errors < 1):
        raise DspArgumentError(f"max_errors must be a whole number of at least 1 or none, "
                               f"got {max_errors!r}")


class _Run:
    """The scheduling loop of one `run_parallel` call (runs in the calling thread)."""

    def __init__(self, fn, items, result, throttle, pool, max_errors, on_done) -> None:
        self.fn = fn
        self.items = items
        self.result = result
        self.throttle = throttle
        self.pool = pool
        self.max_errors = max_errors
        self.on_done = on_done
        self.next_index = 0
        self.in_flight: dict[cf.Future, int] = {}
        self.too_many = False
        self.stopped: dict[int, Exception] = {}     # index -> the error a StopRun carried

    def loop(self) -> None:
        """Keep up to `throttle.limit` calls running until every item is done or the run stops."""
        try:
            while True:
                if not (self.too_many or self.stopped):
                    self._submit_more()
                if not self.in_flight:
                    return
                done, _ = cf.wait(self.in_flight, timeout=_POLL_SECONDS,
                                  return_when=cf.FIRST_COMPLETED)
                for future in done:
                    self._collect(future, self.in_flight.pop(future))
        except KeyboardInterrupt:
            for future in self.in_flight:
                future.cancel()
            raise

    def _submit_more(self) -> None:
        stop = current().stop
        if stop is not None and stop.is_set():
            raise KeyboardInterrupt          # the outermost run was interrupted: start nothing more
        while self.next_index < len(self.items) and len(self.in_flight) < self.throttle.limit:
            index = self.next_index
            context = contextvars.copy_context()
            future = self.pool.submit(context.run, self.fn, self.items[index])
            self.in_flight[future] = index
            self.next_index += 1

    def _collect(self, future: cf.Future, index: int) -> None:
        """Store one finished call; KeyboardInterrupt from the call stops the run."""
        error = future.exception()
        if isinstance(error, KeyboardInterrupt):
            raise KeyboardInterrupt
        self.result.finished[index] = True
        if isinstance(error, StopRun):
            self.stopped[index] = error.error
        elif error is None:
            self.result.values[index] = future.result()
            self.throttle.on_success()
        elif isinstance(error, Exception):
            self.result.errors[index] = error
            if self.max_errors is not None and len(self.result.errors) >= self.max_errors:
                self.too_many = True
        else:
            raise error
        if self.on_done is not None:
            self.on_done(index, self.result)


def too_many(result: RunResult, max_errors: int) -> TooManyErrors:
    """The error raised when `max_errors` is reached, quoting the first error."""
    first_index = min(result.errors)
    first = result.errors[first_index]
    message = getattr(first, "message", None) or f"{type(first).__name__}: {first}"
    err = TooManyErrors(
        f"stopped after {len(result.errors)} errors (max_errors={max_errors}); "
        f"the first, on item {first_index + 1}: {message}", result,
        hint="fix the cause, or pass a larger max_errors=")
    err.__cause__ = first
    return err

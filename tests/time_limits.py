"""Real time limits for tests that run code which may loop or stall.

A thread cannot stop Python code, and a thread join with a timeout only stops waiting: the
code goes on running (or, inside one long C call such as `2 ** 3 ** 22`, holds the GIL so
that nothing else runs at all). Two tools that do stop it:

    with time_limit(5):               # SIGALRM in this process: stops Python-level loops
        halving_schedule(19, 180, eta=1)

    with WorkerPool(call_seconds=10) as pool:    # processes, killed when they stop answering
        for item, outcome in pool.map(module_level_function, items):
            ...

In a worker, each call runs under `time_limit(call_seconds)`; when a call does not return
within `call_seconds + KILL_GRACE` (a C call that the signal cannot interrupt), the parent
kills the worker, reports the call as timed out and starts a fresh worker. Workers also run
with an address-space limit, so a runaway allocation is a MemoryError, not a machine out of
memory.
"""

from __future__ import annotations

import multiprocessing
import resource
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

KILL_GRACE = 5.0
_DONE = object()


class TimeLimit(BaseException):
    """Raised in the main thread when a `time_limit` runs out (a BaseException, so that code
    under test that catches Exception does not swallow it)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeLimit in the main thread after `seconds` (SIGALRM; main thread only). An
    enclosing limit (each test has one, see tests/conftest.py) still runs, and fires first
    if it is the sooner."""
    def expire(signum, frame):
        raise TimeLimit(f"the time limit ran out ({seconds} s here, or an enclosing one)")
    outer, _ = signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer) if outer else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 0.001))


@dataclass(frozen=True)
class Outcome:
    """What a call in a worker gave: its return value, or why there is none. `error` is the
    traceback of an exception the function let out; `timed_out` that the time limit ran
    out (`error` then shows where, unless the worker had to be killed); `died` that the
    worker exited (its exit code)."""
    value: Any = None
    error: str | None = None
    timed_out: bool = False
    died: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out and self.died is None

    @property
    def lost_worker(self) -> bool:
        """The worker was killed or died: it must be replaced."""
        return self.died is not None or (self.timed_out and self.error is None)

    def describe(self) -> str:
        if self.died is not None:
            return f"the worker died (exit code {self.died})"
        if self.timed_out:
            return f"timed out:\n{self.error}" if self.error else \
                "timed out: the worker stopped answering (a long C call?) and was killed"
        return self.error or "ok"


def _serve(conn, call_seconds: float, memory_bytes: int | None) -> None:
    """A worker's loop: receive (function, argument), answer an Outcome, until None."""
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    while (job := conn.recv()) is not None:
        function, argument = job
        try:
            with time_limit(call_seconds):
                outcome = Outcome(value=function(argument))
        except TimeLimit:
            outcome = Outcome(error=traceback.format_exc(), timed_out=True)
        except BaseException:  # noqa: BLE001 - the parent judges every outcome
            outcome = Outcome(error=traceback.format_exc())
        conn.send(outcome)


class _Worker:
    def __init__(self, context, call_seconds: float, memory_bytes: int | None):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, call_seconds, memory_bytes), daemon=True)
        self.process.start()
        child.close()
        self.job: tuple[Any, float] | None = None      # (item, deadline) while busy

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                self.process.kill()
        self.process.join(KILL_GRACE)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class WorkerPool:
    """`processes` long-lived worker processes (spawned: they import what they run afresh).
    `call_seconds` is each call's time limit, `memory_bytes` each worker's address space."""

    def __init__(self, processes: int = 2, call_seconds: float = 10.0,
                 memory_bytes: int | None = 3 * 2**30):
        self._context = multiprocessing.get_context("spawn")
        self._settings = (call_seconds, memory_bytes)
        self.call_seconds = call_seconds
        self._workers = [self._start() for _ in range(processes)]

    def _start(self) -> _Worker:
        return _Worker(self._context, *self._settings)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info) -> None:
        for worker in self._workers:
            worker.stop(kill=exc_info[0] is not None)

    def call(self, function: Callable[[Any], Any], argument: Any) -> Outcome:
        """One call in a worker."""
        return next(self.map(function, [argument]))[1]

    def map(self, function: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[tuple[Any, Outcome]]:
        """(item, Outcome) for each item, in the order they finish. `function` must be a
        module-level function (it is sent to the workers by name). `items` is read as
        workers become free, so a generator can prepare them while the workers run."""
        pending = iter(items)
        while True:
            for worker in self._workers:
                if worker.job is None and (item := next(pending, _DONE)) is not _DONE:
                    worker.conn.send((function, item))
                    worker.job = (item, time.monotonic() + self.call_seconds + KILL_GRACE)
            if not any(w.job for w in self._workers):
                return
            busy = [w for w in self._workers if w.job]
            first_deadline = min(w.job[1] for w in busy)
            ready = wait([w.conn for w in busy], timeout=max(0.0, first_deadline - time.monotonic()))
            for index, worker in enumerate(self._workers):
                if worker.job is None:
                    continue
                item, deadline = worker.job
                if worker.conn in ready:
                    outcome = self._receive(worker)
                elif time.monotonic() >= deadline:
                    outcome = Outcome(timed_out=True)
                else:
                    continue
                if outcome.lost_worker:
                    worker.stop(kill=True)
                    self._workers[index] = self._start()
                else:
                    worker.job = None
                yield item, outcome

    @staticmethod
    def _receive(worker: _Worker) -> Outcome:
        try:
            return worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(KILL_GRACE)
            return Outcome(died=worker.process.exitcode if worker.process.exitcode is not None else -1)

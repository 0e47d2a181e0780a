"""Run a function over items as async calls on one event loop: the engine of `concurrency=`.

    result = run_concurrent(fn, items, concurrency=256, max_errors=10, on_done=callback)
    result = await arun_concurrent(fn, items, concurrency=256)     # in a coroutine

The same contract as `parallel_runner.run_parallel` (a `RunResult` in input order; errors
recorded, `max_errors` raising `TooManyErrors`, `StopRun`, `on_done(index, result)`,
fewer calls at once after a provider 429 through the same `Throttle`, Ctrl-C returning the
finished items with `interrupted=True`), but each call `fn(item)` runs in a bridge greenlet
(`interpreter.awaiting.run_sync`) on one event loop, so its LM requests are awaited there:
`concurrency` calls in flight hold no thread each, and a 100 ms LM answers 256 calls in
about 100 ms. `fn` may also be a coroutine function (awaited as it is).

Each call starts with a copy of the caller's contextvars context, so it sees the caller's LM,
traces and usage meters, as the thread pool's workers do; its `ensure` feedback is its own.

`run_concurrent` from sync code runs the loop with `asyncio.run`; from code already inside an
async call (a bridge greenlet) it joins that call's loop; in a thread whose loop is running
(a Jupyter cell) it runs the loop on a helper thread and waits (`await arun_concurrent(...)`,
or `await dsplang.aevaluate(...)`, does not block the notebook).
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from typing import Any

from dsplang.context.run import current, derived
from dsplang.errors import DspArgumentError
from dsplang.interpreter import awaiting
from dsplang.lm.retry import RATE_LIMITS
from dsplang.stdlib.parallel_runner import RunResult, StopRun, Throttle, too_many


def check_concurrency(concurrency: Any) -> int:
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        raise DspArgumentError(f"concurrency must be a whole number of at least 1, got {concurrency!r}")
    return concurrency


def run_concurrent(fn: Callable[[Any], Any], items: Iterable, *, concurrency: int,
                   max_errors: int | None = None,
                   on_done: Callable[[int, RunResult], None] | None = None) -> RunResult:
    """`arun_concurrent` from sync code; see the module docstring."""
    work = _work(fn, items, concurrency, max_errors, on_done)
    if awaiting.active():
        awaiting.await_(work.run())
    else:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            _run_here(work)
        else:
            _run_on_helper_thread(work)
    return work.finish()


def _work(fn: Callable[[Any], Any], items: Iterable, concurrency: int, max_errors: int | None,
          on_done: Callable[[int, RunResult], None] | None) -> _Work:
    """The checked arguments of both entry points, as the work to run."""
    items = list(items)
    _check_args(concurrency, max_errors)
    result = RunResult([None] * len(items), [False] * len(items))
    return _Work(fn, items, result, concurrency, max_errors, on_done)


async def arun_concurrent(fn: Callable[[Any], Any], items: Iterable, *, concurrency: int,
                          max_errors: int | None = None,
                          on_done: Callable[[int, RunResult], None] | None = None) -> RunResult:
    """Call `fn(item)` for every item, up to `concurrency` at once; see the module docstring."""
    work = _work(fn, items, concurrency, max_errors, on_done)
    await work.run(swallow_cancel=False)
    return work.finish()


def _check_args(concurrency: Any, max_errors: Any) -> None:
    check_concurrency(concurrency)
    if max_errors is not None and (not isinstance(max_errors, int) or isinstance(max_errors, bool)
                                   or max_errors < 1):
        raise DspArgumentError(f"max_errors must be a whole number of at least 1 or none, got {max_errors!r}")


def _run_here(work: _Work) -> None:
    """The loop in this thread; Ctrl-C (asyncio.run turns it into a cancellation) ends the run
    as interrupted."""
    try:
        asyncio.run(work.run())
    except KeyboardInterrupt:
        work.interrupt()


def _run_on_helper_thread(work: _Work) -> None:
    """The loop on a thread of its own, while this thread's loop (a notebook's) waits."""
    context = contextvars.copy_context()
    failure: list[BaseException] = []

    def main() -> None:
        try:
            context.run(asyncio.run, work.run())
        except BaseException as error:  # noqa: BLE001 - handed to the waiting thread
            failure.append(error)

    thread = threading.Thread(target=main, name="dsp-async-runner", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.1)
    except KeyboardInterrupt:
        work.interrupt()
        work.cancel_from_outside()
    if failure and not work.result.interrupted:
        raise failure[0]


class _Work:
    """One run: the scheduling loop and what it collected."""

    def __init__(self, fn: Callable[[Any], Any], items: list, result: RunResult, concurrency: int,
                 max_errors: int | None, on_done: Callable[[int, RunResult], None] | None) -> None:
        self.fn = fn
        self.is_async = asyncio.iscoroutinefunction(fn)
        self.items = items
        self.result = result
        self.throttle = Throttle(concurrency)
        self.max_errors = max_errors
        self.on_done = on_done
        self.too_many = False
        self.stopped: dict[int, Exception] = {}
        self.outermost: threading.Event | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.main: asyncio.Task | None = None
        self.next_index = 0
        self.in_flight = 0
        self.waiting = 0                       # workers waiting for the throttle's room
        self.room = asyncio.Condition()        # bound to the loop that first uses it

    async def run(self, swallow_cancel: bool = True) -> None:
        """Keep up to the throttle's limit of calls running until every item is done or the
        run stops; cancelled (Ctrl-C), it cancels its calls and marks the run interrupted
        (and re-raises the cancellation unless `swallow_cancel`: the sync entry points
        return the finished items instead)."""
        self.loop = asyncio.get_running_loop()
        self.main = asyncio.current_task()
        unsubscribe = RATE_LIMITS.subscribe(self._on_rate_limit)
        self.outermost = threading.Event() if current().stop is None else None
        workers: list[asyncio.Task] = []
        try:
            with derived(stop=self.outermost) if self.outermost is not None else nullcontext():
                workers = [asyncio.ensure_future(self._worker()) for _ in range(min(self.throttle.max_limit,
                                                                                     len(self.items)))]
                await asyncio.gather(*workers)
        except (asyncio.CancelledError, KeyboardInterrupt) as stop:
            self.interrupt()
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            if isinstance(stop, asyncio.CancelledError) and not swallow_cancel:
                raise
        finally:
            unsubscribe()

    async def _worker(self) -> None:
        """Take the next item while the run goes on and the throttle has room; run it; record it."""
        # One event loop runs every worker, so the counters need no lock: the condition is
        # only waited on (and so only notified) while a 429 has lowered the throttle's limit.
        while True:
            if self.in_flight >= self.throttle.limit:
                self.waiting += 1
                try:
                    async with self.room:
                        await self.room.wait_for(lambda: self.in_flight < self.throttle.limit)
                finally:
                    self.waiting -= 1
            stop = current().stop
            if stop is not None and stop.is_set():
                raise KeyboardInterrupt      # the outermost run was interrupted: start nothing more
            if self.too_many or self.stopped or self.next_index >= len(self.items):
                return
            index = self.next_index
            self.next_index += 1
            self.in_flight += 1
            try:
                value = await (self.fn(self.items[index]) if self.is_async
                               else awaiting.run_sync(self.fn, self.items[index]))
            except Exception as error:  # noqa: BLE001 - recorded per item, like the thread pool
                self._collect(index, error, None)
            else:
                self._collect(index, None, value)
            finally:
                self.in_flight -= 1
                if self.waiting:
                    async with self.room:
                        self.room.notify_all()

    def _collect(self, index: int, error: Exception | None, value: Any) -> None:
        self.result.finished[index] = True
        if isinstance(error, StopRun):
            self.stopped[index] = error.error
        elif error is None:
            self.result.values[index] = value
            self.throttle.on_success()
        else:
            self.result.errors[index] = error
            if self.max_errors is not None and len(self.result.errors) >= self.max_errors:
                self.too_many = True
        if self.on_done is not None:
            self.on_done(index, self.result)

    def _on_rate_limit(self, model: str) -> None:
        """A 429 (reported on any thread): halve the limit."""
        self.throttle.on_rate_limit(model)

    def interrupt(self) -> None:
        self.result.interrupted = True
        if self.outermost is not None:
            self.outermost.set()

    def cancel_from_outside(self) -> None:
        """Cancel the run from another thread (the notebook thread's Ctrl-C)."""
        if self.loop is not None and self.main is not None:
            self.loop.call_soon_threadsafe(self.main.cancel)

    def finish(self) -> RunResult:
        """The result, or the error that stopped the run."""
        if self.stopped and not self.result.interrupted:
            raise self.stopped[min(self.stopped)]
        if self.too_many and not self.result.interrupted:
            raise too_many(self.result, self.max_errors or 0)
        return self.result



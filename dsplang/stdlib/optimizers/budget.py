"""A compile's budget (`max_calls`, `max_cost`), counted so that where it stops does not depend
on the thread count.

The rule is the sequential one. Work is done in units (one training example bootstrapped, one
validation example scored, one candidate built), each given to `CompileRun.parallel` in a list.
A unit runs only when the units before it in the list, and everything before the list, left
some budget; a budget check inside a unit sees the calls made before the unit plus its own.
That is what one thread doing the units in order would do, so the compiled program is the same
with any `threads`.

Units still run in parallel: each runs speculatively, seeing only the calls made before its
list and its own (its `Ledger`). Then the list is walked in order, adding up what each unit
made:
- a unit that starts with the budget already spent is dropped (its result is thrown away, as
  if it had never started);
- a unit that ends within the budget is kept: no check inside it could have seen the budget
  spent, either way;
- the unit during which the budget runs out is run again, alone, seeing the calls before it
  (a check inside it may then stop it earlier); every unit after it is dropped.

Calls made by speculative runs that were thrown away still happened: the compile's report
counts them (`LM calls`), but the budget does not. With a cached LM a unit run again costs
nothing new. Without `max_calls`/`max_cost` none of this applies.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dsplang.lm import usage
from dsplang.stdlib.parallel_runner import RunResult, StopRun, run_parallel, too_many


@dataclass
class Ledger:
    """The calls and cost one scope has spent: `base` (what came before it, in order) plus what
    its tracker counted, less what speculative runs inside it made and threw away (`void`)."""

    tracker: Any
    base_calls: int = 0
    base_cost: float = 0.0
    void_calls: int = 0
    void_cost: float = 0.0

    def own(self) -> tuple[int, float]:
        """What this scope spent itself (its kept work). The cost is rounded to a billionth of a
        dollar, so that sums taken in another order (another thread count) compare equal."""
        return self.tracker.calls - self.void_calls, round((self.tracker.cost or 0.0) - self.void_cost, 9)

    def spent(self) -> tuple[int, float]:
        calls, cost = self.own()
        return self.base_calls + calls, round(self.base_cost + cost, 9)

    def void(self, calls: int, cost: float) -> None:
        self.void_calls += calls
        self.void_cost += cost


class Budget:
    """`max_calls` / `max_cost` for one compile; see the module docstring."""

    def __init__(self, tracker, max_calls: int | None, max_cost: float | None) -> None:
        self.tracker = tracker
        self.max_calls = max_calls
        self.max_cost = max_cost
        self.root = Ledger(tracker)
        self._current: contextvars.ContextVar[Ledger | None] = contextvars.ContextVar("budget_ledger", default=None)

    @property
    def limited(self) -> bool:
        return self.max_calls is not None or self.max_cost is not None

    def ledger(self) -> Ledger:
        """The ledger of the unit running in this context (the compile's own outside units)."""
        return self._current.get() or self.root

    def exhausted(self) -> str | None:
        """Why the budget is used up, as this unit sees it, or None while there is some left."""
        return self.reason(*self.ledger().spent())

    def reason(self, calls: int, cost: float) -> str | None:
        if self.max_calls is not None and calls >= self.max_calls:
            return f"max_calls={self.max_calls} reached"
        if self.max_cost is not None and cost >= self.max_cost:
            return f"max_cost={self.max_cost} reached"
        return None

    def run_units(self, fn: Callable[[Any], Any], items: list, *, max_errors: int | None = None,
                  **parallel: Any) -> RunResult:
        """`run_parallel(fn, items, max_errors=..., **parallel)` with the sequential budget rule;
        the error cap too counts only the units kept, in order."""
        if not self.limited:
            return run_parallel(fn, items, max_errors=max_errors, **parallel)
        outer = self.ledger()
        start = outer.spent()
        ledgers: list[Ledger | None] = [None] * len(items)
        in_order = parallel.get("threads", 1) == 1     # one at a time: each unit sees the calls before it

        def unit(pair):
            index, item = pair
            with usage.track() as tracker:
                ledgers[index] = Ledger(tracker, *(_after(start, ledgers[:index]) if in_order else start))
                return self._within(ledgers[index], fn, item)

        result = run_parallel(unit, list(enumerate(items)), **parallel)
        if not result.interrupted:
            self._settle(result, fn, items, ledgers, outer, start, in_order, max_errors)
        return result

    def _within(self, ledger: Ledger, fn: Callable[[Any], Any], item: Any) -> Any:
        token = self._current.set(ledger)
        try:
            return fn(item)
        finally:
            self._current.reset(token)

    def _settle(self, result: RunResult, fn, items: list, ledgers: list, outer: Ledger, start,
                in_order: bool, max_errors: int | None) -> None:
        """Walk the units in order and keep, drop or run again each (see the module docstring).
        A unit that saw exactly the calls before it (the first of the list, or any when they ran
        `in_order`) is never run again. At the `max_errors`-th error among the kept units, the
        units after it are dropped and TooManyErrors is raised, as one thread would."""
        calls, cost = start
        errors = 0
        for k, ledger in enumerate(ledgers):
            mine = ledger.own()
            if self.reason(calls, cost) is not None or (max_errors is not None and errors >= max_errors):
                outer.void(ledger.tracker.calls, ledger.tracker.cost or 0.0)
                _forget(result, k)
                continue
            if in_order or (calls, cost) == start or self.reason(calls + mine[0], cost + mine[1]) is None:
                outer.void(ledger.void_calls, ledger.void_cost)
                calls, cost = calls + mine[0], round(cost + mine[1], 9)
                errors += k in result.errors
                continue
            outer.void(ledger.tracker.calls, ledger.tracker.cost or 0.0)
            _forget(result, k)
            with usage.track() as tracker:
                again = Ledger(tracker, calls, cost)
                try:
                    result.values[k] = contextvars.copy_context().run(self._within, again, fn, items[k])
                except StopRun as stop:
                    raise stop.error from None
                except Exception as err:  # noqa: BLE001 - recorded as the unit's error, as run_parallel does
                    result.errors[k] = err
                    errors += 1
                result.finished[k] = True
            outer.void(again.void_calls, again.void_cost)
            mine = again.own()
            calls, cost = calls + mine[0], round(cost + mine[1], 9)
        if max_errors is not None and len(result.errors) >= max_errors:
            raise too_many(result, max_errors)


def _forget(result: RunResult, index: int) -> None:
    """Unit `index` counts as never started."""
    result.values[index] = None
    result.finished[index] = False
    result.errors.pop(index, None)


def _after(start: tuple[int, float], before: list) -> tuple[int, float]:
    """`start` plus what the units `before` (all finished, in order) spent themselves."""
    spent = [ledger.own() for ledger in before if ledger is not None]
    return start[0] + sum(c for c, _ in spent), start[1] + sum(c for _, c in spent)

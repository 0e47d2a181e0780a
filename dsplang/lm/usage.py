"""Usage accounting: tokens, cost, calls, cache hits and latency, per call and in total.

Every `LM.request` ends in :func:`record`, which adds the response to every meter opened
with :func:`track` in the current context; a request that failed for good (after its
retries) ends in :func:`record_failure` instead. That is the one way LM calls are counted:
the run's total is the meter of its `context.run.Run` (`Run.usage`, opened by
`context.run.entered`), and an optimizer or evaluation that wants its own count opens one
inside it (meters nest: both see a call). There is no process-wide total: a call made
outside every meter (Python code calling an LM outside any run) is counted nowhere.

The open meters are a contextvar of this layer, not a field of the Run, because the LM
layer sits below the run context and records calls made from anywhere (a predictor, an
optimizer's own requests, Python code): `entered` opens the Run's meter here, and a thread
pool that runs its work with ``contextvars.copy_context().run`` charges the meters of the
code that started it.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens and cost of one LM call. `cost` is None when the price is not known."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def to_dict(self) -> dict:
        return {"prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "cost": self.cost}

    @classmethod
    def from_dict(cls, data: dict | None) -> Usage:
        data = data or {}
        return cls(int(data.get("prompt_tokens") or 0), int(data.get("completion_tokens") or 0),
                   data.get("cost"))


ZERO = Usage(0, 0, 0.0)


class _Recordable(Protocol):
    @property
    def usage(self) -> Usage: ...
    @property
    def cache_hit(self) -> bool: ...
    @property
    def latency(self) -> float: ...
    @property
    def model(self) -> str: ...


class UsageTotals:
    """A thread-safe running total of LM calls. `summary()` is the one-line report."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.cache_hits = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cost = 0.0
        self.priced_calls = 0
        self.latency = 0.0
        self.import_seconds = 0.0
        self.failed_calls = 0
        self.first_failure: Exception | None = None

    def add(self, response: _Recordable) -> None:
        """Count one response (a cache hit carries zero usage, so it costs nothing)."""
        usage = response.usage
        with self._lock:
            self.calls += 1
            self.cache_hits += 1 if response.cache_hit else 0
            self.prompt_tokens += usage.prompt_tokens
            self.completion_tokens += usage.completion_tokens
            if usage.cost is not None:
                self.cost += usage.cost
                self.priced_calls += 1
            self.latency += response.latency
            self.import_seconds += getattr(response, "import_seconds", 0.0)

    def add_failure(self, error: Exception) -> None:
        """Count one request that failed for good; the first such error is kept."""
        with self._lock:
            self.failed_calls += 1
            if self.first_failure is None:
                self.first_failure = error

    def reset(self) -> None:
        """Set every count back to zero."""
        with self._lock:
            self.calls = self.cache_hits = self.prompt_tokens = self.completion_tokens = 0
            self.priced_calls = self.failed_calls = 0
            self.cost = self.latency = self.import_seconds = 0.0
            self.first_failure = None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    _COUNTS = ("calls", "cache_hits", "prompt_tokens", "completion_tokens", "cost", "priced_calls",
               "latency", "import_seconds", "failed_calls")

    def counts(self) -> dict[str, float]:
        """Every count as plain data, to be added to the totals of another process
        (`add_counts`: a Ray worker's calls counted in the run that sent it work)."""
        with self._lock:
            return {name: getattr(self, name) for name in self._COUNTS}

    def add_counts(self, counts: dict[str, float]) -> None:
        """Add `counts()` taken elsewhere to these totals."""
        with self._lock:
            for name in self._COUNTS:
                setattr(self, name, getattr(self, name) + counts.get(name, 0))

    def to_dict(self) -> dict:
        """The counts as a plain dict (for reports and JSON output)."""
        with self._lock:
            return {"calls": self.calls, "cache_hits": self.cache_hits,
                    "prompt_tokens": self.prompt_tokens,
                    "completion_tokens": self.completion_tokens,
                    "cost": self.cost if self.priced_calls else None,
                    "failed_calls": self.failed_calls, "latency": self.latency}

    def summary(self) -> str:
        """E.g. `LM: 12 calls (3 cached), 1,234 prompt + 456 completion tokens, $0.0012, 2.3 s`.

        Requests that failed for good are counted apart (`LM: 12 calls (3 cached), 2 failed, ...`);
        the cost is left out when no call had a known price; latency is the summed time spent
        waiting for replies, not wall-clock time. Time calls spent waiting for litellm to be
        imported is not latency: it is shown apart (`..., 2.3 s, litellm import 4.2 s`).
        """
        d = self.to_dict()
        parts = [f"LM: {d['calls']:,} call{'' if d['calls'] == 1 else 's'} "
                 f"({d['cache_hits']:,} cached)",
                 *([f"{d['failed_calls']:,} failed"] if d["failed_calls"] else []),
                 f"{d['prompt_tokens']:,} prompt + {d['completion_tokens']:,} completion tokens"]
        if d["cost"] is not None:
            parts.append(f"${d['cost']:.4f}")
        parts.append(f"{d['latency']:.1f} s")
        with self._lock:
            imported = self.import_seconds
        if imported >= 0.05:
            parts.append(f"litellm import {imported:.1f} s")
        return ", ".join(parts)

    def __repr__(self) -> str:
        return f"<UsageTotals {self.summary()}>"


_trackers: contextvars.ContextVar[tuple[UsageTotals, ...]] = contextvars.ContextVar(
    "dsplang_usage_trackers", default=())


def record(response: _Recordable) -> None:
    """Add a response to every meter open in this context."""
    for tracker in _trackers.get():
        tracker.add(response)


def record_failure(error: Exception) -> None:
    """Count a request that failed for good, in every meter open in this context."""
    for tracker in _trackers.get():
        tracker.add_failure(error)


@contextmanager
def track(tracker: UsageTotals | None = None) -> Iterator[UsageTotals]:
    """`with usage.track() as t:` — `t` (a new UsageTotals unless given) counts every LM call
    made inside the block."""
    tracker = tracker if tracker is not None else UsageTotals()
    token = _trackers.set(_trackers.get() + (tracker,))
    try:
        yield tracker
    finally:
        _trackers.reset(token)

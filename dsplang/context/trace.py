"""Typed trace records, written in one place.

`record(rec)` appends a record to every active `Trace` of the current Run (the run's, an
optimizer's, an evaluation's) and a predictor call to the Run's history. Threads started
through `contextvars.copy_context()` add to the traces of the code that started them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, TextIO

from dsplang.context.run import current, derived
from dsplang.errors import Span


class TraceRecord(Protocol):
    """What a trace holds: a record that can write itself as JSON."""

    def to_json(self) -> dict[str, Any]: ...


@dataclass(slots=True)
class PredictorCall:
    """One call of a predictor: what was asked, what came back, what it cost."""

    path: str                       # dotted predictor path, e.g. "respond.predict"
    signature: str                  # signature name
    inputs: dict[str, Any]
    messages: list[dict[str, Any]]
    replies: list[str]
    outputs: dict[str, Any] | None  # parsed outputs of the first completion; None on failure
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    latency: float = 0.0
    cache_hit: bool = False
    adapter: str = "chat"
    span: Span | None = None
    error: str | None = None
    predictor: Any = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("predictor", None)
        data["span"] = str(self.span) if self.span else None
        data["kind"] = "predictor_call"
        return data


@dataclass(slots=True)
class AssertionRecord:
    """An `ensure` or `require` that failed (after its retries) or passed after retrying."""

    kind: str           # "ensure" or "require"
    message: str
    passed: bool
    retries: int
    span: Span | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["span"] = str(self.span) if self.span else None
        data["kind"] = f"{self.kind}_record"
        return data


class Trace:
    """An append-only, thread-safe list of trace records."""

    def __init__(self) -> None:
        self._records: list[TraceRecord] = []
        self._lock = threading.Lock()

    def add(self, rec: TraceRecord) -> None:
        with self._lock:
            self._records.append(rec)

    @property
    def records(self) -> list[TraceRecord]:
        with self._lock:
            return list(self._records)

    def predictor_calls(self) -> list[PredictorCall]:
        return [r for r in self.records if isinstance(r, PredictorCall)]

    def __len__(self) -> int:
        return len(self._records)

    def write_jsonl(self, out: TextIO) -> None:
        """Write one JSON object per record to the open text file `out`."""
        for rec in self.records:
            out.write(json.dumps(rec.to_json(), default=json_default) + "\n")


def json_default(value: Any) -> Any:
    """JSON for values json cannot write: records, Examples, Predictions, else their str()."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump()
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return str(value)


def record(rec: TraceRecord) -> None:
    """Add `rec` to every active trace (and a predictor call to the Run's history)."""
    run = current()
    if isinstance(rec, PredictorCall):
        run.history.append(rec)
    for trace in run.traces:
        trace.add(rec)


def history() -> list[PredictorCall]:
    """The most recent predictor calls of the current Run (`inspect_history(n)`, the REPL)."""
    return list(current().history)


@contextmanager
def collecting(trace: Trace | None = None) -> Iterator[Trace]:
    """Make `trace` (or a new one) active for the code inside the block."""
    trace = trace if trace is not None else Trace()
    with derived(traces=current().traces + (trace,)):
        yield trace


def active() -> bool:
    return bool(current().traces)

"""Typed trace records, written in one place.

`record(rec)` appends a record to every active `Trace` of the current Run (the run's, an
optimizer's, an evaluation's) and a predictor call to the Run's history. Threads started
through `contextvars.copy_context()` add to the traces of the code that started them.

Each record is a span of the run: `record` gives it a `Stamp` (run, trace, span and parent
ids, start and end times, the compile phase and candidate it ran under), which the trace keeps
beside it and writes into its JSON line, and sends the two to the run's OTLP export, if any.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, TextIO

from dsplang.context.ids import new_span_id, new_trace_id
from dsplang.context.records import Stamp as Stamp  # trace.Stamp, as before
from dsplang.context.run import Run, current, current_span, derived
from dsplang.errors import Span


class TraceRecord(Protocol):
    """What a trace holds: a record that can write itself as JSON."""

    def to_json(self) -> dict[str, Any]: ...


def stamp_now(run: Run, seconds: float = 0.0) -> Stamp:
    """A stamp for a record ending now that took `seconds`, under the span open here."""
    end = time.time()
    parent = current_span()
    if parent is None:
        trace_id = run.ids.run_id if run.ids.depth else new_trace_id()
        return Stamp(run.ids.run_id, trace_id, new_span_id(), None, end - seconds, end)
    return Stamp(run.ids.run_id, parent.trace_id, new_span_id(), parent.span_id, end - seconds, end,
                 parent.phase, parent.candidate)


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
    """An append-only, thread-safe list of trace records, each with its stamp."""

    def __init__(self) -> None:
        self._records: list[TraceRecord] = []
        self._stamps: list[Stamp | None] = []
        self._lock = threading.Lock()

    def add(self, rec: TraceRecord, stamp: Stamp | None = None) -> None:
        with self._lock:
            self._records.append(rec)
            self._stamps.append(stamp)

    @property
    def records(self) -> list[TraceRecord]:
        with self._lock:
            return list(self._records)

    def stamped(self) -> list[tuple[TraceRecord, Stamp | None]]:
        """The records with their stamps, in the order they were added."""
        with self._lock:
            return list(zip(self._records, self._stamps))

    def predictor_calls(self) -> list[PredictorCall]:
        return [r for r in self.records if isinstance(r, PredictorCall)]

    def __len__(self) -> int:
        return len(self._records)

    def write_jsonl(self, out: TextIO) -> None:
        """Write one JSON object per record to the open text file `out`: the record's fields,
        then its stamp's (docs/observability.md)."""
        for rec, stamp in self.stamped():
            data = rec.to_json()
            if stamp is not None:
                data.update(stamp.to_json())
            out.write(json.dumps(data, default=json_default) + "\n")


def json_default(value: Any) -> Any:
    """JSON for values json cannot write: records, Examples, Predictions, else their str()."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump()
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return str(value)


def record(rec: TraceRecord, stamp: Stamp | None = None) -> None:
    """Add `rec` to every active trace and the run's OTLP export (and a predictor call to the
    Run's history). Its `stamp` is made here when not given: a record ending now, that took
    its `latency` (a span closing gives its own)."""
    run = current()
    if isinstance(rec, PredictorCall):
        run.history.append(rec)
    exporter = run.ids.exporter
    if not run.traces and exporter is None:
        return
    if stamp is None:
        stamp = stamp_now(run, getattr(rec, "latency", 0.0) or 0.0)
    for trace in run.traces:
        trace.add(rec, stamp)
    if exporter is not None:
        exporter.export(rec, stamp, run.ids)


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

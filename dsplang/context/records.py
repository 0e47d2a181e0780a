"""The span parts of trace records: a record's `Stamp` (its place in the run's span tree) and
the `SpanRecord` of a span that held others, including the run's own root span.

They live apart from `trace` and `spans` (which use them) because `run.entered` records the
run's root span when the run ends, and those two modules import `run`.

Every span of an entered run descends from its root: `entered` makes the root the open span,
so the run's top-level spans (and records) name it as their parent, and records it, ending
then, into the traces active in the Run and the OTLP export (`root`). Its span id is
`RunIds.root_id`, its trace id the run id; it has no parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dsplang.context.ids import span_hex, trace_hex
from dsplang.errors import DspError, Span

ROOT_TYPE = "run"
ROOT_NAME = "dsplang run"


@dataclass(slots=True)
class Stamp:
    """Where and when a record happened, as a span: ids (ints; written as hex), Unix times in
    seconds, and the compile phase and candidate it ran under (None outside a compile)."""

    run_id: int
    trace_id: int
    span_id: int
    parent_id: int | None
    start: float
    end: float
    phase: str | None = None
    candidate: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"run_id": trace_hex(self.run_id), "trace_id": trace_hex(self.trace_id),
                "span_id": span_hex(self.span_id),
                "parent_id": None if self.parent_id is None else span_hex(self.parent_id),
                "start": round(self.start, 6), "end": round(self.end, 6),
                "phase": self.phase, "candidate": self.candidate}


@dataclass(slots=True)
class SpanRecord:
    """A span that held other spans, as a trace record (`kind: "span"`)."""

    type: str                       # "run", "module", "evaluate", "example", "compile", "phase", "candidate", ...
    name: str
    span: Span | None = None        # the .dsp source it was opened at
    attributes: dict[str, Any] = field(default_factory=dict)
    error: str | None = None        # what ended it, when an error did

    def to_json(self) -> dict[str, Any]:
        return {"kind": "span", "type": self.type, "name": self.name,
                "span": str(self.span) if self.span else None,
                "attributes": self.attributes, "error": self.error}


def error_text(error: BaseException) -> str:
    """What a span's `error` says of the exception that ended it."""
    if isinstance(error, DspError):
        return error.message
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def root(ids: Any, end: float, error: BaseException | None = None) -> tuple[SpanRecord, Stamp]:
    """The root span of the run `ids` (a `run.RunIds`), ending at `end`."""
    record = SpanRecord(ROOT_TYPE, ids.name or ROOT_NAME, attributes=dict(ids.attributes))
    if error is not None:
        record.error = error_text(error)
    return record, Stamp(ids.run_id, ids.run_id, ids.root_id, None, ids.started, end)

"""What the report shows, computed from a trace's records: totals, series over time, groups,
the compiles and the evaluations with their worst examples and the calls made on them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from dsplang.report.read import TraceFile
from dsplang.report.records import (
    AssertionRecord,
    ExampleScoreRecord,
    PredictorCallRecord,
    SpanRecord,
    ToolStepRecord,
)
from dsplang.report.rounds import Compile, compiles_of
from dsplang.report.totals import Totals

WORST = 10          # examples shown per evaluation
MAX_POINTS = 1000   # points of a series over time


@dataclass(slots=True)
class SpanGroup:
    """The spans of one type and name (a module's forwards, a compile phase): how many, how
    long in all, how many ended in an error."""

    type: str
    name: str
    count: int = 0
    seconds: float = 0.0
    errors: int = 0


@dataclass(slots=True)
class Point:
    """A point of a series over time: x is seconds from the first call, or the call's number."""

    x: float
    calls: int
    tokens: int
    cost: float


@dataclass(slots=True)
class Evaluation:
    """One evaluate() call: its examples' scores, the worst ones and their calls."""

    key: str
    metric: str
    rows: list[ExampleScoreRecord]
    worst: list[tuple[ExampleScoreRecord, list[PredictorCallRecord]]] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(100 * sum(r.score for r in self.rows) / len(self.rows), 2) if self.rows else 0.0

    @property
    def errors(self) -> int:
        return sum(r.error is not None for r in self.rows)


@dataclass(slots=True)
class Summary:
    """Everything the page draws."""

    path: str
    records: int
    skipped: int
    warnings: list[str]
    calls: list[PredictorCallRecord]
    totals: Totals
    timed: bool                     # True when the series' x is seconds (the calls had start times)
    series: list[Point]
    by_path: list[tuple[str, Totals]]
    by_model: list[tuple[str, Totals]]
    by_phase: list[tuple[str, Totals]]
    compiles: list[Compile]
    evaluations: list[Evaluation]
    assertions: list[AssertionRecord]
    tool_steps: int
    spans: list[SpanGroup]
    span_fields: bool               # the trace carries span ids (newer traces)

    def line(self) -> str:
        """`12 LM calls, 1 compile, 2 evaluations`."""
        return ", ".join(_count(n, word) for n, word in ((self.totals.calls, "LM call"),
                                                          (len(self.compiles), "compile"),
                                                          (len(self.evaluations), "evaluation")))


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def summarize(trace: TraceFile) -> Summary:
    calls = trace.of(PredictorCallRecord)
    totals = Totals()
    for call in calls:
        totals.add(call)
    timed = bool(calls) and all(c.start is not None for c in calls)
    return Summary(
        path=trace.path, records=len(trace.records), skipped=trace.skipped, warnings=trace.warnings,
        calls=calls, totals=totals, timed=timed, series=_series(calls, timed),
        by_path=_grouped(calls, lambda c: c.path or "(no path)"),
        by_model=_grouped(calls, lambda c: c.model or "(no model)"),
        by_phase=_grouped([c for c in calls if c.phase], _phase_name, by_time=True),
        compiles=compiles_of(trace.records, calls), evaluations=_evaluations(trace, calls),
        assertions=trace.of(AssertionRecord), tool_steps=len(trace.of(ToolStepRecord)),
        spans=_span_groups(trace.of(SpanRecord)),
        span_fields=any(r.span_id for r in trace.records))


def _phase_name(call: PredictorCallRecord) -> str:
    return f"{call.phase} · candidate {call.candidate}" if call.candidate is not None else str(call.phase)


def _series(calls: list[PredictorCallRecord], timed: bool) -> list[Point]:
    """Cumulative calls, tokens and cost: by start time when every call has one, else by order;
    at most MAX_POINTS points (every k-th, and the last), which a chart's width cannot tell apart."""
    ordered = sorted(calls, key=lambda c: (c.start or 0.0, c.line)) if timed else calls
    origin = ordered[0].start or 0.0 if timed and ordered else 0.0
    every = max(1, -(-len(ordered) // MAX_POINTS))
    points, tokens, cost = [], 0, 0.0
    for n, call in enumerate(ordered, start=1):
        tokens += call.tokens
        cost += call.cost or 0.0
        if n % every and n != len(ordered):
            continue
        x = (call.end or call.start or 0.0) - origin if timed else float(n)
        points.append(Point(max(0.0, x), n, tokens, cost))
    return points


def _grouped(calls: list[PredictorCallRecord], key, by_time: bool = False) -> list[tuple[str, Totals]]:
    """Totals per key: most tokens first, or (`by_time`) in the order the groups began."""
    groups: dict[str, Totals] = defaultdict(Totals)
    first: dict[str, tuple[float, int]] = {}
    for call in calls:
        name = key(call)
        groups[name].add(call)
        first.setdefault(name, (call.start or 0.0, call.line))
    if by_time:
        return sorted(groups.items(), key=lambda kv: first[kv[0]])
    return sorted(groups.items(), key=lambda kv: (-kv[1].tokens, -kv[1].calls, kv[0]))


def _span_groups(spans: list[SpanRecord]) -> list[SpanGroup]:
    """Spans by type and name, in the order each began."""
    groups: dict[tuple[str, str], SpanGroup] = {}
    for span in sorted(spans, key=lambda r: (r.start or 0.0, r.line)):
        group = groups.setdefault((span.type, span.name), SpanGroup(span.type, span.name))
        group.count += 1
        group.seconds += span.seconds or 0.0
        group.errors += span.error is not None
    return list(groups.values())


def _evaluations(trace: TraceFile, calls: list[PredictorCallRecord]) -> list[Evaluation]:
    rows: dict[str, list[ExampleScoreRecord]] = defaultdict(list)
    for row in trace.of(ExampleScoreRecord):
        rows[row.evaluation].append(row)
    by_id = {c.span_id: c for c in calls if c.span_id}
    found = []
    for key, examples in rows.items():
        evaluation = Evaluation(key, examples[0].metric, examples)
        worst = sorted(examples, key=lambda r: (r.score, r.error is None, r.index))[:WORST]
        evaluation.worst = [(row, [trace.full(c) for c in _calls_of(row, calls, by_id)]) for row in worst]
        found.append(evaluation)
    return found


def _calls_of(row: ExampleScoreRecord, calls: list[PredictorCallRecord],
              by_id: dict[str, PredictorCallRecord]) -> list[PredictorCallRecord]:
    """The calls made on the example: by span id when the trace has them; else the latest
    `call_count` calls before the row whose inputs all come from the example (the first
    predictor's), and the calls between them and the row."""
    if row.call_ids:
        return [by_id[i] for i in row.call_ids if i in by_id]
    if not row.call_count:
        return []
    before = [c for c in calls if c.line < row.line]
    for last in range(len(before) - 1, -1, -1):
        if _inputs_match(before[last].inputs, row.example):
            start = last
            while start > 0 and last - start + 1 < row.call_count and _inputs_match(before[start - 1].inputs,
                                                                                      row.example):
                start -= 1
            return before[start:start + row.call_count]
    return []


def _inputs_match(inputs: dict[str, Any], example: dict[str, Any]) -> bool:
    return bool(inputs) and all(k in example and example[k] == v for k, v in inputs.items())

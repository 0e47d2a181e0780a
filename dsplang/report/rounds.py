"""A compile's rounds: the phases its optimizer went through (the `phase` span records under
its `compile` span), each with its LM calls, the candidates scored in it and the best score.

A call belongs to the phase span it ran under (its ancestors, by `parent_id`); a candidate was
scored in a phase when calls under the phase name it (their `candidate` field is its label in
the compile report). Traces without span fields have no rounds: the page then shows the
candidates alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dsplang.report.records import CompileReportRecord, PredictorCallRecord, Record, SpanRecord
from dsplang.report.totals import Totals

_MAX_DEPTH = 100        # ancestors followed from a call (a cycle in a broken trace ends there)


@dataclass(slots=True)
class Round:
    """One phase of a compile."""

    name: str
    seconds: float | None
    totals: Totals = field(default_factory=Totals)
    scored: list[str] = field(default_factory=list)     # candidate labels, in the order first seen
    best: float | None = None                           # the best of their scores
    best_so_far: float | None = None


@dataclass(slots=True)
class Compile:
    """A compile report and its rounds (none when the trace has no phase spans for it)."""

    record: CompileReportRecord
    rounds: list[Round]


def compiles_of(records: list[Record], calls: list[PredictorCallRecord]) -> list[Compile]:
    spans = {r.span_id: r for r in records if isinstance(r, SpanRecord) and r.span_id}
    phase_of = _phase_index(calls, spans)
    found = []
    for record in records:
        if isinstance(record, CompileReportRecord):
            phases = sorted((s for s in spans.values() if s.type == "phase" and s.parent_id is not None
                             and s.parent_id == record.parent_id), key=lambda s: (s.start or 0.0, s.line))
            found.append(Compile(record, _rounds(record, phases, calls, phase_of)))
    return found


def _phase_index(calls: list[PredictorCallRecord], spans: dict[str, SpanRecord]) -> dict[int, str]:
    """The span id of the phase each call (by its line) ran under, for calls under one."""
    index = {}
    for call in calls:
        parent, depth = call.parent_id, 0
        while parent is not None and parent in spans and depth < _MAX_DEPTH:
            span = spans[parent]
            if span.type == "phase":
                index[call.line] = parent
                break
            parent, depth = span.parent_id, depth + 1
    return index


def _rounds(record: CompileReportRecord, phases: list[SpanRecord], calls: list[PredictorCallRecord],
            phase_of: dict[int, str]) -> list[Round]:
    scores = {c.label: c.score for c in record.candidates}
    rounds = {p.span_id: Round(p.name, p.seconds) for p in phases if p.span_id}
    for call in calls:
        held = rounds.get(phase_of.get(call.line, ""))
        if held is None:
            continue
        held.totals.add(call)
        if call.candidate is not None and call.candidate not in held.scored:
            held.scored.append(call.candidate)
    best_so_far = None
    for held in rounds.values():
        known = [score for c in held.scored if (score := scores.get(c)) is not None]
        held.best = max(known) if known else None
        if held.best is not None and (best_so_far is None or held.best > best_so_far):
            best_so_far = held.best
        held.best_so_far = best_so_far
    return list(rounds.values())

"""A compile's rounds: its phase spans, the calls under each and the candidates they scored."""

from __future__ import annotations

import json

from dsplang.report.read import read_trace
from dsplang.report.summary import summarize


def span(span_id: str, parent: str | None, type_: str, name: str, start: float) -> dict:
    return {"kind": "span", "type": type_, "name": name, "span_id": span_id, "parent_id": parent,
            "start": start, "end": start + 1.0}


def call(parent: str, candidate: str | None, tokens: int) -> dict:
    return {"kind": "predictor_call", "parent_id": parent, "candidate": candidate, "prompt_tokens": tokens,
            "start": 0.0, "end": 0.0}


def test_rounds_in_the_order_they_began_with_the_best_scores(tmp_path):
    records = [
        call("m1", None, 1), span("m1", "p1", "module", "QA", 0.1),            # a call inside a module call
        span("p1", "c", "phase", "round 1", 0.0),
        call("k1", "A", 10), call("k2", "B", 20),
        span("k1", "p2", "candidate", "A", 1.1), span("k2", "p2", "candidate", "B", 1.2),
        span("p2", "c", "phase", "round 2", 1.0),
        call("k3", "C", 5), span("k3", "p3", "candidate", "C", 2.1), span("p3", "c", "phase", "round 3", 2.0),
        {"kind": "compile_report", "parent_id": "c", "candidates": [{"label": "A", "score": 50.0},
                                                                   {"label": "B", "score": 70.0},
                                                                   {"label": "C", "score": 60.0}]},
        span("c", None, "compile", "X", 0.0),
        call("elsewhere", "A", 1000),                                            # under no phase
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (compile_,) = summarize(read_trace(str(path))).compiles
    assert [(r.name, r.totals.calls, r.totals.tokens, r.scored, r.best, r.best_so_far) for r in compile_.rounds] == [
        ("round 1", 1, 1, [], None, None),
        ("round 2", 2, 30, ["A", "B"], 70.0, 70.0),
        ("round 3", 1, 5, ["C"], 60.0, 70.0)]
    assert compile_.rounds[0].seconds == 1.0


def test_no_span_fields_no_rounds(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"kind": "compile_report", "candidates": [{"label": "A", "score": 1.0}]}) + "\n",
                    encoding="utf-8")
    (compile_,) = summarize(read_trace(str(path))).compiles
    assert compile_.rounds == [] and compile_.record.candidates[0].label == "A"

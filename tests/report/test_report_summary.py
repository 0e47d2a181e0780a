"""What the page shows, computed from the records: totals, series, groups, worst examples."""

from __future__ import annotations

import json

from dsplang.report.read import read_trace
from dsplang.report.summary import summarize


def call(question: str, tokens: int, **more) -> dict:
    return {"kind": "predictor_call", "path": "qa.respond", "model": "m", "inputs": {"question": question},
            "messages": [{"role": "user", "content": question}], "prompt_tokens": tokens, "completion_tokens": 1,
            **more}


def scored(index: int, question: str, score: float, calls: int = 1, **more) -> dict:
    return {"kind": "example_score", "evaluation": "e1", "metric": "em", "index": index,
            "example": {"question": question, "answer": "x"}, "inputs": ["question"], "score": score,
            "call_count": calls, **more}


def summary_of(tmp_path, *records):
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return summarize(read_trace(str(path)))


def test_an_old_trace_without_span_fields(tmp_path):
    """No times: the series goes by call number; the examples' calls are found by their inputs."""
    s = summary_of(tmp_path, call("a?", 10), call("b?", 20, cost=0.25), call("b?", 5, error="boom"),
                   call("c?", 1, cache_hit=True), scored(0, "a?", 1.0), scored(1, "b?", 0.0, calls=2),
                   scored(2, "c?", 0.5))
    assert not s.timed and not s.span_fields
    assert [(p.x, p.tokens) for p in s.series] == [(1.0, 11), (2.0, 32), (3.0, 38), (4.0, 40)]
    t = s.totals
    assert (t.calls, t.cache_hits, t.failed, t.tokens, t.cost) == (4, 1, 1, 40, 0.25)
    (evaluation,) = s.evaluations
    assert evaluation.score == 50.0
    assert [(row.index, [c.line for c in calls]) for row, calls in evaluation.worst] == [(1, [2, 3]), (2, [4]),
                                                                                        (0, [1])]


def test_span_ids_link_an_example_to_its_calls(tmp_path):
    s = summary_of(tmp_path, call("a?", 1, span_id="s1", start=100.0, end=101.0),
                   call("a?", 1, span_id="s2", start=102.0, end=104.5),
                   scored(0, "a?", 0.0, call_ids=["s2"]))
    assert s.timed and s.span_fields
    assert [p.x for p in s.series] == [1.0, 4.5]                # seconds from the first call's start
    (_, calls), = s.evaluations[0].worst
    assert [c.span_id for c in calls] == ["s2"]


def test_calls_are_grouped_by_predictor_model_and_phase(tmp_path):
    s = summary_of(tmp_path, call("a", 5, phase="bootstrap", start=1.0),
                   call("a", 50, phase="scoring", candidate="2", start=2.0),
                   {**call("a", 500, start=3.0), "path": "other", "model": "big"})
    assert [(name, t.tokens) for name, t in s.by_path] == [("other", 501), ("qa.respond", 57)]
    assert [name for name, _ in s.by_model] == ["big", "m"]
    assert [name for name, _ in s.by_phase] == ["bootstrap", "scoring · candidate 2"]     # in time order

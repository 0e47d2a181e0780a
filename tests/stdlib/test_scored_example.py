"""evaluate() records each example's score in the trace, naming the calls made on it."""

from __future__ import annotations

import json

from dsplang.cli import main

PROGRAM = '''signature Echo:
    input  text: str
    output answer: str

module Twice():
    a = Predict(Echo)
    b = Predict(Echo)
    def forward(text: str):
        if text == "t5":
            a(text=text)
            return 1 / 0
        return b(text=a(text=text).answer)

use ScriptedLM({"t": {"answer": "t-echo"}})
let data = [Example(text="t" + str(i), answer="t-echo").with_inputs("text") for i in range(8)]
evaluate(Twice(), data, metric=exact_match, threads=3, display_progress=false)
evaluate(Twice(), data, metric=exact_match, concurrency=4, display_progress=false)
'''


def test_each_example_names_its_own_calls_on_threads_and_async(tmp_path):
    (tmp_path / "p.dsp").write_text(PROGRAM, encoding="utf-8")
    trace = tmp_path / "t.jsonl"
    assert main(["run", str(tmp_path / "p.dsp"), "--trace", str(trace), "--quiet"]) == 0
    records = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
    calls = {r["span_id"]: r for r in records if r["kind"] == "predictor_call"}
    rows = [r for r in records if r["kind"] == "example_score"]
    assert len(rows) == 16 and len({r["evaluation"] for r in rows}) == 2
    for row in rows:
        linked = [calls[i] for i in row["call_ids"]]
        assert linked[0]["inputs"] == {"text": row["example"]["text"]} and linked[0]["path"] == "a"
        if row["index"] == 5:
            assert row["score"] == 0.0 and "division by zero" in row["error"] and row["call_count"] == 1
        else:
            assert (row["score"], row["error"], row["call_count"]) == (1.0, None, 2)
            assert linked[1]["path"] == "b" and row["prediction"] == {"answer": "t-echo"}

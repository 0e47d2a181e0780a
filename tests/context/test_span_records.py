"""Span ids and parents of trace records: a module call is the parent of the calls inside it,
in threads (a copied context) and in async calls (greenlets) too; the JSONL keeps its old
fields and gains the span ones; OpenTelemetry is never imported unless exporting."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path

import dsplang
from dsplang.cli import main
from dsplang.context import spans, trace
from dsplang.context.ids import span_hex
from dsplang.context.run import current, current_span
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.parallel_runner import run_parallel

REPO = Path(dsplang.__file__).resolve().parent.parent
PROGRAM = '''
module Solver:
    solve = Predict("question -> answer")

    def forward(question):
        return solve(question=question)

let program = Solver()
'''


def test_a_module_call_is_the_parent_of_its_predictor_calls_in_threads_and_async_calls():
    lm = ScriptedLM([{"answer": str(i)} for i in range(12)])
    program = dsplang.run(PROGRAM, "spans.dsp").program
    before = current_span()          # the root span of the test's run (conftest enters one)
    with _use(lm), trace.collecting() as collected:
        with spans.opened("evaluate", "outer") as outer:
            run_parallel(lambda q: program(question=q), ["a", "b", "c", "d"], threads=4)

            async def both():
                return await asyncio.gather(*(program.acall(question=q) for q in ("e", "f")))
            asyncio.run(both())
        assert current_span() == before
    stamped = collected.stamped()
    modules = {s.span_id: s for r, s in stamped if isinstance(r, spans.SpanRecord) and r.type == "module"}
    calls = [(r, s) for r, s in stamped if isinstance(r, trace.PredictorCall)]
    assert len(modules) == len(calls) == 6
    assert all(s.parent_id in modules for _, s in calls)          # each call under a module span
    assert len({s.parent_id for _, s in calls}) == 6              # its own, not a neighbour's
    assert {s.parent_id for s in modules.values()} == {outer.context.span_id}
    assert len({s.trace_id for _, s in stamped}) == 1
    for rec, stamp in calls:
        module = modules[stamp.parent_id]
        assert module.start <= stamp.start <= stamp.end <= module.end + 1e-3
        assert rec.inputs["question"] in "abcdef"


def test_the_jsonl_trace_keeps_its_fields_and_gains_the_span_ones():
    lm = ScriptedLM([{"answer": "4"}])
    program = dsplang.run(PROGRAM, "spans.dsp").program
    with _use(lm), trace.collecting() as collected:
        program(question="2 + 2?")
    out = io.StringIO()
    collected.write_jsonl(out)
    call, module = [json.loads(line) for line in out.getvalue().splitlines()]
    assert call["kind"] == "predictor_call" and call["outputs"] == {"answer": "4"} and call["path"] == "solve"
    assert module["kind"] == "span" and (module["type"], module["name"]) == ("module", "Solver")
    for rec in (call, module):
        assert {"run_id", "trace_id", "span_id", "parent_id", "start", "end", "phase", "candidate"} <= rec.keys()
        assert len(rec["trace_id"]) == 32 and len(rec["span_id"]) == 16 and rec["start"] <= rec["end"]
    assert call["parent_id"] == module["span_id"] and module["parent_id"] == span_hex(current().ids.root_id)
    assert call["trace_id"] == module["trace_id"] == call["run_id"]


ROOTED = '''
use ScriptedLM([{"answer": "4"}, {"answer": "5"}])
module Solver:
    solve = Predict("question -> answer")

    def forward(question):
        return solve(question=question)

let program = Solver()
print(program(question="2 + 2?").answer)
print(evaluate(program, [Example(question="2 + 3?", answer="5").with_inputs("question")],
               lambda e, p: e.answer == p.answer, display_progress=false).score)
'''


def test_the_jsonl_trace_ends_with_the_run_root_span_that_parents_its_top_level_spans(tmp_path, capsys):
    (tmp_path / "ok.dsp").write_text(ROOTED)
    (tmp_path / "fails.dsp").write_text(ROOTED + "print(undefined_name)\n")
    for name, code in (("ok", 0), ("fails", 1)):
        out = tmp_path / f"{name}.jsonl"
        assert main(["run", str(tmp_path / f"{name}.dsp"), "--trace", str(out), "--quiet"]) == code
        records = [json.loads(line) for line in out.read_text().splitlines()]
        root = records[-1]
        assert (root["kind"], root["type"], root["name"], root["parent_id"]) == ("span", "run", "dsplang run", None)
        assert [r for r in records if r["parent_id"] is None] == [root]
        ids = {r["span_id"] for r in records}
        assert all(r["parent_id"] in ids for r in records[:-1])
        top = [r for r in records if r["parent_id"] == root["span_id"]]
        assert [(r["kind"], r.get("type")) for r in top] == [("span", "module"), ("span", "evaluate"),
                                                             ("example_score", None)]
        assert {r["trace_id"] for r in records} == {root["run_id"]} == {root["trace_id"]}
        assert all(root["start"] <= r["start"] <= r["end"] <= root["end"] for r in records)
        assert root["error"] == (None if code == 0 else "name 'undefined_name' is not defined")
    assert capsys.readouterr().out == "4\n100.0\n4\n100.0\n"


def test_opentelemetry_is_imported_only_when_exporting():
    code = ("import sys, dsplang, dsplang.cli\n"
            "from dsplang.driver.run import run_file\n"
            "import contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try: dsplang.cli.main(['--help'])\n"
            "    except SystemExit: pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n")
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def _use(lm):
    from dsplang.context.run import derived
    return derived(lm=lm)

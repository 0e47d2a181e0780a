"""`dsp test --report PATH`: the session's trace (each file's setup and each test a run of its
own, under its root span naming the test) becomes the same HTML report as `dsp run --report`."""

from __future__ import annotations

import json
from pathlib import Path

from dsplang.cli import main
from dsplang.context.run import Options
from dsplang.driver.testing import runner
from dsplang.driver.testing.report import Silent

QA = '''\
use ScriptedLM([{"answer": "4"}, {"answer": "5"}, {"answer": "6"}])
let qa = Predict("question -> answer")
let warm = qa(question="warm up?").answer

def test_adds():
    require qa(question="2 + 3?").answer == "5", "2 + 3 is 5"

def test_wrong():
    require qa(question="3 + 3?").answer == "7", "3 + 3 is 7"
'''


def test_the_report_of_a_test_session(tmp_path, capsys, monkeypatch):
    (tmp_path / "test_qa.dsp").write_text(QA)
    monkeypatch.chdir(tmp_path)
    assert main(["test", "--report", "tests.html", "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert " 1 failed, 1 passed in " in out and "dsp: report: tests.html" in err
    html = Path("tests.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<title>dsp report · .</title>" in html
    assert '<div class="label">LM calls</div><div class="value">3</div>' in html
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test_qa.dsp", "tests.html"]   # no trace left
    assert main(["test", "--report", str(tmp_path / "no" / "r.html")]) == 1
    err = capsys.readouterr().err
    assert "cannot write the report to" in err and "test_qa.dsp" not in err           # nothing ran


def test_the_session_trace_has_a_root_span_per_run(tmp_path):
    path = tmp_path / "test_qa.dsp"
    path.write_text(QA)
    trace = tmp_path / "trace.jsonl"
    session = runner.run_tests([str(path)], runner.TestOptions(Options(trace_path=str(trace), quiet=True)), Silent())
    assert [r.outcome for r in session.results] == ["passed", "failed"]
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    roots = [r for r in records if r["parent_id"] is None]
    assert [(r["type"], r["name"], r["attributes"]["dsp.test"]) for r in roots] == [
        ("run", "dsplang run", f"{path}::{name}") for name in ("<setup>", "test_adds", "test_wrong")]
    assert len({r["run_id"] for r in roots}) == 3
    calls = [r for r in records if r["kind"] == "predictor_call"]
    by_run = {r["run_id"]: r for r in roots}
    assert [by_run[c["run_id"]]["attributes"]["dsp.test"].rsplit("::")[-1] for c in calls] == [
        "<setup>", "test_adds", "test_wrong"]
    assert all(c["parent_id"] == by_run[c["run_id"]]["span_id"] for c in calls)

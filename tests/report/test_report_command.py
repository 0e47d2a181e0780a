"""`dsp report TRACE`, and `--report PATH` on `dsp run` and `dsp compile`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from dsplang.cli import main

PROGRAM = Path(__file__).parent / "program.dsp"

FAILING = '''signature Echo:
    input  text: str
    output echo: str

use ScriptedLM([{"echo": "one"}])
let say = Predict(Echo)
print(say(text="hi").echo)
print(undefined_name)
'''


def test_report_of_a_trace(report_run, tmp_path, capsys):
    trace = tmp_path / "run.jsonl"
    shutil.copy(report_run.trace, trace)
    assert main(["report", str(trace)]) == 0
    out = capsys.readouterr().out
    assert out == f"{tmp_path / 'run.html'}: 42 LM calls, 1 compile, 1 evaluation\n"
    assert (tmp_path / "run.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_bad_traces_are_errors_with_a_position_never_a_traceback(tmp_path, capsys):
    assert main(["report", str(tmp_path / "none.jsonl")]) == 1
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "predictor_call"}\n{"kind": \n', encoding="utf-8")
    assert main(["report", str(bad), "-o", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2:10: file error: not a JSON line" in err and "Traceback" not in err
    assert not (tmp_path / "r.html").exists()
    assert main(["report", str(bad), "-o", str(bad)]) == 1
    assert "would overwrite its trace" in capsys.readouterr().err


def test_skipped_records_are_warnings(tmp_path, capsys):
    trace = tmp_path / "t.jsonl"
    trace.write_text(json.dumps({"kind": "future_thing"}) + "\n" + json.dumps({"kind": "predictor_call"}),
                     encoding="utf-8")
    assert main(["report", str(trace), "-o", str(tmp_path / "r.html")]) == 0
    captured = capsys.readouterr()
    assert f"dsp: warning: {trace}:1:1: a record of unknown kind 'future_thing'; skipped" in captured.err
    assert captured.out.endswith(": 1 LM call, 0 compiles, 0 evaluations\n")


def test_compile_report(tmp_path, monkeypatch, capsys):
    shutil.copy(PROGRAM, tmp_path / "program.dsp")
    monkeypatch.chdir(tmp_path)
    assert main(["compile", "program.dsp", "--report", "compiled.html", "--quiet"]) == 0
    html = (tmp_path / "compiled.html").read_text(encoding="utf-8")
    assert "BootstrapFewShotWithRandomSearch on QA" in html and "Evaluation 1" not in html
    assert "<title>dsp report · program.dsp</title>" in html          # the program, not the temporary trace
    assert "dsp: report: compiled.html" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.jsonl"))          # the trace was a temporary file


def test_a_failed_run_still_gets_its_report(tmp_path, monkeypatch, capsys):
    (tmp_path / "fails.dsp").write_text(FAILING, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "fails.dsp", "--report", "r.html", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "name 'undefined_name' is not defined" in err and "dsp: report: r.html" in err
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<div class="label">LM calls</div><div class="value">1</div>' in html and "one" in html


def test_a_report_that_cannot_be_written_stops_the_run_before_it_starts(tmp_path, capsys):
    (tmp_path / "fails.dsp").write_text(FAILING, encoding="utf-8")
    assert main(["run", str(tmp_path / "fails.dsp"), "--report", str(tmp_path / "no" / "r.html")]) == 1
    err = capsys.readouterr().err
    assert "cannot write the report to" in err and "no such folder" in err and "one" not in err

"""`dsp report` on traces and output paths a hostile or careless user gives: times that are not
times, NaN and infinity, an output that is a link to the trace, a device or a pipe."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from dsplang.cli import main
from dsplang.errors import DspArgumentError
from dsplang.report.build import write_report

CALL = {"kind": "predictor_call", "path": "qa.predict", "model": "m", "prompt_tokens": 10,
        "completion_tokens": 2, "messages": [{"role": "user", "content": "hi"}], "replies": ["yo"],
        "start": 1_700_000_000.0, "end": 1_700_000_001.0}


def trace_of(tmp_path, *records: dict) -> str:
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("field, value", [("start", float("nan")), ("start", float("inf")), ("start", 1e300),
                                          ("end", -5), ("start", "0001-01-01T00:00:00"),
                                          ("cost", float("nan")), ("latency", float("-inf"))])
def test_numbers_that_are_not_times_or_amounts_leave_the_record_out_with_a_warning(tmp_path, field, value):
    trace = trace_of(tmp_path, CALL, {**CALL, field: value})
    summary = write_report(trace, str(tmp_path / "r.html"))
    assert summary.line().startswith("1 LM call")
    [warning] = summary.warnings
    assert warning.startswith(f"{trace}:2:1: a predictor_call record whose '{field}' is wrong")


def test_the_output_may_not_be_the_trace_by_another_name(tmp_path):
    trace = trace_of(tmp_path, CALL)
    os.symlink(trace, tmp_path / "link.jsonl")
    os.link(trace, tmp_path / "hard.jsonl")
    before = Path(trace).read_text(encoding="utf-8")
    for other in ("link.jsonl", "hard.jsonl"):
        with pytest.raises(DspArgumentError, match="would overwrite its trace"):
            write_report(trace, str(tmp_path / other))
    assert Path(trace).read_text(encoding="utf-8") == before


def test_a_link_to_a_report_keeps_pointing_at_it(tmp_path):
    os.symlink(tmp_path / "real.html", tmp_path / "link.html")
    write_report(trace_of(tmp_path, CALL), str(tmp_path / "link.html"))
    assert os.path.islink(tmp_path / "link.html")
    assert (tmp_path / "real.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_pipe_is_written_to_and_never_replaced(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)      # a reader, so the writer's open returns
    try:
        os.set_blocking(reader, True)
        fd = os.open(fifo, os.O_WRONLY)                     # keeps the pipe open while we read
        assert main(["report", trace_of(tmp_path, CALL), "-o", str(fifo)]) == 0
        os.close(fd)
        received = b""
        while chunk := os.read(reader, 1 << 16):
            received += chunk
    finally:
        os.close(reader)
    assert received.startswith(b"<!DOCTYPE html>")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    out, err = capsys.readouterr()
    assert out == ""                            # `-o /dev/stdout | ...` gets the page alone
    assert err.startswith(f"{fifo}: 1 LM call")


def test_the_summary_of_a_report_written_to_a_file_goes_to_stdout(tmp_path, capsys):
    assert main(["report", trace_of(tmp_path, CALL), "-o", str(tmp_path / "r.html")]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{tmp_path / 'r.html'}: 1 LM call") and err == ""


def test_a_bad_line_shown_under_its_error_cannot_drive_the_terminal(tmp_path, capsys):
    trace = tmp_path / "t.jsonl"
    trace.write_text('{"kind": "x"}\n\x1b]0;pwned\x07\x1b[2J\x9b31m garbage\n', encoding="utf-8")
    assert main(["report", str(trace), "-o", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert f"{trace}:2:1: file error: not a JSON line" in err
    assert "\x1b" not in err and "\x07" not in err and "\x9b" not in err
    assert "\ufffd]0;pwned\ufffd\ufffd[2J\ufffd31m garbage" in err          # one mark a character: the caret still fits


def test_a_compile_with_very_many_candidates_keeps_the_page_small(tmp_path):
    candidates = [{"label": f"c{i}", "score": float(i % 97)} for i in range(20_000)]
    trace = trace_of(tmp_path, {"kind": "compile_report", "optimizer": "X", "program": "p",
                                "candidates": candidates, "chosen": 15_000})
    write_report(trace, str(tmp_path / "r.html"))
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert len(page) < 1_000_000                       # was 5.8 MB: every candidate a row and a dot
    assert "20,000 candidates (the table shows the first 500 and the chosen one)" in page
    assert page.count('<tr class="chosen"><td class="num">15001</td><td>c15000</td>') == 1
    assert page.count("<circle") <= 2001


def test_a_trace_piped_in_needs_an_output_path_and_is_read_once(tmp_path):
    import subprocess
    import sys
    text = Path(trace_of(tmp_path, CALL)).read_text(encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    def report(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dsplang.cli", "report", "/dev/stdin", *args], input=text,
                              env=env, capture_output=True, text=True, timeout=60)
    refused = report()                                  # its default output was /dev/stdin.html
    assert refused.returncode == 1
    assert "argument error: the trace /dev/stdin is a pipe or a device: give the report's path" in refused.stderr
    done = report("-o", str(tmp_path / "piped.html"))
    assert done.returncode == 0 and done.stdout.endswith(": 1 LM call, 0 compiles, 0 evaluations\n")


def test_prompts_past_the_calls_table_are_not_held_but_a_worst_examples_are_shown(tmp_path):
    from dsplang.report.read import KEPT_PROMPTS, read_trace
    calls = [{**CALL, "span_id": f"s{i}", "messages": [{"role": "user", "content": f"prompt number {i}"}]}
             for i in range(KEPT_PROMPTS + 100)]
    worst = {"kind": "example_score", "evaluation": "ev", "metric": "m", "example": {"q": "x"}, "score": 0.0,
             "call_count": 1, "call_ids": [f"s{KEPT_PROMPTS + 50}"]}
    trace = trace_of(tmp_path, *calls, worst)
    read = read_trace(trace)
    assert read.records[KEPT_PROMPTS - 1].messages and not read.records[KEPT_PROMPTS].messages
    assert read.full(read.records[KEPT_PROMPTS]).messages[0]["content"] == f"prompt number {KEPT_PROMPTS}"
    write_report(trace, str(tmp_path / "r.html"))
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert f"prompt number {KEPT_PROMPTS + 50}<" in page and f"prompt number {KEPT_PROMPTS - 1}<" in page
    assert f"prompt number {KEPT_PROMPTS + 49}<" not in page

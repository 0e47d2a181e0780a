"""Reading a trace file: every bad line is an error at file:line:col, or left out with a warning."""

from __future__ import annotations

import json

import pytest

from dsplang.errors import DspFileError, render
from dsplang.report.read import read_trace
from dsplang.report.records import CompileReportRecord, PredictorCallRecord

CALL = {"kind": "predictor_call", "path": "qa.predict", "model": "m", "prompt_tokens": 10,
        "completion_tokens": 2, "messages": [{"role": "user", "content": "hi"}], "replies": ["yo"]}


def write(tmp_path, text: str, name: str = "t.jsonl"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def lines(*records) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def test_reads_each_kind_it_knows(tmp_path):
    compile_report = {"kind": "compile_report", "optimizer": "X", "candidates": [{"label": "a", "score": 50.0}]}
    trace = read_trace(write(tmp_path, lines(CALL, compile_report)))
    assert [type(r) for r in trace.records] == [PredictorCallRecord, CompileReportRecord]
    assert trace.records[0].tokens == 12 and trace.records[0].line == 1
    assert trace.records[0].span_id is None and not trace.warnings          # an old trace: no span fields


def test_a_missing_file_and_a_folder(tmp_path):
    with pytest.raises(DspFileError, match="no such file: .*nope.jsonl"):
        read_trace(str(tmp_path / "nope.jsonl"))
    with pytest.raises(DspFileError, match="is a folder"):
        read_trace(str(tmp_path))


def test_a_line_that_is_not_json_is_an_error_at_its_line_and_column(tmp_path):
    path = write(tmp_path, lines(CALL) + '{"kind": "predictor_call", "path": oops}\n' + lines(CALL))
    with pytest.raises(DspFileError) as raised:
        read_trace(path)
    assert str(raised.value.span) == f"{path}:2:36"
    shown = render(raised.value)
    assert "not a JSON line" in shown and "one JSON object per line" in shown


def test_a_json_document_that_is_not_jsonl(tmp_path):
    path = write(tmp_path, json.dumps([CALL, CALL], indent=2) + "\n")
    with pytest.raises(DspFileError) as raised:
        read_trace(path)
    assert raised.value.span.line == 1 and "not a JSON line" in raised.value.message


def test_a_line_that_is_not_an_object(tmp_path):
    path = write(tmp_path, lines(CALL, [1, 2]))
    with pytest.raises(DspFileError, match="not a trace record: a JSON list") as raised:
        read_trace(path)
    assert raised.value.span.line == 2


def test_a_cut_off_last_line_is_left_out_with_a_warning(tmp_path):
    path = write(tmp_path, lines(CALL, CALL) + json.dumps(CALL)[:25])
    trace = read_trace(path)
    assert len(trace.records) == 2 and trace.skipped == 1
    assert trace.warnings == [f"{path}:3:1: the last line is cut off (was the run stopped while writing "
                              "the trace?); skipped"]


def test_unknown_kinds_and_wrong_fields_are_left_out_with_warnings(tmp_path):
    path = write(tmp_path, lines(CALL, {"kind": "telemetry", "x": 1}, {"no": "kind"},
                                 {**CALL, "prompt_tokens": "many"}, {**CALL, "start": "yesterday"}, CALL))
    trace = read_trace(path)
    assert len(trace.records) == 2 and trace.skipped == 4
    assert f"{path}:2:1: a record of unknown kind 'telemetry'; skipped" in trace.warnings
    assert f"{path}:3:1: a record without a kind; skipped" in trace.warnings
    assert any(w.startswith(f"{path}:4:1: a predictor_call record whose 'prompt_tokens' is wrong")
               for w in trace.warnings)
    assert any(w.startswith(f"{path}:5:1:") and "not a time" in w for w in trace.warnings)


def test_blank_lines_and_crlf_are_fine(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\r\n" + json.dumps(CALL).encode() + b"\r\n\r\n")
    assert len(read_trace(str(path)).records) == 1


def test_bytes_that_are_not_utf8(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(json.dumps(CALL).encode() + b'\n{"kind": "\xff"}\n')
    with pytest.raises(DspFileError, match="not UTF-8") as raised:
        read_trace(str(path))
    assert (raised.value.span.line, raised.value.span.col) == (2, 11)


def test_iso_times_and_numeric_ids_are_read(tmp_path):
    record = {**CALL, "start": "2026-01-02T03:04:05+00:00", "span_id": 17, "candidate": 3}
    call = read_trace(write(tmp_path, lines(record))).records[0]
    assert call.start == 1767323045.0 and call.span_id == "17" and call.candidate == "3"


def test_columns_count_from_the_start_of_the_line(tmp_path):
    path = write(tmp_path, '   {"kind": nope}\r\n')
    with pytest.raises(DspFileError) as raised:
        read_trace(path)
    assert (raised.value.span.line, raised.value.span.col) == (1, 13)

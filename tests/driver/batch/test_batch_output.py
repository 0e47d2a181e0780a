"""`dsp batch`'s output: what a rerun finds there (rows done, a cut-off last line, error
lines to retry) and the lines it refuses to append to."""

from __future__ import annotations

import pytest

from dsplang.driver.batch.output import DoneRows, OutputWriter, key_ident, previous
from dsplang.errors import DspFileError

LINES = ('{"row": 0, "outputs": {"answer": "a"}}\n'
         '{"row": 2, "line": 3, "error": "data.jsonl:3:1: LM error: down"}\n'
         '{"row": 1, "outputs": {"answer": "b"}}\n')


def test_rows_with_outputs_or_errors_are_done_and_a_missing_file_is_an_empty_start(tmp_path):
    out = tmp_path / "out.jsonl"
    assert previous(str(out), by_key=False, retry_errors=False).done.count == 0
    out.write_text(LINES)
    found = previous(str(out), by_key=False, retry_errors=False)
    assert (found.done.count, found.errors) == (3, 1)
    assert [i in found.done for i in range(4)] == [True, True, True, False]


def test_retry_errors_removes_the_error_lines_from_the_file(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text(LINES)
    found = previous(str(out), by_key=False, retry_errors=True)
    assert (found.done.count, found.retried) == (2, 1) and 2 not in found.done
    assert out.read_text() == LINES.splitlines(keepends=True)[0] + LINES.splitlines(keepends=True)[2]


def test_a_last_line_cut_off_by_a_kill_is_removed(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text(LINES + '{"row": 3, "outp')
    found = previous(str(out), by_key=False, retry_errors=False)
    assert found.done.count == 3 and out.read_text() == LINES


def test_a_line_batch_did_not_write_is_an_error_at_its_position(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text(LINES + "not json\n" + LINES)
    with pytest.raises(DspFileError) as caught:
        previous(str(out), by_key=False, retry_errors=False)
    assert str(caught.value).endswith("out.jsonl:4:1: file error: line 4 of the output file is not valid JSON "
                                      "(Expecting value)")
    out.write_text('{"answer": "x"}\n')
    with pytest.raises(DspFileError, match="not a line dsp batch writes"):
        previous(str(out), by_key=False, retry_errors=False)


def test_by_key_rows_are_matched_by_their_key_and_a_keyless_output_is_refused(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text('{"row": 0, "key": "q-1", "outputs": {}}\n{"row": 1, "key": [1, 2], "outputs": {}}\n')
    found = previous(str(out), by_key=True, retry_errors=False)
    assert key_ident("q-1") in found.done and key_ident([1, 2]) in found.done and 0 not in found.done
    out.write_text(LINES)
    with pytest.raises(DspFileError, match="written without --key"):
        previous(str(out), by_key=True, retry_errors=False)


def test_done_rows_keep_millions_of_row_numbers_as_bits():
    done = DoneRows()
    for i in range(0, 3_000_000, 3):
        done.add(i)
    assert done.count == 1_000_000 and len(done.bits) <= 3_000_000 // 8 + 1
    assert 2_999_997 in done and 2_999_998 not in done and 10**9 not in done


def test_the_writer_appends_flushed_lines_and_says_when_it_cannot_write(tmp_path):
    out = tmp_path / "sub" / "out.jsonl"
    writer = OutputWriter(str(out))
    writer.write({"row": 0, "outputs": {"answer": "é"}})
    assert out.read_text(encoding="utf-8") == '{"row": 0, "outputs": {"answer": "é"}}\n'    # before close
    writer.close()
    with pytest.raises(DspFileError, match="cannot write the output"):
        OutputWriter(str(tmp_path))

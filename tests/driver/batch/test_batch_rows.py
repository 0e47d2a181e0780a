"""`dsp batch`'s input: JSONL rows, and what is wrong with a bad line (file:line:col)."""

from __future__ import annotations

import pytest

from dsplang.driver.batch.rows import BadRow, Row, RowFormat, count_rows, read_rows
from dsplang.errors import DspFileError

PLAIN = RowFormat()


def rows(tmp_path, text: str, form: RowFormat = PLAIN) -> list[Row | BadRow]:
    path = tmp_path / "data.jsonl"
    path.write_text(text, encoding="utf-8")
    return list(read_rows(str(path), form))


def test_each_non_blank_line_is_a_row_numbered_from_zero(tmp_path):
    found = rows(tmp_path, '{"q": "a"}\n\n  \n{"q": "b", "n": 2}\n')
    assert [(r.index, r.line, r.inputs) for r in found] == [(0, 1, {"q": "a"}), (1, 4, {"q": "b", "n": 2})]
    assert count_rows(str(tmp_path / "data.jsonl")) == 2


def test_a_bad_line_is_a_row_whose_error_says_where(tmp_path):
    found = rows(tmp_path, '{"q": "a"}\n{"q": "b"\n[1, 2]\n  "text"\n{"q": "c"}')
    assert [type(r) for r in found] == [Row, BadRow, BadRow, BadRow, Row]
    assert str(found[1].error).endswith("data.jsonl:2:10: value error: the line is not valid JSON: "
                                        "Expecting ',' delimiter")
    assert "data.jsonl:3:1: value error: a row must be a JSON object" in str(found[2].error)
    assert "got a list" in str(found[2].error) and "got a string" in str(found[3].error)
    assert found[3].error.span.col == 3
    assert found[4].inputs == {"q": "c"}         # a last line without a newline is a row


def test_the_key_field_is_not_an_input_and_inputs_picks_fields(tmp_path):
    form = RowFormat(key="id", inputs=("question",))
    found = rows(tmp_path, '{"id": 7, "question": "q", "answer": "a"}\n{"question": "q"}\n{"id": 8}\n', form)
    assert (found[0].key, found[0].inputs) == (7, {"question": "q"})
    assert "the row has no key field 'id'" in str(found[1].error)
    assert found[2].key == 8 and "no input field 'question'" in str(found[2].error)


def test_a_missing_input_file_or_one_that_is_not_utf8_is_a_file_error(tmp_path):
    with pytest.raises(DspFileError, match="no such input file"):
        list(read_rows(str(tmp_path / "nope.jsonl"), RowFormat()))
    (tmp_path / "bin.jsonl").write_bytes(b'{"q": "a"}\n{"q": "\xff"}\n')
    with pytest.raises(DspFileError, match=r"bin.jsonl:2:8: file error: the input is not UTF-8"):
        list(read_rows(str(tmp_path / "bin.jsonl"), RowFormat()))

"""load() for .jsonl, .json and .csv; errors that point at the row; split()."""

from __future__ import annotations

import json

import pytest

from dsplang.errors import (
    DspArgumentError,
    DspFileError,
    DspKeyError,
    DspTypeError,
    DspValueError,
    SourceRegistry,
    render,
)
from dsplang.stdlib.data import load, split
from dsplang.stdlib.example import Example

ROWS = [{"question": "2+2?", "answer": "4"}, {"question": "capital of France?", "answer": "Paris"}]


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(rows) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


# ------------------------------------------------------------------ formats


def test_load_jsonl_marks_inputs_and_keeps_order(tmp_path):
    path = write(tmp_path, "train.jsonl", jsonl(ROWS) + "\n")
    examples = load(str(path), inputs=["question"])
    assert [e.question for e in examples] == ["2+2?", "capital of France?"]
    assert all(isinstance(e, Example) and e.input_keys == ("question",) for e in examples)
    assert examples[1].inputs().to_dict() == {"question": "capital of France?"}
    assert examples[1].labels().to_dict() == {"answer": "Paris"}


def test_jsonl_strings_may_hold_unicode_line_separators_raw(tmp_path):
    rows = [{"question": "first\u2028second\u0085third", "answer": "x"}, {"question": "q2", "answer": "y"}]
    text = "".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in rows) + '{"answer": "z"}\n'
    path = write(tmp_path, "t.jsonl", text)
    with pytest.raises(DspKeyError) as caught:      # line numbers count only \n
        load(path, inputs=["question"])
    assert caught.value.span.line == 3
    path.write_text(text.rsplit("{", 1)[0], encoding="utf-8")
    assert [e.question for e in load(path, inputs=["question"])] == ["first\u2028second\u0085third", "q2"]


def test_load_json_list_and_object_with_one_list(tmp_path):
    as_list = write(tmp_path, "a.json", json.dumps(ROWS, indent=2))
    as_object = write(tmp_path, "b.json", json.dumps({"version": 1, "data": ROWS}))
    assert [e.answer for e in load(as_list, inputs="question")] == ["4", "Paris"]
    assert [e.answer for e in load(as_object, inputs=["question"])] == ["4", "Paris"]


def test_load_json_object_with_several_lists_needs_key(tmp_path):
    path = write(tmp_path, "splits.json", json.dumps({"train": ROWS, "dev": ROWS[:1]}))
    with pytest.raises(DspValueError) as caught:
        load(path, inputs=["question"])
    assert "several lists (train, dev)" in caught.value.message
    assert "key='train'" in caught.value.hint
    assert len(load(path, inputs=["question"], key="dev")) == 1


def test_load_csv_values_are_strings(tmp_path):
    path = write(tmp_path, "qa.csv", 'question,answer\n"Hello, world?",42\nsecond,x\n')
    examples = load(path, inputs=["question"])
    assert examples[0].to_dict() == {"question": "Hello, world?", "answer": "42"}
    assert len(examples) == 2


def test_fields_keeps_or_renames_and_limit_takes_first_rows(tmp_path):
    rows = [{"q": f"q{i}", "a": str(i), "noise": i} for i in range(5)]
    path = write(tmp_path, "d.jsonl", jsonl(rows))
    kept = load(path, inputs=["q"], fields=["q", "a"], limit=2)
    assert [e.to_dict() for e in kept] == [{"q": "q0", "a": "0"}, {"q": "q1", "a": "1"}]
    renamed = load(path, inputs=["question"], fields={"q": "question", "a": "answer"})
    assert renamed[4].to_dict() == {"question": "q4", "answer": "4"}
    with pytest.raises(DspKeyError) as caught:
        load(path, inputs=["q"], fields=["q", "answr"])
    assert caught.value.hint is not None and "its fields are" in caught.value.hint


# ------------------------------------------------------------------ errors


def test_bad_jsonl_row_names_its_line_and_renders_it(tmp_path):
    lines = [json.dumps(r) for r in ROWS] + ["", "[1, 2]"]
    path = write(tmp_path, "train.jsonl", "\n".join(lines) + "\n")
    with pytest.raises(DspValueError) as caught:
        load(path, inputs=["question"])
    err = caught.value
    assert (err.span.file, err.span.line, err.span.col) == (str(path), 4, 1)
    assert str(err) == f"{path}:4:1: value error: not a JSON object (got a list)"
    assert "    4 | [1, 2]" in render(err, SourceRegistry())


def test_invalid_json_syntax_points_at_the_column(tmp_path):
    path = write(tmp_path, "t.jsonl", '{"question": "a"}\n{"question": "b",}\n')
    with pytest.raises(DspValueError) as caught:
        load(path, inputs=["question"])
    assert caught.value.span.line == 2
    assert caught.value.message.startswith("invalid JSON:")


def test_json_list_item_that_is_not_an_object_has_its_line(tmp_path):
    path = write(tmp_path, "d.json", '{"rows": [\n  {"question": "a"},\n  "oops"\n]}\n')
    with pytest.raises(DspValueError) as caught:
        load(path, inputs=["question"])
    assert (caught.value.span.line, caught.value.span.col) == (3, 3)
    assert "not a JSON object (in 'rows') (got a string)" in caught.value.message


def test_csv_row_with_too_many_values(tmp_path):
    path = write(tmp_path, "d.csv", "question,answer\na,b\nc,d,e\n")
    with pytest.raises(DspValueError) as caught:
        load(path, inputs=["question"])
    assert caught.value.span.line == 3
    assert "3 values but the header has 2 columns" in caught.value.message


def test_missing_file_names_the_path_and_the_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DspFileError) as caught:
        load("data/nope.jsonl", inputs=["question"])
    assert "'data/nope.jsonl'" in caught.value.message
    assert str(tmp_path) in caught.value.hint


def test_relative_paths_are_read_from_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    write(tmp_path / "data", "t.jsonl", jsonl(ROWS))
    monkeypatch.chdir(tmp_path)
    assert len(load("data/t.jsonl", inputs=["question"])) == 2


def test_unknown_input_field_suggests_the_near_name(tmp_path):
    path = write(tmp_path, "t.jsonl", jsonl(ROWS))
    with pytest.raises(DspKeyError) as caught:
        load(path, inputs=["qestion"])
    assert "has the input field 'qestion'" in caught.value.message
    assert caught.value.hint == "did you mean 'question'?"


def test_row_missing_an_input_is_reported_at_its_line(tmp_path):
    path = write(tmp_path, "t.jsonl", jsonl(ROWS + [{"answer": "x"}]))
    with pytest.raises(DspKeyError) as caught:
        load(path, inputs=["question"])
    assert caught.value.span.line == 3


def test_inputs_are_required_and_other_argument_errors(tmp_path):
    path = write(tmp_path, "t.jsonl", jsonl(ROWS))
    with pytest.raises(DspArgumentError) as caught:
        load(path)
    assert "inputs=" in caught.value.hint
    with pytest.raises(DspArgumentError):
        load(path, inputs=["question"], limit=-1)
    with pytest.raises(DspFileError, match="reads .jsonl, .json and .csv"):
        load(write(tmp_path, "t.txt", "hi"), inputs=["question"])
    with pytest.raises(DspValueError, match="is empty"):
        load(write(tmp_path, "e.jsonl", "\n"), inputs=["question"])


# ------------------------------------------------------------------ split


def numbered(n: int) -> list[Example]:
    return [Example(i=i).with_inputs("i") for i in range(n)]


def test_split_is_deterministic_and_a_partition():
    data = numbered(10)
    train, dev = split(data, 0.8)
    again, _ = split(data, 0.8)
    assert (len(train), len(dev)) == (8, 2)
    assert train == again
    assert sorted(e.i for e in train + dev) == list(range(10))
    assert [e.i for e in data] == list(range(10))          # the input is not shuffled
    other, _ = split(data, 0.8, seed=1)
    assert other != train


def test_split_by_sizes_and_bad_arguments():
    train, dev = split(numbered(10), sizes=(3, 2))
    assert (len(train), len(dev)) == (3, 2)
    assert not {e.i for e in train} & {e.i for e in dev}
    with pytest.raises(DspValueError):
        split(numbered(3), sizes=(3, 1))
    with pytest.raises(DspArgumentError):
        split(numbered(3), 1.5)


def test_split_rounds_half_up_and_checks_its_arguments():
    assert [len(part) for part in split(numbered(5), 0.5)] == [3, 2]
    assert [len(part) for part in split(numbered(7), 0.5)] == [4, 3]
    assert [len(part) for part in split(numbered(1), 0.5)] == [1, 0]
    with pytest.raises(DspArgumentError, match="ratio or sizes, not both"):
        split(numbered(10), 0.5, sizes=(3, 2))
    with pytest.raises(DspArgumentError, match="seed must be a whole number"):
        split(numbered(10), seed="x")
    with pytest.raises(DspTypeError, match="must be a list"):
        split("abc")


def test_csv_header_names_must_be_unique_and_present(tmp_path):
    for header, message in [("question,answer,question", "names the column 'question' twice"),
                            ("question,answer,", "column 3 of the CSV header has no name")]:
        path = write(tmp_path, "t.csv", f"{header}\nq,a,x\n")
        with pytest.raises(DspValueError, match=message) as caught:
            load(path, inputs=["question"])
        assert caught.value.span.line == 1


def test_options_that_do_not_apply_are_refused(tmp_path):
    path = write(tmp_path, "d.jsonl", jsonl(ROWS))
    with pytest.raises(DspArgumentError, match="key= picks a list inside a .json file"):
        load(path, inputs=["question"], key="rows")
    assert load(path, inputs=["question"], fields="question")[0].to_dict() == {"question": "2+2?"}
    with pytest.raises(DspArgumentError, match="the same name"):
        load(path, inputs=["question"], fields={"question": "q", "answer": "q"})
    partial = write(tmp_path, "p.jsonl", jsonl(ROWS) + '{"quest": "x"}\n')
    with pytest.raises(DspKeyError) as caught:
        load(partial, inputs=["question"])
    assert caught.value.hint == "did you mean 'quest'?"          # the row's field nearest the input

"""Any JSON lines at all: `dsp report` writes a page or names the bad line, never crashes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsplang.errors import DspFileError
from dsplang.report.build import write_report
from dsplang.report.records import KINDS

FIELDS = ["path", "model", "messages", "replies", "inputs", "prompt_tokens", "cost", "start", "end", "span_id",
          "candidates", "chosen", "score", "example", "prediction", "call_ids", "call_count", "error", "phase",
          "candidate", "type", "name", "attributes", "index", "evaluation", "usage", "wall_time", "content"]
scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | \
    st.text(max_size=20)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) |
                      st.dictionaries(st.sampled_from(FIELDS + ["role", "label", "text"]), inner, max_size=3),
                      max_leaves=4)
records = st.fixed_dictionaries({"kind": st.sampled_from([*KINDS, "other"])},
                                optional={f: values for f in FIELDS})


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=30)
@given(st.lists(records, max_size=6), st.booleans())
def test_any_records(folder, rows, cut):
    text = "".join(json.dumps(r) + "\n" for r in rows)
    if cut and text:
        text = text[:-len(text) // 3]
    (folder / "t.jsonl").write_text(text, encoding="utf-8")
    try:
        summary = write_report(str(folder / "t.jsonl"), str(folder / "t.html"))
    except DspFileError as err:
        assert err.span is not None and err.span.line >= 1
        return
    assert summary.records + summary.skipped <= len(rows)
    assert (folder / "t.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

"""The batch tests' fixture: a program and its input rows in a temporary folder."""

from __future__ import annotations

import pytest
from loading import load_helper

helpers = load_helper("driver/batch/batch_rows.py")


@pytest.fixture
def batch_files(tmp_path):
    """(program, input, output) paths: 20 rows and a malformed last line."""
    (tmp_path / "qa.dsp").write_text(helpers.PROGRAM)
    helpers.write_rows(tmp_path / "in.jsonl", helpers.rows(20), extra='{"question": "broken"\n')
    return tmp_path / "qa.dsp", tmp_path / "in.jsonl", tmp_path / "out.jsonl"

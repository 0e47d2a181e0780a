"""The examples of these modules pass `dsp check` and run offline on their scripted LMs."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsplang.cli import main

EXAMPLES = Path(__file__).parents[3] / "examples"
EXPECTED = {
    "react_tools.dsp": "Tokyo is about 6.6 times as populous as Paris.",
    "refine.dsp": "Library extends weekend hours",
    "parallel.dsp": "positive | Great pasta.",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_checks_and_runs(name, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(EXAMPLES)
    monkeypatch.setenv("DSP_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("DSP_LM", raising=False)
    assert main(["check", name]) == 0
    assert main(["run", name, "--quiet"]) == 0, capsys.readouterr().err
    assert EXPECTED[name] in capsys.readouterr().out

"""Every example runs offline (scripted LMs), except those that exist to run on a model you name
and those marked `# needs: local model` (tests/lm/test_local_model.py runs hello.dsp);
an example with a NAME.out file beside it must print exactly that."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsplang.analysis.checker import check_file
from dsplang.cli import main

ROOT = Path(__file__).resolve().parent.parent
NEEDS_A_MODEL = {"qa.dsp"}  # run through the local OpenAI-compatible server in test_cli_lm.py
LOCAL_MODEL_MARKER = "# needs: local model"  # the embedded model: slow, and maybe not installed
FOLDERS = ("examples", "examples/dspy_tutorials")  # the ports of DSPy's tutorials run too
EXAMPLES = [p for folder in FOLDERS for p in sorted((ROOT / folder).glob("*.dsp"))
            if p.name not in NEEDS_A_MODEL and LOCAL_MODEL_MARKER not in p.read_text()]
TUTORIALS = sorted((ROOT / "examples" / "dspy_tutorials").glob("*.dsp"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[str(p.relative_to(ROOT / "examples")) for p in EXAMPLES])
def test_example_runs(example, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    status = main(["run", str(example.relative_to(ROOT)), "--quiet"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert out.strip(), "an example should print what it did"
    expected = example.with_suffix(".out")
    if expected.exists():
        assert out == expected.read_text()


@pytest.mark.parametrize("tutorial", TUTORIALS, ids=[p.name for p in TUTORIALS])
def test_tutorial_ports_check_clean(tutorial):
    assert [str(problem) for problem in check_file(str(tutorial))] == []

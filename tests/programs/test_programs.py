"""Runs every tests/programs/*.dsp through `dsp run` and compares its output.

`NAME.dsp` runs with the scripted LM only; `NAME.out` holds the expected stdout; for a
program that must fail, `NAME.err` holds the expected error text (the rendered error, with
paths relative to this folder) and the run must exit with status 1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dsplang.cli import main

HERE = Path(__file__).parent
PROGRAMS = sorted(p for p in HERE.glob("*.dsp") if not p.name.startswith("_"))


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program(program: Path, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(HERE)
    monkeypatch.setenv("DSP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DSP_BUILD_DIR", str(tmp_path / "dsp-build"))
    monkeypatch.delenv("DSP_LM", raising=False)
    status = main(["run", program.name, "--quiet"])
    out, err = capsys.readouterr()
    expected_err = program.with_suffix(".err")
    if expected_err.exists():
        assert status == 1, f"expected a failure, got status {status}\nstdout:\n{out}\nstderr:\n{err}"
        assert err.strip() == expected_err.read_text().strip()
    else:
        assert status == 0, f"status {status}\nstderr:\n{err}"
    expected_out = program.with_suffix(".out")
    assert out == (expected_out.read_text() if expected_out.exists() else "")


def test_there_are_enough_programs():
    assert len(PROGRAMS) >= 40

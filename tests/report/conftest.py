"""A real run for the report tests: tests/report/program.dsp (a compile and an evaluation on
a scripted LM, one question hostile HTML) run once with --trace and --report."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from dsplang.cli import main

PROGRAM = Path(__file__).parent / "program.dsp"


@dataclass(frozen=True)
class ReportRun:
    folder: Path
    trace: Path
    report: Path
    html: str
    err: str


@pytest.fixture(scope="session")
def report_run(tmp_path_factory) -> ReportRun:
    folder = tmp_path_factory.mktemp("report-run")
    program = folder / "program.dsp"
    shutil.copy(PROGRAM, program)
    trace, report = folder / "trace.jsonl", folder / "report.html"
    cache = tmp_path_factory.mktemp("report-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DSP_CACHE_DIR", str(cache))
        mp.chdir(folder)
        code = main(["run", str(program), "--trace", str(trace), "--report", str(report), "--quiet"])
    assert code == 0
    return ReportRun(folder, trace, report, report.read_text(encoding="utf-8"), "")

"""What a run imports: a program whose signatures hold only `str` fields, answered by a
ScriptedLM, runs without pydantic (records, typed outputs, compiled-program files),
json_repair (broken JSON replies) or litellm (a cache miss), each slow to import.
Checked in a fresh interpreter, since other tests in this process import them all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SLOW = ("pydantic", "pydantic_core", "json_repair", "litellm")


def modules_after_run(tmp_path: Path, source: str) -> tuple[str, set[str]]:
    """The program's output and the top-level modules loaded once it has run."""
    program = tmp_path / "program.dsp"
    program.write_text(source)
    code = ("import sys\n"
            "from dsplang.driver.run import RunOptions, run_file\n"
            f"run_file({str(program)!r}, RunOptions(quiet=True))\n"
            "print('MODULES', *sorted({name.split('.')[0] for name in sys.modules}))\n")
    env = {**os.environ, "DSP_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    output, _, modules = done.stdout.rpartition("MODULES ")
    return output, set(modules.split())


def test_a_run_with_string_fields_imports_no_slow_library(tmp_path):
    output, modules = modules_after_run(tmp_path, (
        'use ScriptedLM([{"answer": "Paris"}])\n'
        'signature QA = "question -> answer"\n'
        'print(Predict(QA)(question="What is the capital of France?").answer)\n'))
    assert output == "Paris\n"
    assert not modules & set(SLOW), sorted(modules & set(SLOW))


def test_a_record_type_brings_pydantic_in_when_declared(tmp_path):
    output, modules = modules_after_run(tmp_path, (
        'type City:\n'
        '    name: str\n'
        '    population: int\n'
        'print(City("Paris", 2100000))\n'))
    assert output == "City(name='Paris', population=2100000)\n"
    assert "pydantic" in modules and "litellm" not in modules

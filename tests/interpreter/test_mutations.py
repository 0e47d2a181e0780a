"""Random mutations of real programs either run or fail with a positioned DspError —
never another exception, never a hang.

Each mutant runs through `dsp run` in a worker process under a real time limit (a signal,
and the worker killed if the signal cannot stop it: a big-integer power holds the GIL);
tests/test_fuzz.py does the same for every tool with hostile mutations.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_targets import Job, try_tool
from hypothesis import given, settings
from hypothesis import strategies as st
from mutation import mutants
from time_limits import WorkerPool

ROOT = Path(__file__).resolve().parents[2]
# Programs without `while` (a mutation of one can loop forever as written), without
# imports, and not ones that run the real local model.
SOURCES = [p for p in sorted((ROOT / "tests" / "programs").glob("*.dsp"))
           + sorted((ROOT / "examples").glob("*.dsp"))
           if not p.name.startswith("_")
           and not any(word in p.read_text() for word in ("while", "import", "needs: local model"))]
INSERTS = st.sampled_from(["(", ")", ":", "\n", "    ", "let", "=", ",", "[", "]", "\"", "1", "x", ".", "-", "*",
                           "\x00", "é", "\t", "def", "return"])


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(processes=1, call_seconds=10.0) as workers:
        yield workers


@settings(max_examples=150)
@given(mutant=mutants([p.read_text() for p in SOURCES], INSERTS))
def test_mutated_programs_fail_cleanly(mutant, pool, tmp_path_factory):
    _, source = mutant
    folder = tmp_path_factory.mktemp("mutant")
    path = folder / "mutant.dsp"
    path.write_text(source, encoding="utf-8")
    outcome = pool.call(try_tool, Job("run", str(path), str(folder)))
    assert outcome.ok, f"{outcome.describe()}\n--- program ---\n{source}"
    assert outcome.value is None, f"{outcome.value}\n--- program ---\n{source}"

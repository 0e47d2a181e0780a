"""Random mutations of real programs either run or fail with a positioned DspError —
never another exception, never a hang."""

from __future__ import annotations

import contextvars
import io
import threading
from contextlib import redirect_stdout
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsplang.errors import DspError
from dsplang.interpreter.evaluator import Interpreter
from dsplang.lm import context
from mutation import mutants

ROOT = Path(__file__).resolve().parents[2]
# Programs without `while` (a mutation of one cannot loop forever), without imports, and
# not ones that run the real local model (too slow for a deadline).
SOURCES = [p for p in sorted((ROOT / "tests" / "programs").glob("*.dsp"))
           + sorted((ROOT / "examples").glob("*.dsp"))
           if not p.name.startswith("_")
           and not any(word in p.read_text() for word in ("while", "import", "needs: local model"))]
def run_with_deadline(source: str, seconds: float = 10.0) -> BaseException | None:
    outcome: list = []

    def target():
        try:
            with redirect_stdout(io.StringIO()):
                Interpreter().run_source(source, "mutant.dsp")
            outcome.append(None)
        except BaseException as exc:  # the assertion below judges it
            outcome.append(exc)

    ctx = contextvars.copy_context()
    ctx.run(context.set_default, None)
    thread = threading.Thread(target=ctx.run, args=(target,), daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"the program did not finish in {seconds} s:\n{source}"
    return outcome[0]


INSERTS = st.sampled_from(["(", ")", ":", "\n", "    ", "let", "=", ",", "[", "]", "\"", "1", "x", ".", "-", "*",
                           "\x00", "é", "\t", "def", "return"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutants([p.read_text() for p in SOURCES], INSERTS))
def test_mutated_programs_fail_cleanly(mutant):
    _, source = mutant
    error = run_with_deadline(source)
    if error is None:
        return
    assert isinstance(error, DspError), f"{type(error).__name__}: {error}\n--- program ---\n{source}"
    assert error.span is not None, f"no position for: {error}\n--- program ---\n{source}"

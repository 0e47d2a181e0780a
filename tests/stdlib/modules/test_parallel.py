"""Parallel and batch: input order kept, the caller's LM seen in threads, failures capped."""

from __future__ import annotations

import contextvars
import time

import pytest

import dsplang
from dsplang.context.lm import using
from dsplang.errors import DspArgumentError, DspTypeError
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.example import Example
from dsplang.stdlib.modules.parallel import Parallel, batch
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.parallel_runner import TooManyErrors


def slow_echo(x):
    time.sleep(0.05 * (5 - x))  # later items finish first
    return x * 10


def fails_on_odd(x):
    if x % 2:
        raise ValueError(f"odd {x}")
    return x


def test_parallel_keeps_input_order():
    pairs = [(slow_echo, {"x": i}) for i in range(5)]
    started = time.perf_counter()
    assert Parallel(num_threads=5)(pairs) == [0, 10, 20, 30, 40]
    assert time.perf_counter() - started < 0.5  # ran at once, not one after another


def test_parallel_with_predictors_sees_the_callers_lm():
    lm = ScriptedLM({"France": {"answer": "Paris"}, "Japan": {"answer": "Tokyo"}}, delay=0.02)
    qa = Predict("question -> answer")
    pairs = [(qa, Example(question=f"Capital of {c}?", answer="?").with_inputs("question"))
             for c in ["France", "Japan", "France"]]
    with using(lm):
        preds = Parallel(num_threads=3)(pairs)
    assert [p.answer for p in preds] == ["Paris", "Tokyo", "Paris"]


def test_failures_leave_none_and_can_be_returned():
    pairs = [(fails_on_odd, [i]) for i in range(4)]
    assert Parallel(num_threads=2)(pairs) == [0, None, 2, None]
    results, failed, errors = Parallel(num_threads=2, return_failed_examples=True)(pairs)
    assert results == [0, None, 2, None]
    assert failed == [pairs[1], pairs[3]]
    assert errors == ["ValueError in fails_on_odd(): odd 1", "ValueError in fails_on_odd(): odd 3"]


def test_max_errors_stops_the_run():
    pairs = [(fails_on_odd, {"x": i}) for i in range(10)]
    with pytest.raises(TooManyErrors) as err:
        Parallel(num_threads=1, max_errors=2)(pairs)
    assert err.value.message.startswith("Parallel stopped after 2 errors (max_errors=2)")
    assert "odd 1" in err.value.message and err.value.result.values[:3] == [0, None, 2]


def test_batch_runs_one_program_over_inputs():
    assert batch(slow_echo, [{"x": i} for i in range(5)], threads=5) == [0, 10, 20, 30, 40]
    lm = ScriptedLM({"alpha": {"answer": "A"}, "beta": {"answer": "B"}})
    with using(lm):
        preds = batch(Predict("question -> answer"), [Example(question="alpha"), {"question": "beta"}], threads=2)
    assert [p.answer for p in preds] == ["A", "B"]
    with pytest.raises(TooManyErrors) as err:
        batch(fails_on_odd, [{"x": 1}], max_errors=1)
    assert err.value.message.startswith("batch() stopped after 1 errors")


def test_bad_calls():
    with pytest.raises(DspTypeError, match="pair"):
        Parallel()([slow_echo])
    with pytest.raises(DspArgumentError):
        Parallel()()
    with pytest.raises(DspTypeError, match="inputs must be a dict"):
        batch(slow_echo, [3])
    with pytest.raises(DspArgumentError, match="threads"):
        batch(slow_echo, [{"x": 1}], threads=0)


def test_from_a_dsp_program():
    # its own context, so the program's `use` does not outlive the test
    ns = contextvars.copy_context().run(dsplang.run, '''
signature QA = "question -> answer"
use ScriptedLM({"one": {"answer": "1"}, "two": {"answer": "2"}})
let qa = Predict(QA)
let results = Parallel(num_threads=2)([(qa, {"question": q}) for q in ["one", "two"]])
let answers = [p.answer for p in batch(qa, [{"question": "two"}, {"question": "one"}], threads=2)]
''', "par.dsp")
    assert [p.answer for p in ns.results] == ["1", "2"]
    assert ns.answers == ["2", "1"]

"""Parallel and batch: input order kept, the caller's LM seen in threads (or async calls with
`concurrency=`), failures capped."""

from __future__ import annotations

import asyncio
import contextvars
import threading
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


class OverlapLM(ScriptedLM):
    """A ScriptedLM (with `delay` seconds of latency) whose first `gate` requests wait until
    `gate` of them are in flight at once (an asyncio.Barrier with a timeout: overlap is proven,
    not timed); then the earlier a request came, the longer it sleeps, so calls finish in
    reverse order. It records the most requests in flight at once and the threads they ran on."""

    def __init__(self, answers, gate: int, **kwargs):
        super().__init__(answers, **kwargs)
        self.gate = gate
        self.arrived = self.in_flight = self.most_in_flight = 0
        self.threads: set[int] = set()
        self._barrier: asyncio.Barrier | None = None

    async def _acomplete(self, messages, n, params):
        self.threads.add(threading.get_ident())
        self.arrived += 1
        place = self.arrived
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if place <= self.gate:
                self._barrier = self._barrier or asyncio.Barrier(self.gate)
                await asyncio.wait_for(self._barrier.wait(), timeout=30)
                await asyncio.sleep(self.delay * (self.gate - place))
            return await super()._acomplete(messages, n, params)
        finally:
            self.in_flight -= 1


CAPITALS = {"France": "Paris", "Japan": "Tokyo", "Peru": "Lima", "Chad": "NDjamena", "Laos": "Vientiane",
            "Fiji": "Suva"}


def test_parallel_with_concurrency_overlaps_calls_on_one_thread_and_keeps_input_order():
    lm = OverlapLM({c: {"answer": a} for c, a in CAPITALS.items()}, gate=len(CAPITALS), delay=0.01)
    qa = Predict("question -> answer")
    pairs = [(qa, {"question": f"Capital of {c}?"}) for c in CAPITALS]
    with using(lm):
        preds = Parallel(concurrency=len(CAPITALS))(pairs)
    assert [p.answer for p in preds] == list(CAPITALS.values())
    assert lm.most_in_flight == len(CAPITALS)     # all in flight at once...
    assert len(lm.threads) == 1                   # ...as async calls on one event loop's thread


def test_concurrency_counts_errors_against_max_errors_like_threads():
    pairs = [(fails_on_odd, {"x": i}) for i in range(10)]
    outcomes = []
    for engine in [Parallel(num_threads=1, max_errors=2), Parallel(concurrency=1, max_errors=2)]:
        with pytest.raises(TooManyErrors) as err:
            engine(pairs)
        outcomes.append((err.value.message, err.value.result.values, err.value.result.errors.keys()))
    assert outcomes[0] == outcomes[1]
    assert outcomes[1][0].startswith("Parallel stopped after 2 errors (max_errors=2)")
    returned = [Parallel(concurrency=c, return_failed_examples=True)(pairs[:4]) for c in (1, 4)]
    assert returned[0] == returned[1] == Parallel(num_threads=2, return_failed_examples=True)(pairs[:4])


def test_the_call_can_change_the_engine():
    pool = Parallel(concurrency=2)
    assert repr(pool) == "Parallel(concurrency=2, max_errors=None)"
    assert pool([(slow_echo, {"x": 4}), (slow_echo, [3])], threads=2) == [40, 30]
    assert Parallel(threads=2)([(slow_echo, {"x": 4})], concurrency=3) == [40]


def test_concurrency_mistakes_are_located_like_batchs():
    for call, message in [
            ("Parallel(concurrency=0)", "par.dsp:2:9: argument error: concurrency must be a whole number "
                                        "of at least 1, got 0"),
            ("Parallel(threads=2, concurrency=4)", "par.dsp:2:9: argument error: Parallel(): give threads= or "
                                                   "concurrency=, not both"),
            ("Parallel()([], num_threads=8, concurrency=4)", "par.dsp:2:9: argument error: Parallel: give "
                                                             "threads= or concurrency=, not both"),
            ("batch(qa, [], threads=2, concurrency=4)", "par.dsp:2:9: argument error: batch(): give threads= "
                                                        "or concurrency=, not both"),
            ("batch(qa, [], concurrency=true)", "par.dsp:2:9: argument error: concurrency must be a whole "
                                                "number of at least 1, got True")]:
        with pytest.raises(DspArgumentError) as info:
            dsplang.run(f'let qa = Predict("question -> answer")\nlet x = {call}\n', "par.dsp")
        assert str(info.value).startswith(message), call
    with pytest.raises(DspArgumentError) as info:
        Parallel(num_threads=4, concurrency=4)
    assert "async calls, without a thread each" in info.value.hint


def test_concurrency_from_a_dsp_program():
    ns = contextvars.copy_context().run(dsplang.run, '''
use ScriptedLM({"one": {"answer": "1"}, "two": {"answer": "2"}}, delay=0.01)
let qa = Predict("question -> answer")
let results = Parallel(concurrency=2)([(qa, {"question": q}) for q in ["one", "two", "one"]])
''', "par.dsp")
    assert [p.answer for p in ns.results] == ["1", "2", "1"]

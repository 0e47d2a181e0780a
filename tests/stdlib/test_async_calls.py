"""`await program.acall(...)` for predictors and .dsp modules, and the async engine of
`evaluate(..., concurrency=N)`, `aevaluate` and `batch(..., concurrency=N)`.

Concurrency is proven, not timed: `GateLM` holds each of its first `n` requests until `n` are
held at once (an asyncio.Barrier, with a timeout), so a test passes only when the calls were
really in flight together, and it records the threads its requests ran on.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

import dsplang
from dsplang.context import feedback, trace
from dsplang.errors import DspArgumentError, DspError
from dsplang.interpreter import awaiting
from dsplang.lm import usage
from dsplang.lm.retry import RATE_LIMITS
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.async_runner import arun_concurrent, run_concurrent
from dsplang.stdlib.evaluate import aevaluate, evaluate
from dsplang.stdlib.example import Example
from dsplang.stdlib.modules.chain_of_thought import ChainOfThought
from dsplang.stdlib.modules.parallel import batch
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.parallel_runner import TooManyErrors

pytestmark = pytest.mark.time_limit(120)


class GateLM(ScriptedLM):
    """A ScriptedLM whose first `gate` requests wait until `gate` of them wait at once."""

    def __init__(self, answers, gate: int, **kwargs):
        super().__init__(answers, **kwargs)
        self.gate = gate
        self.waiting = 0
        self.threads: set[int] = set()
        self._barrier: asyncio.Barrier | None = None

    async def _acomplete(self, messages, n, params):
        self.threads.add(threading.get_ident())
        if self.waiting < self.gate:
            self.waiting += 1
            if self._barrier is None:
                self._barrier = asyncio.Barrier(self.gate)
            await asyncio.wait_for(self._barrier.wait(), timeout=30)
        return await super()._acomplete(messages, n, params)


QA_SOURCE = '''
signature QA:
    input question: str
    output answer: str

module TwoStep():
    draft = Predict(QA)
    check = ChainOfThought(QA)

    def forward(question: str):
        let first = draft(question=question)
        let second = check(question=first.answer)
        return Prediction(answer=second.answer)

def same(example, pred, trace=none):
    return example.answer == pred.answer
'''


def echo_lm(gate: int) -> GateLM:
    """Answers `answer: <the question>` (the draft) and then the same text (the check)."""
    return GateLM({q(i): {"answer": q(i), "reasoning": "r"} for i in range(64)}, gate)


def q(i: int) -> str:
    return f"item-{i:02d}"      # no question is a part of another (the script matches substrings)


def test_predictors_acall_like_call_and_share_traces_usage_and_history():
    lm = ScriptedLM({"": {"answer": "Paris", "reasoning": "It is in France."}})
    predict, cot = Predict("question -> answer"), ChainOfThought("question -> answer")

    async def main():
        return await predict.acall(question="capital?"), await cot.acall(question="capital?")
    with dsplang.context(lm=lm), trace.collecting() as collected, usage.track() as meter:
        plain, reasoned = asyncio.run(main())
    assert plain.answer == "Paris" and reasoned.reasoning == "It is in France."
    assert [c.signature for c in collected.predictor_calls()] == ["question -> answer"] * 2
    assert meter.calls == 2
    assert len(trace.history()) == 2


def test_a_dsp_module_acall_runs_many_calls_at_once_on_the_loop_thread():
    names = dsplang.run(QA_SOURCE)
    program = names["TwoStep"]()
    lm = echo_lm(gate=16)

    async def main():
        return await asyncio.gather(*(program.acall(question=q(i)) for i in range(16)))
    with dsplang.context(lm=lm):
        results = asyncio.run(main())
    assert [r.answer for r in results] == [q(i) for i in range(16)]
    assert len(lm.requests) == 32
    assert len(lm.threads) == 1                 # every request awaited on the loop's thread


def test_acall_errors_are_the_sync_errors():
    predict = Predict("question -> answer")
    with dsplang.context(lm=ScriptedLM([])), pytest.raises(DspArgumentError, match="question"):
        asyncio.run(predict.acall(wrong="x"))


def test_evaluate_with_concurrency_in_a_dsp_program():
    source = QA_SOURCE + '''
let data = [Example(question="item-1" + str(i), answer="item-1" + str(i)).with_inputs("question") for i in range(10)]
let result = evaluate(TwoStep(), data, metric=same, concurrency=10, display_progress=false)
'''
    lm = echo_lm(gate=10)
    with dsplang.context(lm=lm):
        names = dsplang.run(source)
    assert names["result"].score == 100.0
    assert len(lm.threads) == 1


def test_evaluate_concurrency_from_python_keeps_order_and_counts_failures():
    names = dsplang.run(QA_SOURCE)
    data = [Example(question=q(i), answer=q(i)).with_inputs("question") for i in range(10)]
    data[3] = Example(question="unknown", answer="x").with_inputs("question")     # no scripted answer
    lm = echo_lm(gate=9)
    with dsplang.context(lm=lm):
        result = evaluate(names["TwoStep"](), data, metric=names["same"], concurrency=10,
                          display_progress=False)
    assert result.score == 90.0
    assert [e.index for e in result.errors] == [3]
    assert [row[1].answer for i, row in enumerate(result.results) if i != 3] == \
        [q(i) for i in range(10) if i != 3]


def test_max_errors_stops_an_async_evaluation():
    names = dsplang.run(QA_SOURCE)
    data = [Example(question=f"nothing {i}", answer="x").with_inputs("question") for i in range(6)]
    with dsplang.context(lm=ScriptedLM({q(0): {"answer": q(0)}})), \
            pytest.raises(TooManyErrors, match=r"evaluate\(\) stopped after 2 errors"):
        evaluate(names["TwoStep"](), data, metric=names["same"], concurrency=1, max_errors=2,
                 display_progress=False)


def test_aevaluate_awaits_on_the_running_loop_and_evaluate_works_inside_one():
    names = dsplang.run(QA_SOURCE)
    data = [Example(question=q(i), answer=q(i)).with_inputs("question") for i in range(8)]

    async def main():
        first = await aevaluate(names["TwoStep"](), data, metric=names["same"], concurrency=8,
                                display_progress=False)
        second = evaluate(names["TwoStep"](), data, metric=names["same"], concurrency=4,
                          display_progress=False)     # a loop runs here: a helper thread runs its own
        return first, second
    with dsplang.context(lm=echo_lm(gate=8)):
        first, second = asyncio.run(main())
    assert first.score == second.score == 100.0


def test_threads_and_concurrency_are_two_engines():
    names = dsplang.run(QA_SOURCE)
    data = [Example(question=q(1), answer=q(1)).with_inputs("question")]
    with pytest.raises(DspArgumentError, match="give threads= or concurrency=, not both"):
        evaluate(names["TwoStep"](), data, metric=names["same"], threads=4, concurrency=4)
    with pytest.raises(DspArgumentError, match="concurrency must be a whole number of at least 1"):
        evaluate(names["TwoStep"](), data, metric=names["same"], concurrency=0)


def test_batch_with_concurrency():
    predict = Predict("question -> answer")
    lm = GateLM({"": {"answer": "ok"}}, gate=6)
    with dsplang.context(lm=lm):
        results = batch(predict, [{"question": f"q{i}"} for i in range(6)], concurrency=6)
    assert [r.answer for r in results] == ["ok"] * 6


def test_run_concurrent_takes_coroutine_functions_and_plain_functions():
    async def double(x):
        await asyncio.sleep(0)
        return 2 * x
    assert run_concurrent(double, [1, 2, 3], concurrency=2).values == [2, 4, 6]
    assert asyncio.run(arun_concurrent(lambda x: x + 1, [1, 2], concurrency=5)).values == [2, 3]


def test_each_async_call_has_its_own_ensure_feedback():
    """Many async calls share one thread: the feedback of one is not seen by another."""
    target = object()
    seen: list = []

    def give():
        with feedback.giving_feedback(target, "be shorter", {"answer": "long"}):
            awaiting.await_(asyncio.sleep(0.05))
            seen.append(("giver", feedback.feedback_for(target)))

    def look():
        awaiting.await_(asyncio.sleep(0.01))
        seen.append(("other", feedback.feedback_for(target)))

    async def main():
        await asyncio.gather(awaiting.run_sync(give), awaiting.run_sync(look))
    asyncio.run(main())
    found = dict(seen)
    assert found["other"] is None
    assert found["giver"].message == "be shorter"


def test_dsp_errors_inside_an_acall_keep_their_position():
    source = QA_SOURCE + '''
module Broken():
    def forward(question: str):
        return undefined_name
'''
    names = dsplang.run(source)
    with pytest.raises(DspError) as info:
        asyncio.run(names["Broken"]().acall(question="q"))
    line = source.splitlines().index("        return undefined_name") + 1
    assert info.value.span is not None and (info.value.span.line, info.value.span.col) == (line, 16)


def test_async_engine_runs_fewer_at_once_after_a_rate_limit_and_all_items_finish():
    running = [0]
    peak_after: list[int] = []

    async def work(i):
        if i == 0:
            RATE_LIMITS.notify("scripted")         # a 429: the limit of 8 halves to 4
        running[0] += 1
        if i >= 8:                                 # started after the first eight
            peak_after.append(running[0])
        await asyncio.sleep(0.01)
        running[0] -= 1
        return i

    result = run_concurrent(work, range(40), concurrency=8)
    assert result.values == list(range(40)) and not result.errors
    assert peak_after and max(peak_after) <= 4

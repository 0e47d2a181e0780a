"""Usage accounting: per call, nested trackers, threads, the one-line summary."""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

from dsplang.context.run import Run, entered
from dsplang.lm import ScriptedLM, usage
from dsplang.lm.client import LMResponse
from dsplang.lm.usage import Usage, UsageTotals

ASK = [{"role": "user", "content": "x" * 40}]


def response(prompt: int, completion: int, cost: float | None, *, hit: bool = False,
             latency: float = 0.5) -> LMResponse:
    return LMResponse(["t"], Usage(prompt, completion, cost), hit, latency, "m")


def test_summary_line_adds_everything_up():
    totals = UsageTotals()
    for _ in range(9):
        totals.add(response(100, 50, 0.0001, latency=0.2))
    for _ in range(3):
        totals.add(response(0, 0, 0.0, hit=True, latency=0.0))
    totals.add(response(334, 6, 0.0003, latency=0.5))
    assert totals.summary() == ("LM: 13 calls (3 cached), 1,234 prompt + 456 completion "
                                "tokens, $0.0012, 2.3 s")


def test_unknown_prices_leave_the_cost_out():
    totals = UsageTotals()
    totals.add(response(10, 5, None))
    assert totals.summary() == "LM: 1 call (0 cached), 10 prompt + 5 completion tokens, 0.5 s"
    assert totals.to_dict()["cost"] is None


def test_trackers_nest_and_a_call_outside_every_tracker_is_counted_nowhere():
    lm = ScriptedLM(["a", "b", "c", "d"])
    with usage.track() as outer:
        lm.request(ASK)
        with usage.track() as inner:
            lm.request(ASK)
        lm.request(ASK)
    lm.request(ASK)                              # no process-wide total to add it to
    assert (outer.calls, inner.calls) == (3, 1)
    assert outer.prompt_tokens == 30 and inner.prompt_tokens == 10
    assert outer.completion_tokens == 3
    assert not hasattr(usage, "TOTAL")


def test_a_run_counts_its_own_calls_and_an_optimizer_meter_inside_it_counts_too():
    lm = ScriptedLM(["a", "b", "c"])
    first, second = Run(), Run()
    with entered(first):
        lm.request(ASK)
        with usage.track() as inner:
            lm.request(ASK)
    with entered(second):
        lm.request(ASK)
    assert (first.usage.calls, inner.calls, second.usage.calls) == (2, 1, 1)


def test_pool_threads_that_copy_the_context_charge_the_tracker():
    lm = ScriptedLM([str(i) for i in range(64)])
    with usage.track() as spent, ThreadPoolExecutor(8) as pool:
        jobs = [pool.submit(contextvars.copy_context().run, lm.request, ASK)
                for _ in range(64)]
        for job in jobs:
            job.result()
    assert spent.calls == 64 and spent.prompt_tokens == 640


def test_totals_are_thread_safe():
    totals = UsageTotals()

    def work() -> None:
        for _ in range(1000):
            totals.add(response(1, 1, 0.0))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (totals.calls, totals.prompt_tokens) == (8000, 8000)

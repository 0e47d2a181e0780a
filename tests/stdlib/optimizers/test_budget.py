"""Budgets under threads: where max_calls stops a compile does not depend on the thread count."""

from __future__ import annotations

import random
import time

import pytest

from dsplang.context import lm as context
from dsplang.driver import artifacts
from dsplang.lm.scripted import ScriptedLM
from dsplang.lm.usage import track
from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot
from dsplang.stdlib.optimizers.budget import Budget
from dsplang.stdlib.optimizers.copro import COPRO
from dsplang.stdlib.optimizers.mipro import MIPROv2
from dsplang.stdlib.optimizers.random_search import BootstrapFewShotWithRandomSearch


@pytest.fixture
def jitter_lm(prompt_fake):
    """The prompt-aware fake LM, sleeping 0-4 ms per call so that threads finish out of order."""
    class JitterLM(prompt_fake.PromptLM):
        def _complete(self, messages, n, params):
            time.sleep(random.random() * 0.004)
            return super()._complete(messages, n, params)
    return JitterLM


OPTIMIZERS = {
    "random search": lambda dsp, threads: BootstrapFewShotWithRandomSearch(
        metric=dsp.right, num_candidate_programs=5, max_calls=90, seed=3, threads=threads, verbose=False),
    "exact halving": lambda dsp, threads: BootstrapFewShotWithRandomSearch(
        metric=dsp.right, num_candidate_programs=4, max_calls=120, halving="exact", threads=threads, verbose=False),
    "MIPROv2": lambda dsp, threads: MIPROv2(metric=dsp.right, auto="light", max_calls=70, seed=1, threads=threads,
                                            verbose=False),
    "COPRO": lambda dsp, threads: COPRO(metric=dsp.right, breadth=4, depth=2, max_calls=60, threads=threads,
                                        verbose=False),
    "BootstrapFewShot, 3 rounds": lambda dsp, threads: BootstrapFewShot(
        metric=dsp.right, max_bootstrapped_demos=4, max_rounds=3, max_calls=5, threads=threads, verbose=False),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_budget_stops_at_the_same_program_with_any_thread_count(name, dsp, fake, jitter_lm):
    results = []
    for threads in (1, 8, 8):
        with context.using(jitter_lm(cache=False)):
            optimizer = OPTIMIZERS[name](dsp, threads)
            compiled = optimizer.compile(dsp.Capital(), trainset=fake.capitals(0, 40), valset=fake.capitals(40, 90))
        assert optimizer.report.stopped and "reached" in optimizer.report.stopped
        results.append((artifacts.program_state(compiled), optimizer.report.scores_json()))
    assert results[0] == results[1] == results[2]


def test_units_are_kept_dropped_or_run_again_as_one_thread_would(dsp):
    """Three units of 2, 3 and 2 calls under max_calls=4, run at once: the first is kept, the
    budget runs out inside the second, which runs again seeing the 2 calls before it (its own
    check stops it after 2 of its calls), and the third is dropped."""
    lm = ScriptedLM({"": {"answer": "x"}}, cache=False)

    def unit(calls):
        done = 0
        for _ in range(calls):
            if budget.exhausted():
                break
            lm.request([{"role": "user", "content": "q"}])
            done += 1
        return done

    with context.using(lm), track() as tracker:
        budget = Budget(tracker, max_calls=4, max_cost=None)
        result = budget.run_units(unit, [2, 3, 2], threads=3)
    assert result.values == [2, 2, None] and result.finished == [True, True, False]
    assert budget.exhausted() == "max_calls=4 reached" and budget.ledger().spent()[0] == 4
    assert tracker.calls == 2 + 3 + 2 + 2      # speculative calls happened, but do not count


def _priced(answers: dict, cost: float | None) -> ScriptedLM:
    """A ScriptedLM whose every call costs `cost` (None: a model with no known price)."""
    from dsplang.lm.client import LMResponse
    from dsplang.lm.usage import Usage

    class Priced(ScriptedLM):
        def _complete(self, messages, n, params):
            response = super()._complete(messages, n, params)
            return LMResponse(response.texts, Usage(5, 5, cost), False, 0.0, self.model)
    return Priced(answers, cache=False)


def _costly_units(budget, lm, calls_each: int, fail_from: int | None = None):
    def unit(index):
        for _ in range(calls_each):
            if budget.exhausted():
                return "stopped"
            lm.request([{"role": "user", "content": f"q{index}-{_}"}])
        if fail_from is not None and index >= fail_from:
            raise ValueError(f"unit {index} failed")
        return "done"
    return unit


@pytest.mark.parametrize("threads", [1, 4])
def test_max_cost_sums_compare_equal_whatever_the_order(threads):
    """0.01 a call, max_cost=0.05: float sums taken in another order used to miss the limit."""
    lm = _priced({"": {"answer": "x"}}, cost=0.01)
    with context.using(lm), track() as tracker:
        budget = Budget(tracker, max_calls=None, max_cost=0.05)
        result = budget.run_units(_costly_units(budget, lm, 2), list(range(6)), threads=threads)
        assert budget.exhausted() == "max_cost=0.05 reached"
    assert budget.ledger().spent() == (5, 0.05)
    assert result.values[:3] == ["done", "done", "stopped"] and result.finished[3:] == [False] * 3


@pytest.mark.parametrize("threads", [1, 8])
def test_the_error_cap_counts_only_the_units_one_thread_would_run(threads):
    lm = ScriptedLM({"": {"answer": "x"}}, cache=False)
    with context.using(lm), track() as tracker:
        budget = Budget(tracker, max_calls=3, max_cost=None)
        result = budget.run_units(_costly_units(budget, lm, 1, fail_from=1), list(range(12)), threads=threads,
                                  max_errors=3)
    assert result.values[0] == "done" and len(result.errors) == 2 and sum(result.finished) == 3


def test_max_cost_warns_when_calls_have_no_price(dsp, fake):
    """Calls of a model with no known price cannot count against max_cost: the compile says so."""
    lm = _priced({"": {"reasoning": "r", "answer": "Paris"}}, cost=None)
    with context.using(lm), pytest.warns(UserWarning, match=r"max_cost=0.5 could not count \d+ LM calls"):
        BootstrapFewShot(metric=dsp.right, max_cost=0.5, verbose=False).compile(dsp.Capital(),
                                                                                 trainset=fake.capitals(0, 8))

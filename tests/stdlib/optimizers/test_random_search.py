"""BootstrapFewShotWithRandomSearch: DSPy's candidates, successive halving, budgets, reproducibility."""

from __future__ import annotations

import pytest

from dsplang.context import lm as context
from dsplang.driver import artifacts
from dsplang.stdlib.optimizers.candidates import halving_schedule
from dsplang.stdlib.optimizers.random_search import BootstrapFewShotWithRandomSearch


def search(dsp, **settings):
    return BootstrapFewShotWithRandomSearch(dsp.right, verbose=False, **settings)


def test_random_search_raises_the_score(dsp, lm, train, dev, score):
    student = dsp.Capital()
    optimizer = search(dsp, num_candidate_programs=4)
    compiled = optimizer.compile(student, trainset=train, valset=dev)
    assert score(student, dev, dsp.right) == 0.0
    assert score(compiled, dev, dsp.right) == optimizer.report.best_score > 85.0
    labels = [row.label for row in optimizer.report.rows]
    assert labels[:3] == ["zero-shot", "16 labeled demos", "bootstrap unshuffled: 4 traces"]
    assert len(labels) == 7 and labels[3].startswith("bootstrap seed 0")


def test_halving_finds_dspys_best_with_far_fewer_calls(dsp, fake, train):
    valset = fake.capitals(20, 200)
    results = {}
    for halving in (False, True):
        with context.using(fake.DemoLM()):
            optimizer = search(dsp, halving=halving)
            optimizer.compile(dsp.Capital(), trainset=fake.capitals(0, 20), valset=valset)
        report = optimizer.report
        results[halving] = (report.best_score, report.rows[report.chosen].label, report.usage["calls"])
    assert results[True][:2] == results[False][:2]
    assert results[True][2] * 3 < results[False][2]      # measured: 809 vs 3466 calls


def test_exact_halving_picks_the_exhaustive_winner_with_fewer_calls(dsp, fake):
    valset = fake.capitals(20, 120)
    results = {}
    for halving in (False, "exact"):
        with context.using(fake.DemoLM()):
            optimizer = search(dsp, halving=halving, num_candidate_programs=6, threads=4)
            optimizer.compile(dsp.Capital(), trainset=fake.capitals(0, 20), valset=valset)
        report = optimizer.report
        results[halving] = (report.best_score, report.rows[report.chosen].label, report.usage["calls"])
    assert results["exact"][:2] == results[False][:2]
    assert results["exact"][2] < results[False][2]


def test_the_halving_schedule_doubles_up_to_the_valset():
    assert halving_schedule(19, 180) == [12, 23, 45, 90, 180]
    assert halving_schedule(19, 20) == [10, 20]
    assert halving_schedule(19, 14) == [8, 14]
    assert halving_schedule(19, 10) == [10]                # 8 is not 1.5 times smaller than 10
    assert halving_schedule(3, 200) == [100, 200]
    assert halving_schedule(2, 200) == [200]               # two candidates: nothing to halve


def test_a_small_valset_starts_at_min_batch_rather_than_losing_rungs():
    # 11 candidates, 50 examples: 11 -> 6 -> 3 -> 2 on 8, 13, 25, 50 (not 3 finalists on 13, 25, 50)
    assert halving_schedule(11, 50) == [8, 13, 25, 50]
    assert halving_schedule(11, 50, eta=3) == [8, 17, 50]  # 11 -> 4 -> 2


def test_without_a_valset_the_trainset_scores_the_candidates(dsp, lm, train):
    optimizer = search(dsp, num_candidate_programs=1, halving=False)
    optimizer.compile(dsp.Capital(), trainset=train)
    assert all(row.evaluated == len(train) for row in optimizer.report.rows)


def test_stop_at_score_stops_building_candidates(dsp, lm, train, dev):
    optimizer = search(dsp, num_candidate_programs=8, stop_at_score=50.0, halving=False)
    optimizer.compile(dsp.Capital(), trainset=train, valset=dev)
    assert len(optimizer.report.rows) == 2     # zero-shot, then labeled demos reach 50%


@pytest.mark.parametrize("budget", [{"max_calls": 60}, {"max_cost": 0.06}])
def test_a_budget_stops_the_search_with_the_best_so_far(dsp, lm, train, dev, budget, score):
    optimizer = search(dsp, **budget)
    compiled = optimizer.compile(dsp.Capital(), trainset=train, valset=dev)
    report = optimizer.report
    assert report.stopped and "reached" in report.stopped
    assert report.usage["calls"] < 80
    assert len(report.rows) < 19 and report.best_score > 0
    assert score(compiled, dev, dsp.right) > 50.0


def test_the_same_seed_gives_the_same_program_with_any_thread_count(dsp, fake, train, dev, tmp_path):
    saved = []
    for threads in (1, 4):
        with context.using(fake.DemoLM()):
            optimizer = search(dsp, num_candidate_programs=6, threads=threads)
            compiled = optimizer.compile(dsp.Capital(), trainset=train, valset=dev)
        origin = {"scores": optimizer.report.scores_json(), "run": optimizer.report.run_json()}
        data = artifacts.document(compiled, origin=origin)
        data.pop("run")
        saved.append(data)
    assert saved[0] == saved[1]


def test_another_seed_gives_other_candidates(dsp, lm, train, dev):
    first, second = search(dsp, num_candidate_programs=3), search(dsp, num_candidate_programs=3, seed=7)
    first.compile(dsp.Capital(), trainset=train, valset=dev)
    second.compile(dsp.Capital(), trainset=train, valset=dev)
    assert [r.label for r in first.report.rows] != [r.label for r in second.report.rows]


def test_candidate_programs_are_kept_best_first(dsp, lm, train, dev):
    optimizer = search(dsp, num_candidate_programs=2, halving=False)
    optimizer.compile(dsp.Capital(), trainset=train, valset=dev)
    scores = [c.score for c in optimizer.candidate_programs]
    assert scores == sorted(scores, reverse=True) and len(scores) == 5

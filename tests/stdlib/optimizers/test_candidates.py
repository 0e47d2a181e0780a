"""candidates.py and the search rules built on it: identical programs scored once, the
clear-lead rule (`clearly_behind`), MIPROv2's minibatch size and skipped full evaluations."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from time_limits import time_limit

from dsplang.context import lm as context
from dsplang.stdlib import program as prog
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot
from dsplang.stdlib.optimizers.candidates import (
    Candidate,
    CandidateScorer,
    HalvingSearch,
    clearly_behind,
    halving_schedule,
    program_key,
)
from dsplang.stdlib.optimizers.ensemble import Ensemble
from dsplang.stdlib.optimizers.knn_few_shot import KNNFewShot
from dsplang.stdlib.optimizers.labeled_few_shot import LabeledFewShot
from dsplang.stdlib.optimizers.mipro_search import TrialSearch, minibatch_for
from dsplang.stdlib.optimizers.random_search import BootstrapFewShotWithRandomSearch

GOOD = "Name the capital city of the country."     # the fake LM is always right with "capital city"


class Probe(Optimizer):
    """Runs `body(run, student, valset)` inside a real compile (budget, threads, usage tracking)."""

    def __init__(self, body, *, threads: int = 1) -> None:
        super().__init__(threads=threads, verbose=False)
        self.body = body
        self.result = None

    def _compile(self, run, student, trainset, valset, teacher):
        self.result = self.body(run, student, valset)
        return student


def with_instructions(student, text: str):
    program = prog.clone(student)
    predictor = prog.named_predictors(program)[0][1]
    predictor.signature = predictor.signature.with_instructions(text)
    return program


def halving(dsp, fake, programs: list, valset, **settings):
    """(the search, LM calls) after adding `programs` [(label, program)] and finishing."""
    def body(run, student, valset):
        settings.setdefault("expected", len(programs))
        search = HalvingSearch(CandidateScorer(run, dsp.right, valset), **settings)
        search.add_all([Candidate(label, program) for label, program in programs])
        search.chosen = search.finish()
        return search
    with context.using(fake.DemoLM()):
        probe = Probe(body, threads=4)
        probe.compile(dsp.Capital(), trainset=valset[:2], valset=valset)
    return probe.result, probe.report.usage["calls"]


# ------------------------------------------------------------------ identical programs


def test_program_key_sees_instructions_and_demos_but_not_identity(dsp, fake):
    student = dsp.Capital()
    assert program_key(student) == program_key(prog.clone(student)) == program_key(prog.reset_copy(student))
    assert program_key(with_instructions(student, GOOD)) != program_key(student)
    demos = prog.clone(student)
    prog.named_predictors(demos)[0][1].demos = fake.capitals(0, 2)
    assert program_key(demos) != program_key(student)


def test_identical_candidates_are_scored_once(dsp, fake):
    student, valset = dsp.Capital(), fake.capitals(16, 40)
    good = with_instructions(student, GOOD)
    alone, calls_alone = halving(dsp, fake, [("zero-shot", student), ("good", good)], valset, halving=False)
    twice, calls_twice = halving(dsp, fake, [("zero-shot", student), ("good", good),
                                             ("good again", prog.clone(good))], valset, halving=False)
    assert calls_twice == calls_alone == 2 * len(valset)
    again = twice.candidates[2]
    assert again.same_as is twice.candidates[1] and again.scores is twice.candidates[1].scores
    assert twice.chosen == 1                                   # the original, never the copy


def test_random_search_scores_a_repeated_candidate_once(dsp, lm, train, dev):
    # without labeled demos, "0 labeled demos" is the zero-shot program again
    optimizer = BootstrapFewShotWithRandomSearch(dsp.right, max_labeled_demos=0, num_candidate_programs=1,
                                                 halving=False, verbose=False)
    optimizer.compile(dsp.Capital(), trainset=train, valset=dev)
    rows = optimizer.report.rows
    assert rows[1].label == "0 labeled demos" and rows[1].note == "same program as zero-shot"
    bootstraps = sum(1 for r in rows if r.label.startswith("bootstrap"))
    assert optimizer.report.usage["calls"] <= len(dev) * (1 + bootstraps) + len(train) * bootstraps


def test_mipro_combinations_making_the_same_program_share_a_candidate(dsp, fake):
    student = dsp.Capital()
    same = fake.capitals(0, 2)
    search = TrialSearch(None, SimpleNamespace(valset=fake.capitals(16, 40)), student,
                         {"respond.predict": ["a", "b"]}, {"respond.predict": [[], list(same), list(same)]},
                         seed=0, num_trials=3, minibatch=True, minibatch_size=8, full_eval_steps=5)
    assert search._candidate(((0, 1),)) is search._candidate(((0, 2),))
    assert search._candidate(((0, 1),)) is not search._candidate(((1, 1),))
    assert len(search.programs) == 2


# ------------------------------------------------------------------ the clear-lead rule


def scored(values: list[float]) -> Candidate:
    return Candidate("c", None, scores=dict(enumerate(values)))


def test_clearly_behind_is_a_paired_test_with_a_minimum_of_evidence():
    assert clearly_behind(scored([1.0] * 8), scored([0.0] * 8), list(range(8)), 2.0)
    assert not clearly_behind(scored([1.0] * 7), scored([0.0] * 7), list(range(7)), 2.0)    # too few
    assert not clearly_behind(scored([0.0] * 8), scored([1.0] * 8), list(range(8)), 2.0)    # it leads
    leader = scored([1, 1, 1, 1, 1, 1, 1, 0, 1, 1])
    close = scored([1, 1, 0, 1, 1, 0, 1, 1, 1, 1])              # 90% vs 80%: not clear
    assert not clearly_behind(leader, close, list(range(10)), 2.0)
    far = scored([0, 0, 1, 0, 0, 0, 1, 0, 0, 0])                # 90% vs 20%: clear
    assert clearly_behind(leader, far, list(range(10)), 2.0)
    assert not clearly_behind(leader, far, list(range(10)), 10.0)


def test_a_clear_leader_wins_without_the_remaining_rungs(dsp, fake):
    student, valset = dsp.Capital(), fake.capitals(16, 40)
    programs = [("zero-shot", student), ("good", with_instructions(student, GOOD)),
                ("weak", with_instructions(student, "Answer."))]
    search, calls = halving(dsp, fake, programs, valset)
    assert search.sizes == [12, 24]
    zero, good, weak = search.candidates
    assert search.chosen == 1 and good.score == 100.0
    assert zero.note == "clearly behind at 12" and weak.note == "dropped at 12"
    assert len(good.scores) == 12 and calls == 3 * 12         # the leader was not scored further
    _, calls_without_rule = halving(dsp, fake, programs, valset, confidence=None)
    assert calls_without_rule == 3 * 12 + 2 * 12


# ------------------------------------------------------------------ MIPROv2


def test_mipro_minibatches_are_at_most_half_a_small_valset():
    assert minibatch_for(35, 100) == 35 and minibatch_for(35, 70) == 35
    assert minibatch_for(35, 50) == 24          # half, in whole rounds of 8
    assert minibatch_for(35, 20) == 8 and minibatch_for(10, 15) == 8
    assert minibatch_for(5, 6) == 5             # never more than asked for


def test_a_full_evaluation_that_cannot_win_is_skipped(dsp, fake):
    valset = fake.capitals(16, 40)

    def body(run, student, valset):
        search = TrialSearch(run, CandidateScorer(run, dsp.right, valset), student,
                             {"respond.predict": [GOOD, "Answer."]}, None, seed=0, num_trials=2,
                             minibatch=True, minibatch_size=8, full_eval_steps=1)
        good, weak = search._candidate(((0, None),)), search._candidate(((1, None),))
        CandidateScorer(run, dsp.right, valset).score([good], list(range(len(valset))))
        search._fully_scored(((0, None),))
        CandidateScorer(run, dsp.right, valset).score([weak], list(range(8)))
        before = run.budget.tracker.calls
        assert search._full_evaluation(optuna=None) is True
        return run.budget.tracker.calls - before, search

    with context.using(fake.DemoLM()):
        probe = Probe(body)
        probe.compile(dsp.Capital(), trainset=valset[:2], valset=valset)
    calls, search = probe.result
    assert calls == 0 and search.full == [((0, None),)]


# ------------------------------------------------------------------ halving="exact"


class TableScorer(CandidateScorer):
    """Scores from a table {program: [per-example score]} instead of running programs."""

    def __init__(self, table: dict) -> None:
        reporter = SimpleNamespace(phase=lambda *a, **k: None, note=lambda *a: None, score=lambda *a: None)
        n = len(next(iter(table.values())))
        super().__init__(SimpleNamespace(reporter=reporter), None, list(range(n)))
        self.table = table
        self.calls = 0

    def score_pairs(self, pairs):
        for c, i in pairs:
            if i not in c.scores:
                c.scores[i] = self.table[c.program][i]
                self.calls += 1
        return True


def search_table(table: dict, monkeypatch, **settings):
    """(the winner's label, scorer calls) of a search over the table's programs."""
    import dsplang.stdlib.optimizers.candidates as candidates
    monkeypatch.setattr(candidates, "program_key", str)
    scorer = TableScorer(table)
    search = HalvingSearch(scorer, expected=len(table), **settings)
    search.add_all([Candidate(name, name) for name in table])
    chosen = search.finish()
    return search.candidates[chosen].label, scorer.calls, search


def random_table(rng, candidates: int, n: int, values) -> dict:
    table = {}
    for k in range(candidates):
        p = rng.choice([0.2, 0.5, 0.8, 0.8, 0.8, 0.85, 0.9])
        table[f"c{k}"] = [values(rng) if rng.random() < p else 0.0 for _ in range(n)]
    return table


def test_exact_halving_always_picks_the_exhaustive_winner_with_fewer_calls(monkeypatch):
    import random
    rng = random.Random(0)
    kinds = [lambda r: 1.0, lambda r: round(r.random(), 2), lambda r: r.choice([0.5, 1.0])]
    saved = full_calls = 0
    for trial in range(300):
        table = random_table(rng, rng.randint(2, 12), rng.choice([5, 20, 50, 73]), kinds[trial % 3])
        winner, calls, _ = search_table(table, monkeypatch, halving=False)
        exact, exact_calls, _ = search_table(table, monkeypatch, halving="exact", seed=trial)
        assert exact == winner, (trial, table)
        assert exact_calls <= calls
        saved, full_calls = saved + calls - exact_calls, full_calls + calls
    assert saved > 0.25 * full_calls


def test_exact_halving_breaks_ties_as_dspy_does(monkeypatch):
    table = {"a": [1.0, 0.0] * 10, "b": [1.0] * 20, "c": [0.0, 1.0] * 10, "d": [1.0] * 19 + [0.0], "e": [1.0] * 20}
    winner, calls, _ = search_table(table, monkeypatch, halving="exact", min_batch=4)
    assert winner == "b" and calls < 100                     # b and e are equal: the earlier wins


def test_exact_halving_drops_nothing_once_a_metric_value_exceeds_one(monkeypatch):
    table = {"a": [1.0] * 10, "b": [1.5] * 9 + [0.0], "c": [0.0] * 10}
    winner, calls, _ = search_table(table, monkeypatch, halving="exact", min_batch=4)
    assert winner == "b" and calls == 30                    # c, hopeless by the 0..1 bound, is scored too


def test_exact_halving_warns_when_a_value_above_one_came_too_late(monkeypatch):
    import random

    import pytest
    order = list(range(10))
    random.Random(0).shuffle(order)                           # the search's example order (seed 0)

    def in_order(values):
        row = [0.0] * 10
        for position, value in zip(order, values):
            row[position] = value
        return row
    # The first rung is 4 examples. a leads and is scored fully (7); b and c race against it;
    # b is dropped; c, one example a wave, shows a 2.0 later: the bound did not hold for b.
    table = {"a": in_order([1, 1, 1, 1, 1, 1, 1, 0, 0, 0]), "b": in_order([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]),
             "c": in_order([1, 1, 0, 0, 1, 1, 1, 1, 2.0, 0])}
    with pytest.warns(UserWarning, match='use halving=false for metrics not between 0 and 1'):
        winner, _, search = search_table(table, monkeypatch, halving="exact", min_batch=4)
    assert search.candidates[1].note.startswith("cannot win") and winner == "c"


def test_halving_must_be_true_false_or_exact():
    import pytest

    from dsplang.errors import DspArgumentError
    with pytest.raises(DspArgumentError, match='halving must be true, false or "exact", not \'fast\''):
        BootstrapFewShotWithRandomSearch(lambda example, pred: True, halving="fast")
    with pytest.raises(DspArgumentError, match="halving must be"):
        BootstrapFewShotWithRandomSearch(lambda example, pred: True, halving=1)


def bag_of_words(texts):
    import hashlib
    vectors = []
    for text in texts:
        vector = [0] * 16
        for word in text.lower().split():
            vector[int(hashlib.sha256(word.encode()).hexdigest(), 16) % 16] += 1
        vectors.append(vector)
    return vectors


@pytest.mark.parametrize("make", [
    lambda dsp, train: (LabeledFewShot(k=4, metric=dsp.right, max_calls=10, verbose=False), dsp.Capital()),
    lambda dsp, train: (BootstrapFewShot(metric=dsp.right, max_calls=10, verbose=False), dsp.Capital()),
    lambda dsp, train: (KNNFewShot(k=3, embedder=bag_of_words, metric=dsp.right, max_calls=10, verbose=False),
                        dsp.Capital()),
    lambda dsp, train: (Ensemble(metric=dsp.right, max_calls=10, verbose=False), [dsp.Capital(), dsp.Capital()]),
], ids=["LabeledFewShot", "BootstrapFewShot", "KNNFewShot", "Ensemble"])
def test_a_budget_reached_while_scoring_the_one_program_is_reported(dsp, lm, train, dev, make):
    optimizer, program = make(dsp, train)
    optimizer.compile(program, trainset=train, valset=dev)
    report = optimizer.report
    assert 0 < report.rows[0].evaluated < len(dev)
    assert report.stopped == "max_calls=10 reached" and report.scores_json()["stopped"] == "max_calls=10 reached"
    assert "stopped early: max_calls=10 reached" in report.text()


def test_the_halving_schedule_refuses_an_eta_that_would_never_shrink():
    from dsplang.errors import DspArgumentError
    with time_limit(5), pytest.raises(DspArgumentError) as refused:    # eta=1 once looped forever
        halving_schedule(19, 180, eta=1)
    assert "eta must be a whole number of at least 2, got 1" in refused.value.message
    with pytest.raises(DspArgumentError, match="min_batch must be"):
        halving_schedule(19, 180, min_batch=0)

"""GEPA's Pareto frontier, parent choice and merges, on hand-made score tables."""

from __future__ import annotations

import random

from dsplang.stdlib.optimizers import gepa_merge, gepa_pareto


def test_the_frontier_holds_the_best_candidates_of_each_example():
    pool = [{0: 0.0, 1: 0.0, 2: 0.0}, {0: 1.0, 1: 0.0, 2: 0.0}, {0: 0.0, 1: 1.0, 2: 0.0}]
    assert gepa_pareto.frontiers(pool) == {0: {1}, 1: {2}, 2: {0, 1, 2}}
    # the seed is best nowhere on its own: example 2 is also held by 1 and 2
    assert gepa_pareto.undominated(pool) == [1, 2]
    assert gepa_pareto.coverage(pool) == {1: 2, 2: 2}


def test_of_two_identical_rows_the_earlier_stays():
    pool = [{0: 1.0, 1: 0.0}, {0: 1.0, 1: 0.0}]
    assert gepa_pareto.undominated(pool) == [0]
    assert gepa_pareto.best_mean(pool) == 0


def test_parents_are_drawn_by_coverage_with_the_seed():
    pool = [{0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0}, {0: 1.0, 1: 1.0, 2: 1.0, 3: 0.0}, {0: 0.0, 1: 0.0, 2: 0.0, 3: 1.0}]
    draws = [gepa_pareto.pick_parent(pool, random.Random(seed)) for seed in range(400)]
    assert set(draws) == {1, 2}
    assert 0.65 < draws.count(1) / len(draws) < 0.85           # weights 3 and 1
    assert [gepa_pareto.pick_parent(pool, random.Random(7)) for _ in range(3)] == \
           [gepa_pareto.pick_parent(pool, random.Random(7)) for _ in range(3)]


def test_a_merge_takes_each_predictor_from_the_lineage_that_changed_it():
    instructions = [{"a": "A0", "b": "B0"}, {"a": "A1", "b": "B0"}, {"a": "A0", "b": "B1"}]
    parents = [[], [0], [0]]
    means = [0.0, 0.5, 0.5]
    tried: set = set()
    merge = gepa_merge.find_merge([1, 2], parents, instructions, means, tried, random.Random(0))
    assert merge == gepa_merge.Merge(1, 2, 0, {"a": "A1", "b": "B1"})
    assert tried == {(1, 2, 0)}
    # the same triple is not tried twice
    assert gepa_merge.find_merge([1, 2], parents, instructions, means, tried, random.Random(0)) is None


def test_no_merge_between_a_candidate_and_its_ancestor_or_into_a_known_program():
    instructions = [{"a": "A0", "b": "B0"}, {"a": "A1", "b": "B0"}, {"a": "A1", "b": "B1"}]
    assert gepa_merge.find_merge([1, 2], [[], [0], [1]], instructions, [0.0, 0.5, 1.0], set(),
                                 random.Random(0)) is None
    known = [{"a": "A0", "b": "B0"}, {"a": "A1", "b": "B0"}, {"a": "A0", "b": "B1"}, {"a": "A1", "b": "B1"}]
    assert gepa_merge.find_merge([1, 2], [[], [0], [0], [1]], known, [0.0, 0.5, 0.5, 0.6], set(),
                                 random.Random(0)) is None


def test_both_changed_takes_the_better_parent_and_an_ancestor_above_them_is_no_base():
    instructions = [{"a": "A0", "b": "B0"}, {"a": "A1", "b": "B1"}, {"a": "A2", "b": "B0"}]
    merge = gepa_merge.find_merge([1, 2], [[], [0], [0]], instructions, [0.1, 0.4, 0.6], set(), random.Random(0))
    assert merge.instructions == {"a": "A2", "b": "B1"}
    assert gepa_merge.find_merge([1, 2], [[], [0], [0]], instructions, [0.9, 0.4, 0.6], set(),
                                 random.Random(0)) is None


def test_the_merge_subsample_mixes_wins_losses_and_ties():
    first = {i: float(i < 4) for i in range(12)}
    second = {i: float(4 <= i < 8) for i in range(12)}
    chosen = gepa_merge.subsample(first, second, random.Random(0))
    assert len(chosen) == 5 and len(set(chosen)) == 5
    kinds = {("first" if i < 4 else "second" if i < 8 else "tie") for i in chosen}
    assert kinds == {"first", "second", "tie"}

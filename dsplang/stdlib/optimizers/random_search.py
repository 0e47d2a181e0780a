"""BootstrapFewShotWithRandomSearch: many BootstrapFewShot candidates, the best on the valset.

Candidates, as DSPy (seeds -3 .. num_candidate_programs - 1): the zero-shot program, the
labeled-only program (LabeledFewShot with `max_labeled_demos`), BootstrapFewShot on the
training set as given, then one BootstrapFewShot per seed on the training set shuffled with
`random.Random(seed)` and a number of bootstrapped demos drawn from 1..max_bootstrapped_demos
with the same seed. (The optimizer's `seed` shifts every candidate seed.)

Unlike DSPy, candidates are compared by successive halving (see `candidates.py`): each is
scored on a small minibatch of the valset first and losing ones are dropped before the larger
rungs (the worse half, `eta=2`, and any clearly behind the leader, `confidence`), so the
winner is found with far fewer LM calls; a candidate identical to an earlier one is not
scored again. `halving=False` scores every candidate on the whole valset, exactly as DSPy;
`halving="exact"` picks the same winner as `halving=False` (DSPy's) with fewer calls, by
dropping a candidate only once it cannot beat the best whole-valset score.

Without `stop_at_score`, `max_calls` or `max_cost`, the candidates are built at the same time
(the bootstrapping ones share the threads; each still never tries more examples than it
needs), then scored on the first rung together. With any of them, candidates are built and
scored one by one, as DSPy, so the search can stop as soon as one is good enough or the
budget is spent. Either way the candidates, their scores and the winner are the same.
"""

from __future__ import annotations

import random

from dsplang.stdlib import program as prog
from dsplang.stdlib.optimizers.balance import check_balance_by
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot
from dsplang.stdlib.optimizers.candidates import (
    Candidate,
    CandidateScorer,
    HalvingSearch,
    check_halving,
    report_candidates,
)
from dsplang.stdlib.optimizers.checks import (
    FLAG,
    METRIC,
    NAME,
    PROGRAM,
    TEACHER_SETTINGS,
    Checker,
    number,
    optional,
    whole,
)
from dsplang.stdlib.optimizers.labeled_few_shot import labeled


class BootstrapFewShotWithRandomSearch(Optimizer):
    """`BootstrapFewShotWithRandomSearch(metric, teacher_settings=None, max_bootstrapped_demos=4,
    max_labeled_demos=16, max_rounds=1, num_candidate_programs=16, num_threads=None,
    max_errors=10, stop_at_score=None, metric_threshold=None, halving=True, min_batch=8, eta=2,
    confidence=2.0, balance_by=None)` plus the common settings. `num_threads` (DSPy's name) and `threads` are the
    same setting. `confidence=None` turns off dropping clearly-behind candidates."""

    def __init__(self, metric, teacher_settings: dict | None = None, max_bootstrapped_demos: int = 4,
                 max_labeled_demos: int = 16, max_rounds: int = 1, num_candidate_programs: int = 16,
                 num_threads: int | None = None, max_errors: int | None = 10, stop_at_score: float | None = None,
                 metric_threshold: float | None = None, *, halving: bool | str = True, min_batch: int = 8,
                 eta: int = 2, confidence: float | None = 2.0, labeled_sample: bool = True, teacher=None,
                 balance_by: str | None = None,
                 threads: int = 1, seed: int = 0, verbose: bool = True, max_calls: int | None = None,
                 max_cost: float | None = None) -> None:
        check = Checker(self.name)
        super().__init__(threads=threads, num_threads=num_threads, seed=seed, verbose=verbose,
                         max_calls=max_calls, max_cost=max_cost)
        self.metric = check("metric", metric, METRIC)
        self.teacher_settings = check("teacher_settings", teacher_settings, optional(TEACHER_SETTINGS))
        self.max_bootstrapped_demos = check("max_bootstrapped_demos", max_bootstrapped_demos, whole(at_least=1), "4")
        self.max_labeled_demos = check("max_labeled_demos", max_labeled_demos, whole(at_least=0), "16")
        self.max_rounds = check("max_rounds", max_rounds, whole(at_least=1), "1")
        self.num_candidate_programs = check("num_candidate_programs", num_candidate_programs, whole(at_least=0),
                                            "16")
        self.max_errors = check("max_errors", max_errors, optional(whole(at_least=1)), "10")
        self.stop_at_score = check("stop_at_score", stop_at_score, optional(number()), "90")
        self.metric_threshold = check("metric_threshold", metric_threshold, optional(number()), "0.5")
        check_halving(halving, "BootstrapFewShotWithRandomSearch")
        self.halving = halving
        self.min_batch = check("min_batch", min_batch, whole(at_least=1), "8")
        self.eta = check("eta", eta, whole(at_least=2), "2")
        self.confidence = check("confidence", confidence, optional(number(at_least=0)), "2.0")
        self.labeled_sample = check("labeled_sample", labeled_sample, FLAG, "true")
        self.teacher = check("teacher", teacher, optional(PROGRAM))
        self.balance_by = check("balance_by", balance_by, optional(NAME), '"label"')
        self.candidate_programs: list[Candidate] = []

    def _compile(self, run, student, trainset, valset, teacher):
        check_balance_by(self.balance_by, trainset, self.name)
        valset = valset or trainset
        scorer = CandidateScorer(run, self.metric, valset, max_errors=self.max_errors)
        search = HalvingSearch(scorer, seed=self.seed, halving=self.halving, min_batch=self.min_batch,
                               expected=self.num_candidate_programs + 3, eta=self.eta, confidence=self.confidence)
        teacher = teacher or self.teacher
        seeds = list(range(-3, self.num_candidate_programs))
        if self.stop_at_score is None and self.max_calls is None and self.max_cost is None:
            built = self._build_all(run, seeds, student, teacher, trainset)
            search.add_all([Candidate(label, program) for label, program in built])
        else:
            self._build_one_by_one(run, search, seeds, student, teacher, trainset)
        chosen = search.finish()
        report_candidates(run, search.candidates, chosen)
        self.candidate_programs = sorted(search.candidates, key=lambda c: -(c.score or 0.0))
        if chosen is None:
            return prog.reset_copy(student)
        return search.candidates[chosen].program

    def _build_all(self, run, seeds: list[int], student, teacher, trainset: list) -> list[tuple[str, object]]:
        """Every candidate's label and program, built at the same time (in seed order)."""
        quiet = run.quiet(len(seeds) - 2)            # the bootstrapping ones share the threads
        run.reporter.phase(f"building {len(seeds)} candidates", total=len(seeds))
        return run.parallel_all(lambda seed: self._candidate(quiet, seed, student, teacher, trainset), seeds)

    def _build_one_by_one(self, run, search: HalvingSearch, seeds: list[int], student, teacher,
                          trainset: list) -> None:
        """Build and score candidates in turn, until the budget or `stop_at_score` stops it."""
        for seed in seeds:
            if run.out_of_budget():
                break
            run.reporter.phase(f"building candidate {seed + 4} of {len(seeds)}", total=None)
            label, program = self._candidate(run, seed, student, teacher, trainset)
            candidate = search.add(Candidate(label, program))
            if self.stop_at_score is not None and (candidate.score or 0.0) >= self.stop_at_score:
                run.reporter.note(f"{label} scored {candidate.score}% >= stop_at_score; stopping")
                break

    def _candidate(self, run, seed: int, student, teacher, trainset: list) -> tuple[str, object]:
        """The label and program of candidate `seed` (-3 zero-shot, -2 labeled, -1 unshuffled)."""
        shifted = self.seed + seed
        if seed == -3:
            return "zero-shot", prog.reset_copy(student)
        if seed == -2:
            return (f"{self.max_labeled_demos} labeled demos",
                    labeled(student, trainset, self.max_labeled_demos, sample=self.labeled_sample, seed=self.seed,
                            balance_by=self.balance_by))
        examples, size = list(trainset), self.max_bootstrapped_demos
        if seed >= 0:
            random.Random(shifted).shuffle(examples)
            size = random.Random(shifted).randint(1, self.max_bootstrapped_demos)
        program, count = self._bootstrapper(size).build(run, student, teacher, examples)
        where = "unshuffled" if seed == -1 else f"seed {shifted}"
        return f"bootstrap {where}: {count} trace{'' if count == 1 else 's'}", program

    def _bootstrapper(self, size: int) -> BootstrapFewShot:
        return BootstrapFewShot(metric=self.metric, metric_threshold=self.metric_threshold,
                                teacher_settings=self.teacher_settings, max_bootstrapped_demos=size,
                                max_labeled_demos=self.max_labeled_demos, max_rounds=self.max_rounds,
                                max_errors=self.max_errors, balance_by=self.balance_by, seed=self.seed,
                                verbose=False)

"""Scoring candidate programs on validation data, and successive halving between them.

Reusable by every optimizer that searches over programs (random search, COPRO, MIPROv2):

    scorer = CandidateScorer(run, metric, valset, max_errors=10)
    search = HalvingSearch(scorer, seed=0, halving=True, min_batch=8)
    search.add(Candidate("zero-shot", program))        # scores it on the first minibatch
    best = search.finish()                             # the remaining rungs; returns the winner

Scores are kept per validation example, so a candidate that goes on to a bigger rung is only
run on the examples it has not seen. Work runs on the compile's threads and results are
collected in input order, so the outcome does not depend on the thread count.

The schedule (`halving_schedule`): the validation examples are put in a seed-derived order;
rung sizes double from a first minibatch of at least `min_batch` examples up to the whole
set (e.g. 200 examples: 13, 25, 50, 100, 200). After each rung but the last, the
candidates ranked below the top half (by mean score so far; among equal scores the earlier
candidate ranks first, as DSPy prefers the earliest of equal winners) are dropped. Halvings
stop while at least two candidates remain for the full set.
`halving=False` scores every candidate on the whole set (DSPy's behaviour).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from dsplang.stdlib import program as prog

_SKIPPED = object()   # a unit of work not started because the budget ran out


@dataclass(eq=False)
class Candidate:
    """A program under consideration and its per-example validation scores (0..1)."""

    label: str
    program: object
    scores: dict[int, float] = field(default_factory=dict)
    rung: int = -1                   # the last rung it was fully scored on
    note: str = ""

    @property
    def score(self) -> float | None:
        """Mean score as a percentage over the examples scored so far (2 decimals, as DSPy)."""
        if not self.scores:
            return None
        return round(100 * sum(self.scores.values()) / len(self.scores), 2)


class CandidateScorer:
    """Runs programs on validation examples with the metric, in parallel, within the budget."""

    def __init__(self, run, metric, valset: list, *, max_errors: int | None = 10,
                 failure_score: float = 0.0) -> None:
        self.run = run
        self.metric = metric
        self.valset = valset
        self.max_errors = max_errors
        self.failure_score = failure_score

    def score(self, candidates: list[Candidate], indices: list[int]) -> bool:
        """Score each candidate on `indices` it has not seen; False if the budget stopped it."""
        work = [(c, i) for c in candidates for i in indices if i not in c.scores]
        if not work:
            return True
        if self.run.out_of_budget():
            return False
        result = self.run.parallel(self._one, work, max_errors=self.max_errors)
        complete = True
        for index, (candidate, example_index) in enumerate(work):
            if index in result.errors:
                candidate.scores[example_index] = self.failure_score
            elif result.values[index] is _SKIPPED or not result.finished[index]:
                complete = False
            else:
                candidate.scores[example_index] = result.values[index]
        return complete

    def _one(self, item) -> float | object:
        candidate, index = item
        if self.run.budget.exhausted():
            return _SKIPPED
        example = self.valset[index]
        prediction = prog.run_on(candidate.program, example)
        return prog.as_score(prog.call_metric(self.metric, example, prediction))


def halving_schedule(n_candidates: int, n_val: int, *, min_batch: int = 8, eta: int = 2) -> list[int]:
    """Cumulative rung sizes ending with `n_val`; see the module docstring."""
    sizes = [n_val]
    survivors = [n_candidates]
    while survivors[-1] > 2 and math.ceil(sizes[0] / eta) >= min_batch:
        sizes.insert(0, math.ceil(sizes[0] / eta))
        survivors.append(math.ceil(survivors[-1] / eta))
    return sizes


class HalvingSearch:
    """Candidates added one at a time, scored on the first rung, then halved rung by rung."""

    def __init__(self, scorer: CandidateScorer, *, seed: int = 0, halving: bool = True,
                 min_batch: int = 8, expected: int = 1) -> None:
        self.scorer = scorer
        self.order = list(range(len(scorer.valset)))
        if halving:
            random.Random(seed).shuffle(self.order)
        self.sizes = (halving_schedule(expected, len(self.order), min_batch=min_batch)
                      if halving else [len(self.order)])
        self.candidates: list[Candidate] = []
        self.stopped = False

    def add(self, candidate: Candidate) -> Candidate:
        """Add a candidate and score it on the first rung."""
        self.candidates.append(candidate)
        self._score([candidate], 0)
        reporter = self.scorer.run.reporter
        reporter.score(candidate.score)
        if candidate.scores:
            reporter.note(f"{candidate.label}: {candidate.score:.1f}% on {len(candidate.scores)} examples")
        return candidate

    def finish(self) -> int | None:
        """Run the remaining rungs; returns the index of the best candidate (None if none scored)."""
        alive = [c for c in self.candidates if c.rung == 0]
        for rung in range(1, len(self.sizes)):
            if self.stopped:
                break
            alive = self._prune(alive, rung - 1)
            self._score(alive, rung)
        return self.best()

    def best(self) -> int | None:
        """The candidate that got furthest, then scored highest; the earliest wins ties (as DSPy)."""
        scored = [(c.rung, c.score, -i) for i, c in enumerate(self.candidates) if c.scores]
        if not scored:
            return None
        return -max(scored)[2]

    def _score(self, candidates: list[Candidate], rung: int) -> None:
        if self.stopped:
            return
        indices = self.order[: self.sizes[rung]]
        self.scorer.run.reporter.phase(f"scoring {len(candidates)} on {len(indices)} examples",
                                       total=sum(1 for c in candidates for i in indices if i not in c.scores))
        if self.scorer.score(candidates, indices):
            for c in candidates:
                c.rung = rung
        else:
            self.stopped = True

    def _prune(self, alive: list[Candidate], rung: int) -> list[Candidate]:
        """Keep the top half by score (earlier candidates first among equals); note the dropped."""
        position = {id(c): i for i, c in enumerate(self.candidates)}
        ranked = sorted(alive, key=lambda c: (-(c.score or 0.0), position[id(c)]))
        top = {id(c) for c in ranked[: max(1, math.ceil(len(ranked) / 2))]}
        kept = [c for c in alive if id(c) in top]
        for c in alive:
            if c not in kept:
                c.note = f"dropped at {self.sizes[rung]}"
        return kept


def report_candidates(run, candidates: list[Candidate], chosen: int | None) -> None:
    """Put the candidates, their scores and the choice into the compile's report."""
    from dsplang.stdlib.optimizers.report import CandidateRow
    for i, c in enumerate(candidates):
        note = "chosen" if i == chosen else (c.note or ("" if c.scores else "not scored"))
        run.report.rows.append(CandidateRow(c.label, c.score, len(c.scores), note))
    run.report.chosen = chosen


def report_single(run, label: str, program, metric, valset: list | None, max_errors: int | None) -> None:
    """Report the one program a non-searching optimizer made, scored on `valset` when given."""
    candidate = Candidate(label, program)
    if metric is not None and valset:
        run.reporter.phase(f"scoring on {len(valset)} validation examples", total=len(valset))
        CandidateScorer(run, metric, valset, max_errors=max_errors).score([candidate], list(range(len(valset))))
    report_candidates(run, [candidate], 0)

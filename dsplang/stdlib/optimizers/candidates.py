"""Scoring candidate programs on validation data, and successive halving between them.

Reusable by every optimizer that searches over programs (random search, COPRO, MIPROv2):

    scorer = CandidateScorer(run, metric, valset, max_errors=10)
    search = HalvingSearch(scorer, seed=0, halving=True, min_batch=8)
    search.add(Candidate("zero-shot", program))        # scores it on the first minibatch
    search.add_all([Candidate(...), ...])              # several at once (in parallel)
    best = search.finish()                             # the remaining rungs; returns the winner

Scores are kept per validation example, so a candidate that goes on to a bigger rung is only
run on the examples it has not seen. A candidate whose program is identical to an earlier
one's (same instructions, fields, demos, LM and config for every predictor: `program_key`)
is never scored: it shares the earlier candidate's scores and is reported as the same
program. Work runs on the compile's threads and results are collected in input order, so the
outcome does not depend on the thread count.

The schedule (`halving_schedule`): the validation examples are put in a seed-derived order.
There are as many rungs as halvings are needed to get from the expected number of candidates
down to two (`eta=2`: each rung keeps the top half, rounded up; `eta=3`: the top third).
Rung sizes grow by `eta` from the bottom of the whole set down (e.g. 19 candidates on 200
examples: 13, 25, 50, 100, 200); when that would make the first rung smaller than
`min_batch`, the first rung is `min_batch` and the rungs under it that would be less than
1.5 times smaller than the next are left out (11 candidates on 50: 8, 13, 25, 50). After
each rung but the last the candidates ranked below the kept share (by mean score so far;
among equal scores the earlier candidate ranks first, as DSPy prefers the earliest of equal
winners) are dropped, and so is every kept candidate that is clearly behind the leader
(`clearly_behind`: on the rung's examples, the leader's mean per-example advantage is more
than `confidence` standard errors above zero). When one candidate is left, it wins and the
remaining rungs are not run. `halving=False` scores every candidate on the whole set
(DSPy's behaviour).
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
    same_as: "Candidate | None" = None   # an earlier candidate with the identical program

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


def program_key(program) -> str:
    """What makes two candidate programs the same: every predictor's learnable parameters."""
    from dsplang.lm.cache import canonical_json
    from dsplang.stdlib.artifacts import program_state
    return prog.sha256(canonical_json(program_state(program)))


MIN_GROWTH = 1.5          # a rung is at least this many times larger than the one before it
MIN_EVIDENCE = 8          # `clearly_behind` needs at least this many shared examples


def halving_schedule(n_candidates: int, n_val: int, *, min_batch: int = 8, eta: int = 2) -> list[int]:
    """Cumulative rung sizes ending with `n_val`; see the module docstring."""
    cuts, alive = 0, n_candidates
    while alive > 2:
        alive = math.ceil(alive / eta)
        cuts += 1
    sizes = [n_val]
    for _ in range(cuts):
        smaller = max(min_batch, math.ceil(sizes[0] / eta))
        if smaller * MIN_GROWTH > sizes[0]:
            break
        sizes.insert(0, smaller)
    return sizes


def clearly_behind(leader: Candidate, other: Candidate, indices: list[int], confidence: float) -> bool:
    """True when, on `indices` (scored for both), `leader` is ahead of `other` by more than
    `confidence` standard errors of the mean per-example difference (a paired one-sided test;
    never on fewer than MIN_EVIDENCE examples)."""
    diffs = [leader.scores[i] - other.scores[i] for i in indices if i in leader.scores and i in other.scores]
    n = len(diffs)
    if n < MIN_EVIDENCE:
        return False
    mean = sum(diffs) / n
    variance = sum((d - mean) ** 2 for d in diffs) / (n - 1)
    return mean > 0 and mean > confidence * math.sqrt(variance / n)


class HalvingSearch:
    """Candidates added one at a time, scored on the first rung, then halved rung by rung."""

    def __init__(self, scorer: CandidateScorer, *, seed: int = 0, halving: bool = True,
                 min_batch: int = 8, expected: int = 1, eta: int = 2, confidence: float | None = 2.0) -> None:
        self.scorer = scorer
        self.order = list(range(len(scorer.valset)))
        if halving:
            random.Random(seed).shuffle(self.order)
        self.eta = eta
        self.confidence = confidence
        self.sizes = (halving_schedule(expected, len(self.order), min_batch=min_batch, eta=eta)
                      if halving else [len(self.order)])
        self.candidates: list[Candidate] = []
        self.known: dict[str, Candidate] = {}
        self.stopped = False

    def add(self, candidate: Candidate) -> Candidate:
        """Add a candidate and score it on the first rung."""
        return self.add_all([candidate])[0]

    def add_all(self, candidates: list[Candidate]) -> list[Candidate]:
        """Add candidates and score the new programs among them on the first rung, all at once."""
        new = []
        for candidate in candidates:
            self.candidates.append(candidate)
            original = self.known.setdefault(program_key(candidate.program), candidate)
            if original is candidate:
                new.append(candidate)
            else:
                candidate.same_as, candidate.scores = original, original.scores
        self._score(new, 0)
        reporter = self.scorer.run.reporter
        for candidate in candidates:
            if candidate.same_as is not None:
                reporter.note(f"{candidate.label}: the same program as {candidate.same_as.label}, not scored again")
            elif candidate.scores:
                reporter.score(candidate.score)
                reporter.note(f"{candidate.label}: {candidate.score:.1f}% on {len(candidate.scores)} examples")
        return candidates

    def finish(self) -> int | None:
        """Run the remaining rungs; returns the index of the best candidate (None if none scored)."""
        alive = [c for c in self.candidates if c.rung == 0 and c.same_as is None]
        for rung in range(1, len(self.sizes)):
            if self.stopped:
                break
            alive = self._prune(alive, rung - 1)
            if len(alive) == 1 and len(self.candidates) > 1:
                self.scorer.run.reporter.note(f"{alive[0].label} is the only one left; not scoring it further")
                break
            self._score(alive, rung)
        return self.best()

    def best(self) -> int | None:
        """The candidate that got furthest, then scored highest; the earliest wins ties (as DSPy)."""
        scored = [(c.rung, c.score, -i) for i, c in enumerate(self.candidates) if c.scores and c.same_as is None]
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
        """Keep the top 1/eta by score (earlier candidates first among equals), less those clearly
        behind the leader; note the dropped."""
        if not alive:
            return alive
        position = {id(c): i for i, c in enumerate(self.candidates)}
        ranked = sorted(alive, key=lambda c: (-(c.score or 0.0), position[id(c)]))
        top = ranked[: max(1, math.ceil(len(ranked) / self.eta))]
        indices = self.order[: self.sizes[rung]]
        behind = set()
        if self.confidence is not None:
            behind = {id(c) for c in top[1:] if clearly_behind(ranked[0], c, indices, self.confidence)}
        kept = [c for c in alive if c in top and id(c) not in behind]
        for c in alive:
            if id(c) in behind:
                c.note = f"clearly behind at {self.sizes[rung]}"
            elif c not in kept:
                c.note = f"dropped at {self.sizes[rung]}"
        return kept


def report_candidates(run, candidates: list[Candidate], chosen: int | None) -> None:
    """Put the candidates, their scores and the choice into the compile's report."""
    from dsplang.stdlib.optimizers.report import CandidateRow
    for i, c in enumerate(candidates):
        if c.same_as is not None:
            c.note = f"same program as {c.same_as.label}"
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

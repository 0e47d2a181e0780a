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

`halving="exact"` (`HalvingSearch._race`) drops only what provably cannot win, so it picks
exactly the candidate `halving=False` picks (the best whole-set score, the earliest among
equals) with fewer LM calls. After the first rung (`min_batch` examples) the candidates are
taken best first. The first is scored on the whole set and holds the bar. The others are
raced against the bar, `RACE_LANES` (4) at a time, in waves: in each, a candidate is scored
on as many more examples as must fail before it could be ruled out, so a step never goes
past the point where it could have been dropped. A candidate leaves the race when it is
complete (and takes the bar if it beats it) or when its best possible total, its score so
far plus 1 for every unseen example, can no longer beat the bar; the next in line takes its
lane. The lanes do not depend on the thread count, so neither do the scores reported. This
relies on metric values between 0 and 1 (bools, f1, ...); once a value above 1 is seen,
nothing more is dropped.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from dsplang.context import spans
from dsplang.errors import DspArgumentError
from dsplang.lm.cache import canonical_json
from dsplang.stdlib import program as prog
from dsplang.stdlib.optimizers.checks import Checker, number, optional, whole
from dsplang.stdlib.optimizers.report import CandidateRow
from dsplang.stdlib.parallel_runner import TooManyErrors
from dsplang.stdlib.program import program_state

_SKIPPED = object()   # a unit of work not started because the budget ran out


@dataclass(eq=False)
class Candidate:
    """A program under consideration and its per-example validation scores (0..1)."""

    label: str
    program: object
    scores: dict[int, float] = field(default_factory=dict)
    rung: int = -1                   # the last rung it was fully scored on
    note: str = ""
    same_as: Candidate | None = None   # an earlier candidate with the identical program

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
        return self.score_pairs([(c, i) for c in candidates for i in indices])

    def score_pairs(self, pairs: list[tuple[Candidate, int]]) -> bool:
        """Score each (candidate, example index) not scored yet; False if the budget stopped it."""
        work = [(c, i) for c, i in pairs if i not in c.scores]
        if not work:
            return True
        if self.run.out_of_budget():
            return False
        try:
            result = self.run.parallel(self._one, work, max_errors=self.max_errors)
        except TooManyErrors as err:
            self._keep(work, err.result)
            raise
        complete = self._keep(work, result)
        if not complete:
            self.run.out_of_budget()        # the report says why the scoring stopped
        return complete

    def _keep(self, work: list[tuple[Candidate, int]], result) -> bool:
        """Store the scores `result` holds (a failure scores `failure_score`) and count the
        outcomes; False when some work was not done (the budget)."""
        complete = True
        for index, (candidate, example_index) in enumerate(work):
            if index in result.errors:
                candidate.scores[example_index] = self.failure_score
                self.run.outcomes.failure("validation", example_index, result.errors[index])
            elif result.values[index] is _SKIPPED or not result.finished[index]:
                complete = False
            else:
                candidate.scores[example_index] = result.values[index]
                self.run.outcomes.ok()
        return complete

    def _one(self, item) -> float | object:
        candidate, index = item
        if self.run.budget.exhausted():
            return _SKIPPED
        example = self.valset[index]
        with spans.opened("candidate", candidate.label, candidate=candidate.label,
                          attributes={"dsp.example": index}):    # the parent of its calls on the example
            prediction = prog.run_on(candidate.program, example)
            return prog.score(self.metric, example, prediction)


def program_key(program) -> str:
    """What makes two candidate programs the same: every predictor's learnable parameters."""
    return prog.sha256(canonical_json(program_state(program)))


MIN_GROWTH = 1.5          # a rung is at least this many times larger than the one before it
MIN_EVIDENCE = 8          # `clearly_behind` needs at least this many shared examples
RACE_LANES = 4            # `halving="exact"` races this many candidates at a time


def halving_schedule(n_candidates: int, n_val: int, *, min_batch: int = 8, eta: int = 2) -> list[int]:
    """Cumulative rung sizes ending with `n_val`; see the module docstring. `eta` must be a whole
    number of at least 2 (each rung keeps at most half), or the rungs would never shrink."""
    check = Checker("successive halving")
    check("eta", eta, whole(at_least=2), "2")
    check("min_batch", min_batch, whole(at_least=1), "8")
    cuts, alive = 0, n_candidates
    while alive > 2:
        alive = min(alive - 1, math.ceil(alive / eta))
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


def check_halving(value, optimizer: str) -> None:
    """`halving` must be True, False or "exact"."""
    if value not in (True, False, "exact") or isinstance(value, (int, float)) and not isinstance(value, bool):
        raise DspArgumentError(f"{optimizer}: halving must be true, false or \"exact\", not {value!r}",
                               hint='true: successive halving (fewest calls); "exact": the same winner as '
                                    'false with fewer calls; false: every candidate on the whole valset')


class HalvingSearch:
    """Candidates added one at a time, scored on the first rung, then halved rung by rung
    (or raced against the best whole-set score: `halving="exact"`)."""

    def __init__(self, scorer: CandidateScorer, *, seed: int = 0, halving: bool | str = True,
                 min_batch: int = 8, expected: int = 1, eta: int = 2, confidence: float | None = 2.0) -> None:
        self.scorer = scorer
        check = Checker("successive halving")
        self.order = list(range(len(scorer.valset)))
        check("eta", eta, whole(at_least=2), "2")
        check("min_batch", min_batch, whole(at_least=1), "8")
        check("confidence", confidence, optional(number(at_least=0)), "2.0")
        if halving:
            random.Random(seed).shuffle(self.order)
        self.eta = eta
        self.confidence = confidence
        self.exact = halving == "exact"
        if self.exact:
            self.sizes = sorted({min(min_batch, len(self.order)), len(self.order)})
        elif halving:
            self.sizes = halving_schedule(expected, len(self.order), min_batch=min_batch, eta=eta)
        else:
            self.sizes = [len(self.order)]
        self.candidates: list[Candidate] = []
        self.known: dict[str, Candidate] = {}
        self.stopped = False
        self.unbounded = False        # a metric value above 1 was seen: the race's bound does not hold

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
        if self.exact:
            self._race(alive)
            return self.best()
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
        if self._score_on(candidates, self.order[: self.sizes[rung]]):
            for c in candidates:
                c.rung = rung

    def _score_on(self, candidates: list[Candidate], indices: list[int]) -> bool:
        """Score `candidates` on `indices`; False (and the search stops) when the budget ran out."""
        return self._score_pairs([(c, i) for c in candidates for i in indices],
                                 f"scoring {len(candidates)} on {len(indices)} examples")

    def _score_pairs(self, pairs: list[tuple[Candidate, int]], phase: str | None = None) -> bool:
        """Score each (candidate, example index); False (and the search stops) when the budget ran out."""
        if self.stopped:
            return False
        todo = sum(1 for c, i in pairs if i not in c.scores)
        racing = len({id(c) for c, _ in pairs})
        self.scorer.run.reporter.phase(phase or f"racing {racing} against the best so far", total=todo)
        if not self.scorer.score_pairs(pairs):
            self.stopped = True
        self.unbounded = self.unbounded or any(c.scores.get(i, 0.0) > 1.0 for c, i in pairs)
        return not self.stopped

    def _race(self, alive: list[Candidate]) -> None:
        """`halving="exact"`: the best candidate so far scored on the whole set sets the bar;
        the others are raced against it, `RACE_LANES` at a time, each dropped as soon as it
        cannot beat it (see the module docstring)."""
        position = {id(c): i for i, c in enumerate(self.candidates)}
        queue = sorted(alive, key=lambda c: (-(c.score or 0.0), position[id(c)]))
        if not queue or not self._score_on(queue[:1], self.order):
            return
        holder, lanes = queue.pop(0), []
        holder.rung = len(self.sizes) - 1
        while (queue or lanes) and not self.stopped:
            free = RACE_LANES - len(lanes)
            lanes, queue = lanes + queue[:free], queue[free:]
            steps = {id(c): self._steps_left(c, holder, position) for c in lanes}
            for c in lanes:
                if steps[id(c)] == 0:
                    c.note = f"cannot win after {len(c.scores)}"
            lanes = [c for c in lanes if steps[id(c)] > 0]
            pairs = [(c, i) for c in lanes for i in self._unseen(c)[: steps[id(c)]]]
            if pairs and not self._score_pairs(pairs):
                break
            for c in [c for c in lanes if not self._unseen(c)]:
                c.rung = len(self.sizes) - 1
                if _beats(c, holder, position):
                    holder = c
                lanes.remove(c)
        if self.unbounded and any(c.note.startswith("cannot win") for c in alive):
            import warnings
            warnings.warn('the metric returned a value above 1, so halving="exact" may have dropped the best '
                          'candidate before it saw that value; use halving=false for metrics not between 0 and 1',
                          stacklevel=2)

    def _unseen(self, c: Candidate) -> list[int]:
        """The examples `c` has not been scored on, in the search's order."""
        return [i for i in self.order if i not in c.scores]

    def _steps_left(self, c: Candidate, holder: Candidate, position: dict) -> int:
        """How many more examples `c` can be scored on before it could first be ruled out; 0 when
        it cannot beat `holder` any more even scoring 1 on every unseen example. All of them
        once a metric value above 1 has been seen (the bound no longer holds)."""
        n, missing = len(self.order), len(self.order) - len(c.scores)
        if self.unbounded:
            return missing
        best_possible = sum(c.scores.values()) + missing
        if not _wins(round(100 * best_possible / n, 2), holder.score, position[id(c)] < position[id(holder)]):
            return 0
        room = best_possible - sum(holder.scores.values()) - n * 1e-4     # less the rounding of `score`
        return max(1, min(missing, math.floor(room)))

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


def _beats(c: Candidate, holder: Candidate, position: dict) -> bool:
    """Whether `c` wins over `holder` (as `HalvingSearch.best`: the earlier of equal scores)."""
    return _wins(c.score, holder.score, position[id(c)] < position[id(holder)])


def _wins(score: float, other: float, earlier: bool) -> bool:
    return score > other or (score == other and earlier)


def report_candidates(run, candidates: list[Candidate], chosen: int | None) -> None:
    """Put the candidates, their scores and the choice into the compile's report."""
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

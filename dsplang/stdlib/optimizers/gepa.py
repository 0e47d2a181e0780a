"""GEPA: reflective prompt evolution (Agrawal et al., 2025), with metric feedback.

The pool starts with the program as given, scored on every validation example. Then, until
the metric-call budget is spent, each iteration either merges two lineages (`gepa_merge.py`)
or makes one reflective proposal:

1. a parent is drawn from the per-example Pareto frontier, weighted by how many examples it
   is best on (`gepa_pareto.py`); its predictors take turns being improved (round robin per
   candidate, in path order);
2. the parent runs on a minibatch of `reflection_minibatch_size` training examples (taken in
   order from a seeded shuffle of the trainset, reshuffled each pass) under a trace; when it
   scores `perfect_score` on all of them there is nothing to learn and the iteration ends;
3. the reflection LM reads that predictor's inputs, outputs and the metric's feedback on each
   example (`gepa_reflect.py`) and writes a new instruction for it;
4. the new program runs on the same minibatch; when its sum is higher than the parent's it is
   scored on the whole valset and joins the pool (and a merge is scheduled, at most
   `max_merge_invocations` in all).

The search ends when the budget is spent, or (with `skip_perfect_score`, unlike DSPy) as soon
as a candidate scores `perfect_score` on every validation example.

The compiled program is the pool's best mean valset score (the earliest among equals).

Budget: exactly one of `auto` ("light", "medium", "heavy": DSPy's budget formula for 6, 12 or
18 candidates), `max_metric_calls` or `max_full_evals` (that many passes over trainset +
valset). A metric call is one example run and scored. An iteration starts only when what is
left covers its worst case (two minibatches and a whole valset; a merge: a whole valset), so
the budget is never exceeded. `max_calls`/`max_cost` bound the LM calls as for every
optimizer. Everything random comes from `random.Random(seed)` in the compiling thread and the
runs are collected in input order, so the result does not depend on `threads`.

Not using the `gepa` package: see docs/optimizers.md (its engine checks budgets only between
iterations, swallows reflection-LM failures, and keeps its own scores and cache).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from dsplang.errors import DspArgumentError, DspValueError
from dsplang.stdlib import program as prog
from dsplang.stdlib.optimizers import gepa_merge, gepa_pareto, gepa_reflect
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.optimizers.candidates import Candidate, CandidateScorer, program_key, report_candidates
from dsplang.stdlib.optimizers.checks import FLAG, LM, METRIC, Checker, number, one_of, optional, whole
from dsplang.stdlib.optimizers.report import plural

AUTO = {"light": 6, "medium": 12, "heavy": 18}        # candidates, as DSPy's auto presets
AUTO_MINIBATCH = 35          # DSPy's budget formula assumes MIPROv2-sized minibatches ...
AUTO_FULL_EVAL_STEPS = 5     # ... and a full evaluation every 5 trials


def auto_budget(predictors: int, candidates: int, valset_size: int) -> int:
    """DSPy's metric-call budget for an `auto` preset: one full evaluation, 5 calls per candidate,
    `trials` minibatches of 35 and a full evaluation every 5 trials."""
    trials = int(max(2 * (predictors * 2) * math.log2(candidates), 1.5 * candidates))
    fulls = (trials + 1) // AUTO_FULL_EVAL_STEPS + 1 + (1 if trials < AUTO_FULL_EVAL_STEPS else 0)
    return valset_size + candidates * 5 + trials * AUTO_MINIBATCH + fulls * valset_size


@dataclass(eq=False)
class Member:
    """A candidate of the pool: its valset scores (`candidate.scores`), where it came from, and
    which of its predictors is improved next."""

    candidate: Candidate
    parents: list[int]
    instructions: dict[str, str]
    next_predictor: int = 0
    children: int = 0


@dataclass
class _State:
    pool: list[Member] = field(default_factory=list)
    rows: list[Candidate] = field(default_factory=list)       # every program tried, for the report
    metric_calls: int = 0
    merges_due: int = 0
    merges_tried: int = 0
    found_new: bool = False
    merge_tried: set = field(default_factory=set)
    epoch: list[int] = field(default_factory=list)
    epochs: int = 0


class GEPA(Optimizer):
    """`GEPA(metric, reflection_lm=None, auto=None, max_metric_calls=None, max_full_evals=None,
    reflection_minibatch_size=3, candidate_selection_strategy="pareto", skip_perfect_score=True,
    use_merge=True, max_merge_invocations=5, failure_score=0.0, perfect_score=1.0, max_errors=10)`
    plus the common settings (threads or num_threads, seed, verbose, max_calls, max_cost)."""

    def __init__(self, metric, reflection_lm=None, auto: str | None = None, max_metric_calls: int | None = None,
                 max_full_evals: int | None = None, reflection_minibatch_size: int = 3,
                 candidate_selection_strategy: str = "pareto", skip_perfect_score: bool = True,
                 use_merge: bool = True, max_merge_invocations: int = 5, failure_score: float = 0.0,
                 perfect_score: float = 1.0, max_errors: int | None = 10, *, num_threads: int | None = None,
                 threads: int = 1, seed: int = 0, verbose: bool = True, max_calls: int | None = None,
                 max_cost: float | None = None) -> None:
        check = Checker(self.name)
        super().__init__(threads=threads, num_threads=num_threads, seed=seed, verbose=verbose,
                         max_calls=max_calls, max_cost=max_cost)
        self.metric = check("metric", metric, METRIC)
        self.reflection_lm = check("reflection_lm", reflection_lm, optional(LM))
        self.auto = check("auto", auto, optional(one_of(*AUTO)), '"light"')
        self.max_metric_calls = check("max_metric_calls", max_metric_calls, optional(whole(at_least=1)), "500")
        self.max_full_evals = check("max_full_evals", max_full_evals, optional(whole(at_least=1)), "3")
        given = [name for name in ("auto", "max_metric_calls", "max_full_evals") if getattr(self, name) is not None]
        if len(given) != 1:
            said = "none of them was given" if not given else f"{' and '.join(given)} were both given"
            raise DspArgumentError(f"GEPA: give exactly one of auto, max_metric_calls and max_full_evals; {said}",
                                   hint='for example: GEPA(metric=m, reflection_lm=LM(...), auto="light")')
        self.reflection_minibatch_size = check("reflection_minibatch_size", reflection_minibatch_size,
                                               whole(at_least=1), "3")
        self.candidate_selection_strategy = check("candidate_selection_strategy", candidate_selection_strategy,
                                                  one_of("pareto", "current_best"), '"pareto"')
        self.skip_perfect_score = check("skip_perfect_score", skip_perfect_score, FLAG, "false")
        self.use_merge = check("use_merge", use_merge, FLAG, "false")
        self.max_merge_invocations = check("max_merge_invocations", max_merge_invocations, whole(at_least=0), "5")
        self.failure_score = check("failure_score", failure_score, number(), "0.0")
        self.perfect_score = check("perfect_score", perfect_score, number(), "1.0")
        self.max_errors = check("max_errors", max_errors, optional(whole(at_least=1)), "10")
        self.metric_calls = 0
        self.budget_metric_calls = 0
        self.candidate_programs: list[Candidate] = []

    def metric_budget(self, student, trainset_size: int, valset_size: int) -> int:
        """The metric calls this compile may make (see the module docstring)."""
        if self.max_metric_calls is not None:
            return self.max_metric_calls
        if self.max_full_evals is not None:
            return self.max_full_evals * (trainset_size + valset_size)
        return auto_budget(len(prog.named_predictors(student)), AUTO[self.auto], valset_size)

    # ---------------------------------------------------------- the search

    def _compile(self, run, student, trainset, valset, teacher):
        valset = valset or trainset
        budget = self.metric_budget(student, len(trainset), len(valset))
        if budget < len(valset):
            raise DspValueError(f"GEPA: a budget of {plural(budget, 'metric call')} does not cover one "
                                f"evaluation of the valset ({plural(len(valset), 'example')})",
                                hint=f"give max_metric_calls={len(valset) * 5} or more, or a smaller valset")
        self.budget_metric_calls = budget
        run.reporter.note(f"a budget of {plural(budget, 'metric call')}; valset of {len(valset)}, "
                          f"trainset of {len(trainset)}")
        rng = random.Random(self.seed)
        scorer = CandidateScorer(run, self.metric, valset, max_errors=self.max_errors,
                                 failure_score=self.failure_score)
        state = _State()
        self._state, self._scorer, self._rng, self._budget = state, scorer, rng, budget
        self._paths = [path for path, _ in prog.named_predictors(student)]
        seed = Candidate("#0 the program as given", prog.clone(student))
        state.rows.append(seed)
        if self._full_eval(run, seed):
            state.pool.append(Member(seed, [], _instructions(seed.program)))
            run.reporter.score(seed.score)
            run.reporter.note(f"#0 the program as given: {seed.score:.1f}% on the valset")
            self._search(run, trainset, len(valset))
        self.metric_calls = state.metric_calls
        return self._finish(run, student, state)

    def _search(self, run, trainset: list, val_size: int) -> None:
        state = self._state
        iteration = 0
        while not run.out_of_budget():
            if self.skip_perfect_score and self._perfect():
                run.reporter.note(f"#{_number(state, self._perfect())} scores {self.perfect_score:g} on every "
                                  "validation example; nothing is left to improve")
                return
            iteration += 1
            left = self._budget - state.metric_calls
            if self.use_merge and state.merges_due > 0 and state.found_new:
                state.found_new = False
                if left < val_size:
                    break
                outcome = self._try_merge(run, iteration)
                if outcome is not None:
                    if not outcome:
                        break
                    continue
            if left < 2 * self.reflection_minibatch_size + val_size:
                break
            if not self._reflect(run, trainset, iteration):
                break
        if state.metric_calls + 2 * self.reflection_minibatch_size + val_size > self._budget:
            run.reporter.note(f"metric-call budget spent: {state.metric_calls} of {self._budget} used; "
                              "what is left cannot cover another iteration")

    def _reflect(self, run, trainset: list, iteration: int) -> bool:
        """One reflective proposal; False when the LM budget stopped it."""
        state = self._state
        parent_at = self._pick_parent()
        parent = state.pool[parent_at]
        path = self._paths[parent.next_predictor % len(self._paths)]
        parent.next_predictor += 1
        batch = self._minibatch(trainset)
        run.reporter.phase(f"iteration {iteration}: #{_number(state, parent)} on {len(batch)} training examples",
                           total=len(batch))
        before = self._rollouts(run, parent.candidate.program, trainset, batch)
        if before is None:
            return False
        old = sum(r.score for r in before)
        if self.skip_perfect_score and all(r.score >= self.perfect_score for r in before):
            run.reporter.note(f"iteration {iteration}: #{_number(state, parent)} is perfect on its minibatch; "
                              "nothing to reflect on")
            return True
        predictor = dict(prog.named_predictors(parent.candidate.program))[path]
        examples = gepa_reflect.reflective_examples(before, predictor, path, trainset)
        if not examples:
            run.reporter.note(f"iteration {iteration}: {path} did not run on the minibatch; skipped")
            return True
        run.reporter.phase(f"iteration {iteration}: reflecting on {path}", total=None)
        text, why = gepa_reflect.propose(self.reflection_lm, predictor.signature.instructions, examples,
                                         rollout_id=f"gepa:{self.seed}:{iteration}")
        if text is None:
            run.reporter.note(f"iteration {iteration}: the reflection LM's reply could not be used: {why}")
            return not run.out_of_budget()
        program = _with_instruction(parent.candidate.program, path, text)
        number = len(state.rows)
        label = f"#{number} {path} from #{_number(state, parent)}: {_change(predictor.signature.instructions, text)}"
        same = self._same_as(program)
        if same is not None:
            run.reporter.note(f"iteration {iteration}: the proposal gives the program of #{_number(state, same)}")
            return True
        child = Candidate(label, program)
        state.rows.append(child)
        after = self._rollouts(run, program, trainset, batch, traced=False)
        if after is None:
            child.note = "not scored (budget)"
            return False
        new = sum(r.score for r in after)
        size = len(batch)
        if new <= old:
            child.note = f"rejected: {new:g}/{size} on the minibatch, parent {old:g}/{size}"
            run.reporter.note(f"iteration {iteration}: {child.note}")
            return True
        run.reporter.note(f"iteration {iteration}: #{number} {new:g}/{size} on the minibatch "
                          f"(parent {old:g}/{size}); scoring it on the valset")
        if not self._full_eval(run, child):
            child.note = "not fully scored (budget)"
            return False
        self._join(run, child, [parent_at], _instructions(program))
        parent.children += 1
        if self.use_merge and state.merges_tried + state.merges_due < self.max_merge_invocations:
            state.merges_due += 1
        state.found_new = True
        return True

    def _try_merge(self, run, iteration: int) -> bool | None:
        """One merge; None when no pair could be merged (a reflective step follows), False when
        the LM budget stopped it, True otherwise."""
        state = self._state
        pool = [m.candidate.scores for m in state.pool]
        front = gepa_pareto.undominated(pool)
        merge = gepa_merge.find_merge(front, [m.parents for m in state.pool], [m.instructions for m in state.pool],
                                      [gepa_pareto.mean(s) for s in pool], state.merge_tried, self._rng)
        if merge is None:
            return None
        first, second = state.pool[merge.first], state.pool[merge.second]
        program = prog.clone(state.pool[0].candidate.program)
        for path, text in merge.instructions.items():
            program = _with_instruction(program, path, text)
        number = len(state.rows)
        names = f"#{_number(state, first)} and #{_number(state, second)}"
        child = Candidate(f"#{number} merge of {names}", program)
        state.rows.append(child)
        indices = gepa_merge.subsample(first.candidate.scores, second.candidate.scores, self._rng)
        run.reporter.phase(f"iteration {iteration}: trying a merge of {names}", total=len(indices))
        if not self._score(run, child, indices):
            child.note = "not scored (budget)"
            return False
        mine = sum(child.scores[i] for i in indices)
        theirs = max(sum(first.candidate.scores[i] for i in indices), sum(second.candidate.scores[i] for i in indices))
        if mine < theirs:
            child.note = f"merge rejected: {mine:g}/{len(indices)} on its subsample, parents up to {theirs:g}"
            run.reporter.note(f"iteration {iteration}: {child.note}")
            return True
        if not self._full_eval(run, child):
            child.note = "not fully scored (budget)"
            return False
        self._join(run, child, [merge.first, merge.second], merge.instructions)
        state.merges_due -= 1
        state.merges_tried += 1
        return True

    # ---------------------------------------------------------- helpers

    def _perfect(self) -> Member | None:
        """A pool candidate with `perfect_score` on every validation example, if there is one."""
        return next((m for m in self._state.pool
                     if all(v >= self.perfect_score for v in m.candidate.scores.values())), None)

    def _pick_parent(self) -> int:
        pool = [m.candidate.scores for m in self._state.pool]
        if self.candidate_selection_strategy == "current_best":
            return gepa_pareto.best_mean(pool)
        return gepa_pareto.pick_parent(pool, self._rng)

    def _minibatch(self, trainset: list) -> list[int]:
        """The next `reflection_minibatch_size` training examples of the seeded shuffle."""
        state, size = self._state, min(self.reflection_minibatch_size, len(trainset))
        batch: list[int] = []
        while len(batch) < size:
            if not state.epoch:
                state.epoch = list(range(len(trainset)))
                self._rng.shuffle(state.epoch)
                state.epochs += 1
            index = state.epoch.pop(0)
            if index not in batch:
                batch.append(index)
        return batch

    def _rollouts(self, run, program, trainset: list, batch: list[int], traced: bool = True):
        rollouts = gepa_reflect.run_minibatch(run, program, self.metric, trainset, batch,
                                              failure_score=self.failure_score, max_errors=self.max_errors)
        if rollouts is not None:
            self._state.metric_calls += len(rollouts)
        return rollouts

    def _score(self, run, candidate: Candidate, indices: list[int]) -> bool:
        before = len(candidate.scores)
        complete = self._scorer.score([candidate], indices)
        self._state.metric_calls += len(candidate.scores) - before
        return complete

    def _full_eval(self, run, candidate: Candidate) -> bool:
        size = len(self._scorer.valset)
        run.reporter.phase(f"scoring {candidate.label.split(' ')[0]} on {size} validation examples", total=size)
        return self._score(run, candidate, list(range(size)))

    def _join(self, run, child: Candidate, parents: list[int], instructions: dict[str, str]) -> None:
        state = self._state
        state.pool.append(Member(child, parents, instructions))
        run.reporter.score(child.score)
        best = max(m.candidate.score or 0.0 for m in state.pool)
        run.reporter.note(f"{child.label.split(':')[0]}: {child.score:.1f}% on the valset "
                          f"(best {best:.1f}%, {plural(len(state.pool), 'candidate')} in the pool)")

    def _same_as(self, program) -> Member | None:
        key = program_key(program)
        return next((m for m in self._state.pool if program_key(m.candidate.program) == key), None)

    def _finish(self, run, student, state: _State):
        pool = [m.candidate.scores for m in state.pool]
        chosen = state.rows.index(state.pool[gepa_pareto.best_mean(pool)].candidate) if state.pool else None
        counts = gepa_pareto.coverage(pool)
        for position, member in enumerate(state.pool):
            member.candidate.note = f"best on {plural(counts[position], 'example')}" if position in counts \
                else "dominated"
        report_candidates(run, state.rows, chosen)
        run.reporter.note(f"{plural(state.metric_calls, 'metric call')} of {self._budget}; "
                          f"{plural(len(state.pool), 'candidate')} in the pool, "
                          f"{plural(len(state.rows) - 1, 'proposal')}")
        self.candidate_programs = sorted((m.candidate for m in state.pool), key=lambda c: -(c.score or 0.0))
        if chosen is None:
            return prog.clone(student)
        return state.rows[chosen].program


def _instructions(program) -> dict[str, str]:
    return {path: p.signature.instructions for path, p in prog.named_predictors(program)}


def _with_instruction(program, path: str, text: str):
    """A copy of `program` whose predictor at `path` has the instruction `text`."""
    copy = prog.clone(program)
    predictor = dict(prog.named_predictors(copy))[path]
    predictor.signature = predictor.signature.with_instructions(text)
    return copy


def _number(state: _State, member: Member) -> int:
    return state.rows.index(member.candidate)


def _change(old: str, new: str) -> str:
    """What a proposal changed, for its label: the new text after what it shares with the old
    (at a word boundary), cut to 40 characters."""
    old, new = " ".join(old.split()), " ".join(new.split())
    shared = 0
    while shared < min(len(old), len(new)) and old[shared] == new[shared]:
        shared += 1
    start = new.rfind(" ", 0, shared) + 1 if shared < len(new) else 0
    shown = ("..." if start else "") + new[start:]
    return shown if len(shown) <= 40 else shown[:37] + "..."

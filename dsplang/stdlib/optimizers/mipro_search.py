"""MIPROv2's step 3: a seeded optuna TPE search over (instruction, demo set) per predictor.

As DSPy: each trial asks the sampler for an instruction index (and a demo-set index, when
there are demo sets) per predictor, builds that program and scores it on a random minibatch
of the valset; the score is told to the study. After every `full_eval_steps` trials (and
after the last) the combination with the best mean score that has not been fully evaluated
is scored on the whole valset, and that result is added to the study as a trial too. The
answer is the best fully evaluated program (the earliest among equals).

What dsplang changes: the default program (the first trial) is scored on a minibatch like the
others, not on the whole valset. Scores are kept per (combination, validation example), so a
combination the sampler picks again, or a full evaluation of a combination already seen on
minibatches, only runs on examples not scored yet; a combination's mean is over every example
it has been scored on (DSPy averages its minibatch means). Combinations that make the
identical program (two demo sets with the same demos, say) share one candidate and its scores.
Minibatches are used when the valset is larger than `minibatch_size` (DSPy: above 50
examples), and are at most half the valset (`minibatch_for`: a valset of 50 gets minibatches
of 24, not 35, which would be nearly a full evaluation per trial). With `pruning` a trial is
scored on about the first half of its minibatch first (rounded down to a multiple of 8) and
stopped there when optuna's MedianPruner finds it below the median of earlier trials at that
point. A periodic full evaluation is skipped when its combination is already clearly behind
the best fully evaluated one on the examples both were scored on (`candidates.clearly_behind`):
it could not win. TPE models the results after max(3, trials // 2) trials (optuna's default,
10, would make a light run a random search). The budget is checked between trials.
"""

from __future__ import annotations

import random
import warnings

from dsplang.stdlib import program as prog
from dsplang.stdlib.optimizers.candidates import (
    Candidate,
    CandidateScorer,
    clearly_behind,
    program_key,
    report_candidates,
)

CONFIDENCE = 2.0       # standard errors by which a combination must trail to skip its full evaluation


def minibatch_for(size: int, n_val: int) -> int:
    """The minibatch size for a valset of `n_val`: `size`, or when that is more than half the
    valset, half of it rounded down to a multiple of 8 (at least 8, at most `size`)."""
    if 2 * size <= n_val:
        return size
    return min(size, max(8, n_val // 2 // 8 * 8))


def import_optuna():
    """optuna, imported on first use (it is slow to import), with its logging quiet."""
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


class TrialSearch:
    """One search; `instructions[path]` lists candidate instructions, `demo_sets[path]` demo lists (or None)."""

    def __init__(self, run, scorer: CandidateScorer, student, instructions: dict[str, list[str]],
                 demo_sets: dict[str, list[list]] | None, *, seed: int, num_trials: int, minibatch: bool,
                 minibatch_size: int, full_eval_steps: int, pruning: bool = True) -> None:
        self.run = run
        self.scorer = scorer
        self.student = student
        self.instructions = instructions
        self.demo_sets = demo_sets
        self.seed = seed
        self.num_trials = num_trials
        self.n_val = len(scorer.valset)
        self.minibatch = minibatch and minibatch_size < self.n_val
        self.minibatch_size = minibatch_for(minibatch_size, self.n_val)
        self.full_eval_steps = max(1, full_eval_steps)
        self.pruning = pruning
        self.rng = random.Random(seed)
        self.combos: dict[tuple, Candidate] = {}
        self.programs: dict[str, Candidate] = {}     # by program_key: one candidate per distinct program
        self.trials: dict[tuple, int] = {}
        self.full: list[tuple] = []          # fully evaluated combinations, in order
        self.best: tuple | None = None
        self.study = None

    # ---------------------------------------------------------- the search

    def search(self) -> Candidate | None:
        """Run the default program and the trials; the best program found (None if nothing was scored)."""
        optuna = import_optuna()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = optuna.samplers.TPESampler(seed=self.seed, multivariate=True,
                                                 n_startup_trials=max(3, self.num_trials // 2))
        pruner = optuna.pruners.MedianPruner(n_startup_trials=2) if self.pruning else optuna.pruners.NopPruner()
        self.study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)
        self.distributions = {name: optuna.distributions.CategoricalDistribution(list(range(size)))
                              for name, size in self._sizes().items()}
        self.study.enqueue_trial({name: 0 for name in self.distributions})
        since_full = 0
        for number in range(self.num_trials + 1):
            if self.run.out_of_budget():
                break
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                trial = self.study.ask(self.distributions)
            what = f"trial {number} of {self.num_trials}" if number else "default program"
            state, value = self._evaluate(trial, self._combo(trial.params), what)
            if state is None:
                self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
                break
            self.study.tell(trial, value if state == "complete" else None,
                            state=optuna.trial.TrialState.COMPLETE if state == "complete"
                            else optuna.trial.TrialState.PRUNED)
            since_full += 1 if number else 0
            if self.minibatch and number and (since_full == self.full_eval_steps or number == self.num_trials):
                since_full = 0
                if not self._full_evaluation(optuna):
                    break
        return self._answer()

    def _evaluate(self, trial, combo: tuple, what: str) -> tuple[str | None, float | None]:
        """Score `combo` on a minibatch (or the whole valset): ("complete" or "pruned", its mean there),
        or (None, None) when the budget ran out. With pruning, the first half of the minibatch is
        scored first, and the trial stops there when optuna's median pruner says so."""
        candidate = self._candidate(combo)
        self.trials[combo] = self.trials.get(combo, 0) + 1
        indices = (self.rng.sample(range(self.n_val), self.minibatch_size) if self.minibatch
                   else list(range(self.n_val)))
        # a multiple of 8, so common thread counts score it in whole rounds (never the thread
        # count itself: the result must not depend on it)
        half = len(indices) // 2 // 8 * 8 or len(indices) // 2
        halves = [indices[:half], indices] if self.minibatch and self.pruning and half < len(indices) else [indices]
        self.run.reporter.phase(f"{what}: {candidate.label}", total=sum(i not in candidate.scores for i in indices))
        for step, part in enumerate(halves):
            if not self.scorer.score([candidate], part):
                self.run.out_of_budget()         # records why in the report
                return None, None
            value = round(100 * sum(candidate.scores[i] for i in part) / len(part), 2)
            if step < len(halves) - 1:
                trial.report(value, step)
                if trial.should_prune():
                    self.run.reporter.note(f"{what}: {candidate.label}: {value:.1f}% on {len(part)} examples, pruned")
                    return "pruned", value
        self.run.reporter.score(value if not self.minibatch else None)
        self.run.reporter.note(f"{what}: {candidate.label}: {value:.1f}% on {len(indices)} examples")
        if not self.minibatch:
            self._fully_scored(combo)
        return "complete", value

    def _full_evaluation(self, optuna) -> bool:
        """Score the best not yet fully evaluated combination on the whole valset; False if out of budget."""
        done = {id(self.combos[combo]) for combo in self.full}
        waiting = [(c.score or 0.0, -i, combo) for i, (combo, c) in enumerate(self.combos.items())
                   if id(c) not in done and c.scores]
        if not waiting:
            return True
        combo = max(waiting)[2]
        candidate = self.combos[combo]
        if self.best is not None:
            leader = self.combos[self.best]
            if clearly_behind(leader, candidate, list(candidate.scores), CONFIDENCE):
                self.run.reporter.note(f"full evaluation of {candidate.label} skipped: clearly behind "
                                       f"{leader.label} on the {len(candidate.scores)} examples it was scored on")
                return True
        missing = [i for i in range(self.n_val) if i not in candidate.scores]
        self.run.reporter.phase(f"full evaluation: {candidate.label}", total=len(missing))
        if not self.scorer.score([candidate], list(range(self.n_val))):
            self.run.out_of_budget()
            return False
        self.run.reporter.score(candidate.score)
        self.run.reporter.note(f"full evaluation: {candidate.label}: {candidate.score:.1f}% "
                               f"({len(missing)} more examples)")
        params = self._params(combo)
        self.study.add_trial(optuna.trial.create_trial(params=params, distributions=self.distributions,
                                                       value=candidate.score))
        self._fully_scored(combo)
        return True

    def _fully_scored(self, combo: tuple) -> None:
        if combo not in self.full and all(self.combos[c] is not self.combos[combo] for c in self.full):
            self.full.append(combo)
        if self.best is None or self.combos[combo].score > self.combos[self.best].score:
            self.best = combo

    def _answer(self) -> Candidate | None:
        """The best fully evaluated program; without any, the best mean so far."""
        if self.best is not None:
            return self.combos[self.best]
        scored = [(c.score, -i, c) for i, c in enumerate(self.combos.values()) if c.scores]
        return max(scored, key=lambda item: item[:2])[2] if scored else None

    # ---------------------------------------------------------- combinations

    def _sizes(self) -> dict[str, int]:
        sizes = {}
        for i, path in enumerate(self.instructions):
            sizes[f"{i}_predictor_instruction"] = len(self.instructions[path])
            if self.demo_sets:
                sizes[f"{i}_predictor_demos"] = len(self.demo_sets[path])
        return sizes

    def _combo(self, params: dict) -> tuple:
        """(instruction index, demo-set index or None) per predictor, in path order."""
        return tuple((params[f"{i}_predictor_instruction"],
                      params[f"{i}_predictor_demos"] if self.demo_sets else None)
                     for i in range(len(self.instructions)))

    def _params(self, combo: tuple) -> dict:
        params = {}
        for i, (instruction, demos) in enumerate(combo):
            params[f"{i}_predictor_instruction"] = instruction
            if demos is not None:
                params[f"{i}_predictor_demos"] = demos
        return params

    def _candidate(self, combo: tuple) -> Candidate:
        """The candidate program of `combo` (made once; shared by combinations making the same program)."""
        if combo not in self.combos:
            program = prog.clone(self.student)
            predictors = dict(prog.named_predictors(program))
            for path, (instruction, demos) in zip(self.instructions, combo):
                predictor = predictors[path]
                predictor.signature = predictor.signature.with_instructions(self.instructions[path][instruction])
                if demos is not None:
                    predictor.demos = list(self.demo_sets[path][demos])
            self.combos[combo] = self.programs.setdefault(program_key(program),
                                                          Candidate(self._label(combo), program))
        return self.combos[combo]

    def _label(self, combo: tuple) -> str:
        parts = [f"instruction {i}" + ("" if d is None else f", demo set {d}") for i, d in combo]
        if len(combo) == 1:
            return parts[0]
        return "; ".join(f"{path}: {part}" for path, part in zip(self.instructions, parts))

    def report(self, chosen: Candidate | None) -> None:
        """Every program tried, with its trial count; the chosen one marked."""
        rows = list(self.programs.values())
        if chosen is not None and chosen not in rows:
            rows.append(chosen)         # the unoptimized program, when no trial was scored
        for candidate in rows:
            combos = [combo for combo, c in self.combos.items() if c is candidate]
            count = sum(self.trials.get(combo, 0) for combo in combos)
            notes = [f"{count} trial{'' if count == 1 else 's'}"] if count else []
            if len(combos) > 1:
                notes.append("also " + ", ".join(self._label(combo) for combo in combos[1:]))
            if any(combo in self.full for combo in combos):
                notes.append("full eval")
            candidate.note = ", ".join(notes)
        report_candidates(self.run, rows, rows.index(chosen) if chosen in rows else None)

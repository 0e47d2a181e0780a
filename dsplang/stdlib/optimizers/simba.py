"""SIMBA: stochastic introspective mini-batch ascent (DSPy's SIMBA).

A pool of programs starts with the student. Each of `max_steps` steps:

1. takes the next `bsize` training examples (the trainset is shuffled with the seed, and again
   whenever it runs out);
2. runs each example `num_candidates` times, each run with a program drawn from the pool's
   best `num_candidates` (the student always among them) by a softmax over their mean scores
   (`temperature_for_sampling`), and sampled at temperature 1.0 with its own rollout id (the
   first run on `teacher_settings`' LM when given);
3. sorts the examples by how much their runs disagree: the max-to-min score gap, then the best
   score, then the max-to-mean gap;
4. for the most variable examples, until `num_candidates + 1` candidates are made: copies a
   program drawn from the pool (`temperature_for_candidates`), drops a Poisson-drawn number of
   its demos (more when it holds `max_demos` or more), and applies a strategy chosen at random
   (`simba_strategies.py`): append the best run as a demo (only when `max_demos > 0`), or let
   the prompt model compare the best and worst runs and append a rule to each predictor's
   instructions;
5. scores the candidates on the same mini-batch, adds them to the pool, and keeps the best of
   them as the step's winner.

At the end the student and up to `num_candidates` step winners, evenly spread over the steps,
are scored on the valset (the trainset without one, as DSPy) with successive halving
(`halving=True`; `False` scores each on the whole set, as DSPy), and the best is returned.

All random choices are made in order on the compiling thread from the seed; runs are done in
parallel and collected in input order, so the result does not depend on `threads`. A metric
may return a number, a bool, or a value with a `score` (a dict, a Prediction, a feedback
value): its other entries (feedback text) are shown to the prompt model as the reward info.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from dsplang.context import trace
from dsplang.errors import DspError
from dsplang.stdlib import program as prog
from dsplang.stdlib.modules.predict import trying
from dsplang.stdlib.optimizers import proposer
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.optimizers.candidates import (
    Candidate,
    CandidateScorer,
    HalvingSearch,
    check_halving,
    report_candidates,
)
from dsplang.stdlib.optimizers.checks import LM, METRIC, TEACHER_SETTINGS, Checker, number, optional, whole
from dsplang.stdlib.optimizers.report import plural
from dsplang.stdlib.optimizers.simba_strategies import append_demo, append_rule
from dsplang.stdlib.parallel_runner import StopRun
from dsplang.stdlib.program import MetricError

SAMPLING_TEMPERATURE = 1.0


@dataclass
class Rollout:
    """One run of a program on a training example: its score and what each predictor did."""

    index: int                                   # the training example's index
    example: object
    score: float = 0.0
    outputs: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)    # (path, inputs, outputs) per predictor call
    info: dict = field(default_factory=dict)     # what the metric said besides the score

    def view(self) -> dict:
        """What the prompt model is shown of this run."""
        return {"trajectory": [{"module_name": path, "inputs": inputs, "outputs": outputs}
                               for path, inputs, outputs in self.steps],
                "outputs": self.outputs, "score": self.score, "info": self.info}


@dataclass
class Member:
    """A program of the pool, with the mini-batch scores it was registered with."""

    label: str
    program: object
    scores: list[float] = field(default_factory=list)

    @property
    def mean(self) -> float:
        return sum(self.scores) / len(self.scores) if self.scores else 0.0


class SIMBA(Optimizer):
    """`SIMBA(metric, bsize=32, num_candidates=6, max_steps=8, max_demos=4, prompt_model=None,
    teacher_settings=None, demo_input_field_maxlen=100000, num_threads=None,
    temperature_for_sampling=0.2, temperature_for_candidates=0.2, halving=True, max_errors=10)`
    plus the common settings (threads, seed, verbose, max_calls, max_cost)."""

    def __init__(self, metric, bsize: int = 32, num_candidates: int = 6, max_steps: int = 8, max_demos: int = 4,
                 prompt_model=None, teacher_settings: dict | None = None, demo_input_field_maxlen: int = 100_000,
                 num_threads: int | None = None, temperature_for_sampling: float = 0.2,
                 temperature_for_candidates: float = 0.2, *, halving: bool | str = True,
                 max_errors: int | None = 10, threads: int = 1, seed: int = 0, verbose: bool = True,
                 max_calls: int | None = None, max_cost: float | None = None) -> None:
        check = Checker(self.name)
        super().__init__(threads=threads, num_threads=num_threads, seed=seed, verbose=verbose,
                         max_calls=max_calls, max_cost=max_cost)
        self.metric = check("metric", metric, METRIC)
        self.bsize = check("bsize", bsize, whole(at_least=1), "32")
        self.num_candidates = check("num_candidates", num_candidates, whole(at_least=1), "6")
        self.max_steps = check("max_steps", max_steps, whole(at_least=1), "8")
        self.max_demos = check("max_demos", max_demos, whole(at_least=0), "4")
        self.prompt_model = check("prompt_model", prompt_model, optional(LM))
        self.teacher_settings = check("teacher_settings", teacher_settings, optional(TEACHER_SETTINGS))
        self.demo_input_field_maxlen = check("demo_input_field_maxlen", demo_input_field_maxlen,
                                             whole(at_least=0), "100000")
        self.temperature_for_sampling = check("temperature_for_sampling", temperature_for_sampling,
                                              number(above=0), "0.2")
        self.temperature_for_candidates = check("temperature_for_candidates", temperature_for_candidates,
                                                number(above=0), "0.2")
        check_halving(halving, self.name)
        self.halving = halving
        self.max_errors = check("max_errors", max_errors, optional(whole(at_least=1)), "10")
        self.strategies = [append_demo, append_rule] if self.max_demos > 0 else [append_rule]
        self.candidate_programs: list[Candidate] = []
        self.trial_logs: list[dict] = []

    def batch_size(self, trainset_size: int) -> int:
        """The mini-batch size used: `bsize`, or the whole trainset when it is smaller."""
        return min(self.bsize, trainset_size)

    # ---------------------------------------------------------- the search

    def _compile(self, run, student, trainset, valset, teacher):
        rng = random.Random(self.seed)
        drops = random.Random(f"simba-drops-{self.seed}")
        bsize = self.batch_size(len(trainset))
        if bsize < self.bsize:
            run.reporter.note(f"bsize={self.bsize} is more than the {plural(len(trainset), 'training example')}; "
                              f"using mini-batches of {bsize}")
        source = proposer.program_source(student)
        pool = [Member("#0 the program as given", prog.clone(student))]
        winners = [pool[0]]
        order = list(range(len(trainset)))
        rng.shuffle(order)
        position = 0
        self.trial_logs = []
        for step in range(self.max_steps):
            if run.out_of_budget():
                break
            if position + bsize > len(trainset):
                rng.shuffle(order)
                position = 0
            batch = order[position: position + bsize]
            position += bsize
            winner = self._step(run, step, rng, drops, pool, trainset, batch, source)
            if winner is not None:
                winners.append(winner)
        return self._select(run, student, winners, trainset, valset)

    def _step(self, run, step: int, rng: random.Random, drops: random.Random, pool: list[Member],
              trainset: list, batch: list[int], source: str) -> Member | None:
        """One step (see the module docstring); the step's best candidate, or None when the budget
        ran out before its candidates were scored."""
        name = f"step {step + 1} of {self.max_steps}"
        top = self._top(pool)
        samplings = self._samplings()
        runs = [(pool[self._softmax(rng, pool, top, self.temperature_for_sampling)], index, sampling)
                for sampling in samplings for index in batch]
        run.reporter.phase(f"{name}: {len(runs)} runs on {len(batch)} examples", total=len(runs))
        rollouts = self._run_all(run, [(member.program, index, sampling) for member, index, sampling in runs],
                                 trainset)
        if rollouts is None:
            return None
        scores = [r.score for r in rollouts]
        low, high = _percentile(scores, 10), _percentile(scores, 90)
        buckets = []
        for k in range(len(batch)):
            bucket = sorted(rollouts[k::len(batch)], key=lambda r: -r.score)
            best, worst = bucket[0].score, bucket[-1].score
            mean = sum(r.score for r in bucket) / len(bucket)
            buckets.append((bucket, (best - worst, best, best - mean)))
        buckets.sort(key=lambda b: b[1], reverse=True)
        baseline = sum(scores) / len(scores)
        candidates = self._candidates(run, name, rng, drops, pool, buckets, low, high, source)
        if not candidates:
            return None
        run.reporter.phase(f"{name}: scoring {len(candidates)} candidates on {len(batch)} examples",
                           total=len(candidates) * len(batch))
        results = self._run_all(run, [(c.program, index, None) for c in candidates for index in batch], trainset)
        if results is None:
            return None
        for k, candidate in enumerate(candidates):
            candidate.scores = [r.score for r in results[k * len(batch):(k + 1) * len(batch)]]
            run.reporter.score(100 * candidate.mean)
        best = max(range(len(candidates)), key=lambda k: (candidates[k].mean, -k))
        pool.extend(candidates)
        self.trial_logs.append({"step": step + 1, "batch_mean": baseline,
                                "candidates": [(c.label, c.mean) for c in candidates], "winner": best})
        run.reporter.note(f"{name}: runs scored {100 * baseline:.1f}% on average; candidates "
                          f"{', '.join(f'{100 * c.mean:.0f}%' for c in candidates)}; best: "
                          f"{candidates[best].label}")
        return candidates[best]

    def _samplings(self) -> list[tuple]:
        """(LM or None, request settings) for each of the `num_candidates` runs per example."""
        out: list[tuple] = []
        teacher = (self.teacher_settings or {}).get("lm")
        if teacher is not None:
            out.append((teacher, {"rollout_id": 0}))
        while len(out) < self.num_candidates:
            out.append((None, {"temperature": SAMPLING_TEMPERATURE, "rollout_id": len(out)}))
        return out

    def _top(self, pool: list[Member]) -> list[int]:
        """The pool's best `num_candidates` by mean score, with the student always among them."""
        ranked = sorted(range(len(pool)), key=lambda i: (-pool[i].mean, i))[: self.num_candidates]
        if 0 not in ranked:
            ranked[-1] = 0
        return list(dict.fromkeys(ranked))

    @staticmethod
    def _softmax(rng: random.Random, pool: list[Member], indices: list[int], temperature: float) -> int:
        weights = [math.exp(pool[i].mean / temperature) for i in indices]
        return rng.choices(indices, weights=weights, k=1)[0]

    def _candidates(self, run, name: str, rng, drops, pool: list[Member], buckets: list, low: float,
                    high: float, source: str) -> list[Member]:
        """Up to `num_candidates + 1` new programs from the most variable examples first. The random
        choices for each are made in order here; the strategies (prompt-model calls) run in parallel."""
        wanted, made, next_bucket = self.num_candidates + 1, [], 0
        run.reporter.phase(f"{name}: making {wanted} candidates", total=wanted)
        while len(made) < wanted and next_bucket < len(buckets) and not run.out_of_budget():
            plans = []
            while len(made) + len(plans) < wanted and next_bucket < len(buckets):
                plans.append(self._plan(rng, drops, pool, buckets[next_bucket][0], len(pool) + len(made)
                                        + len(plans)))
                next_bucket += 1
            result = run.parallel(lambda plan: self._apply(plan, low, high, source), plans)
            for k, plan in enumerate(plans):
                value = result.values[k] if result.finished[k] and k not in result.errors else None
                if isinstance(value, Member):
                    made.append(value)
                elif isinstance(value, str):
                    run.reporter.note(f"{plan['label']}: no candidate ({value})")
        return made

    def _plan(self, rng: random.Random, drops: random.Random, pool: list[Member], bucket: list, number_: int) -> dict:
        """The random choices for one candidate: its source program, the demos dropped, the strategy."""
        source = self._softmax(rng, pool, self._top(pool), self.temperature_for_candidates)
        program = prog.clone(pool[source].program)
        counts = [len(p.demos) for _, p in prog.named_predictors(program)]
        held = max(counts) if counts else 0
        limit = self.max_demos if self.max_demos > 0 else 3
        dropped = min(max(_poisson(drops, held / limit), int(held >= limit)), held)
        gone = {rng.randrange(held) for _ in range(dropped)}
        for _, predictor in prog.named_predictors(program):
            predictor.demos = [d for i, d in enumerate(predictor.demos) if i not in gone]
        strategy = rng.choice(self.strategies)
        label = f"#{number_} from #{source}" + (f" -{plural(len(gone), 'demo')}" if gone else "")
        return {"program": program, "bucket": bucket, "strategy": strategy, "label": label}

    def _apply(self, plan: dict, low: float, high: float, source: str) -> Member | str:
        """The candidate `plan` describes with its strategy applied, or why there is none (the
        prompt model failed, or its reply could not be used: DSPy then skips the example too)."""
        program = plan["program"]
        try:
            what = plan["strategy"](plan["bucket"], program, low=low, high=high, source=source,
                                    prompt_model=self.prompt_model, maxlen=self.demo_input_field_maxlen)
        except DspError as err:
            return err.message
        return Member(f"{plan['label']}: {what}", program)

    # ---------------------------------------------------------- running programs

    def _run_all(self, run, items: list[tuple], trainset: list) -> list[Rollout] | None:
        """A rollout per (program, training index, sampling or None), in order; None when the
        budget stopped some of them. A run that fails scores 0 (and counts as a failure)."""
        result = run.parallel(lambda item: self._rollout(run, trainset, *item), items, max_errors=self.max_errors)
        rollouts = []
        for k, (_, index, _) in enumerate(items):
            if k in result.errors:
                run.outcomes.failure("training", index, result.errors[k])
                rollouts.append(Rollout(index, trainset[index]))
            elif not result.finished[k] or result.values[k] is None:
                run.out_of_budget()
                return None
            else:
                run.outcomes.ok()
                rollouts.append(result.values[k])
        return rollouts

    def _rollout(self, run, trainset: list, program, index: int, sampling: tuple | None) -> Rollout | None:
        if run.budget.exhausted():
            return None
        example = trainset[index]
        local = prog.clone(program)
        paths = {id(p): path for path, p in prog.named_predictors(local)}
        lm, request = sampling if sampling is not None else (None, {})
        with proposer.prompt_lm(lm), trying(request), trace.collecting() as collected:
            prediction = prog.run_on(local, example)
        value, info = _metric_value(self.metric, example, prediction)
        calls = [(id(prog.original_predictor(c.predictor)), c) for c in collected.predictor_calls()]
        steps = [(paths[key], dict(c.inputs), dict(c.outputs)) for key, c in calls
                 if key in paths and c.outputs is not None]
        outputs = prog.plain(prediction)
        outputs = outputs if isinstance(outputs, dict) else {"output": outputs}
        return Rollout(index, example, value, outputs, steps, info)

    # ---------------------------------------------------------- the final choice

    def _select(self, run, student, winners: list[Member], trainset: list, valset: list | None):
        """The best of the student and up to `num_candidates` winners spread over the steps."""
        last, wanted = len(winners) - 1, self.num_candidates + 1
        picks = [0] if last < 1 else list(dict.fromkeys(round(i * last / (wanted - 1)) for i in range(wanted)))
        chosen_set = valset or trainset
        scorer = CandidateScorer(run, self.metric, chosen_set, max_errors=self.max_errors)
        search = HalvingSearch(scorer, seed=self.seed, halving=self.halving, expected=len(picks))
        run.reporter.phase(f"scoring {len(picks)} programs on {len(chosen_set)} "
                           f"{'validation' if valset else 'training'} examples", total=None)
        candidates = []
        for k in picks:
            member = winners[k]
            label = "the program as given" if k == 0 else f"step {k}: {member.label}"
            candidates.append(Candidate(label, member.program,
                                        note=f"{100 * member.mean:.1f}% on its mini-batch" if k else ""))
        if not run.out_of_budget():
            search.add_all(candidates)
        else:
            search.candidates = candidates
        chosen = search.finish() if search.candidates and any(c.scores for c in candidates) else None
        if chosen is None:            # the budget ran out before any was scored: the best mini-batch winner
            chosen = max(range(len(picks)), key=lambda k: (winners[picks[k]].mean, -k))
            candidates[chosen].note = "best mini-batch score (none scored on the whole set)"
        report_candidates(run, candidates, chosen)
        self.candidate_programs = sorted(candidates, key=lambda c: -(c.score or 0.0))
        return candidates[chosen].program


def _metric_value(metric, example, prediction) -> tuple[float, dict]:
    """The metric's score and, when it returned more than a number, the rest of what it said."""
    try:
        value = prog.call_metric(metric, example, prediction)
    except Exception as err:  # noqa: BLE001 - the metric's own failure, whatever it is
        raise MetricError(err, metric) from err
    try:
        score = prog.as_score(value, metric)
    except DspError as err:
        raise StopRun(err) from None
    return score, _reward_info(value)


def _reward_info(value) -> dict:
    """The entries of a metric's value other than its score (feedback text), as plain data."""
    if isinstance(value, (bool, int, float)):
        return {}
    if hasattr(value, "items"):
        return {str(k): prog.plain(v) for k, v in value.items() if k != "score"}
    found = {name: getattr(value, name) for name in ("feedback", "text") if isinstance(getattr(value, name, None), str)}
    return found


def _percentile(values: list[float], q: float) -> float:
    """The q-th percentile with linear interpolation (numpy's default)."""
    ordered = sorted(values)
    at = (len(ordered) - 1) * q / 100
    low = math.floor(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; the means here are small)."""
    if mean <= 0:
        return 0
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count

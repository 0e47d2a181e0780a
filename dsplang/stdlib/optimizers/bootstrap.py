"""BootstrapFewShot: demos made by running a teacher program on training examples.

As DSPy: the teacher (a copy of the student holding `max_labeled_demos` labeled demos,
unless a `teacher` program is given) runs on the training examples in order, each under a
trace. When the metric accepts the prediction (called as `metric(example, prediction, trace)`
where `trace` is the list of PredictorCall records), every predictor call of that run becomes
a demo for the predictor at the same path: its inputs and parsed outputs, in an `Example`
marked `augmented=True` (bootstrapped; labeled demos are the training examples themselves).
Up to `max_bootstrapped_demos` examples are bootstrapped (each tried `max_rounds` times;
rounds after the first use the LM at temperature 0.7 + 0.001 * round, a fresh cache entry);
the remaining examples, shuffled with the seed, fill each predictor up to
`max_labeled_demos` demos.

With `threads > 1` examples are tried several at a time, but never more at once than
successes are still missing, so it makes exactly the calls sequential bootstrapping makes and
the result (the first successes in training-set order) is the same whatever the thread count.

`balance_by="field"` (not in DSPy) spreads the demos evenly over the values of that field of
the training examples: see `balance.py`.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from contextlib import ExitStack, contextmanager

from dsplang.context import lm as run_lm
from dsplang.context import trace
from dsplang.errors import DspRuntimeError, DspValueError
from dsplang.lm.cache import canonical_json
from dsplang.stdlib import program as prog
from dsplang.stdlib.example import Example
from dsplang.stdlib.optimizers.balance import balanced_sample, check_balance_by, interleave, label_of, share
from dsplang.stdlib.optimizers.base import Optimizer
from dsplang.stdlib.optimizers.candidates import report_single
from dsplang.stdlib.optimizers.checks import METRIC, NAME, PROGRAM, TEACHER_SETTINGS, Checker, number, optional, whole
from dsplang.stdlib.optimizers.labeled_few_shot import labeled
from dsplang.stdlib.optimizers.report import plural

_SKIPPED = "skipped"   # an example not tried because the budget ran out


class BootstrapFewShot(Optimizer):
    """`BootstrapFewShot(metric=None, metric_threshold=None, teacher_settings=None,
    max_bootstrapped_demos=4, max_labeled_demos=16, max_rounds=1, max_errors=10, teacher=None,
    balance_by=None)` plus the common settings (threads, seed, verbose, max_calls, max_cost)."""

    def __init__(self, metric=None, metric_threshold: float | None = None, teacher_settings: dict | None = None,
                 max_bootstrapped_demos: int = 4, max_labeled_demos: int = 16, max_rounds: int = 1,
                 max_errors: int | None = 10, *, teacher=None, balance_by: str | None = None,
                 threads: int = 1, num_threads: int | None = None, seed: int = 0,
                 verbose: bool = True, max_calls: int | None = None, max_cost: float | None = None) -> None:
        super().__init__(threads=threads, num_threads=num_threads, seed=seed, verbose=verbose,
                         max_calls=max_calls, max_cost=max_cost)
        check = Checker(self.name)
        self.metric = check("metric", metric, optional(METRIC))
        self.metric_threshold = check("metric_threshold", metric_threshold, optional(number()), "0.5")
        self.teacher_settings = dict(check("teacher_settings", teacher_settings, optional(TEACHER_SETTINGS)) or {})
        self.max_bootstrapped_demos = check("max_bootstrapped_demos", max_bootstrapped_demos, whole(at_least=0), "4")
        self.max_labeled_demos = check("max_labeled_demos", max_labeled_demos, whole(at_least=0), "16")
        self.max_rounds = check("max_rounds", max_rounds, whole(at_least=1), "1")
        self.max_errors = check("max_errors", max_errors, optional(whole(at_least=1)), "10")
        self.teacher = check("teacher", teacher, optional(PROGRAM))
        self.balance_by = check("balance_by", balance_by, optional(NAME), '"label"')

    def _compile(self, run, student, trainset, valset, teacher):
        compiled, count = self.build(run, student, teacher or self.teacher, trainset)
        label = f"{plural(count, 'bootstrapped demo')} + labeled"
        report_single(run, label, compiled, self.metric, valset, self.max_errors)
        return compiled

    def build(self, run, student, teacher, trainset: list) -> tuple[object, int]:
        """The compiled copy of `student` and how many examples were bootstrapped.

        Other optimizers call this with their own CompileRun (budget, threads, reporter).
        """
        check_balance_by(self.balance_by, trainset, self.name)
        compiled = prog.reset_copy(student)
        teacher = self._teacher(student, teacher, trainset)
        _check_same_shape(compiled, teacher)
        traces, used = self._bootstrap(run, teacher, trainset)
        validation = [ex for i, ex in enumerate(trainset) if i not in used]
        random.Random(self.seed).shuffle(validation)
        self._fill(compiled, traces, validation, [trainset[i] for i in used])
        return compiled, len(used)

    # ---------------------------------------------------------- the teacher

    def _teacher(self, student, teacher, trainset: list):
        """The teacher: a copy of `teacher` or of the student, with labeled demos (as DSPy)."""
        if teacher is None:
            base = prog.clone(student)
        else:
            base = prog.clone(teacher)
            if any(p.demos for _, p in prog.named_predictors(base)):
                return base            # already compiled: keep its demos
        if self.max_labeled_demos:
            return labeled(base, trainset, self.max_labeled_demos, seed=self.seed, balance_by=self.balance_by)
        return base

    @contextmanager
    def _teacher_lm(self, round_index: int):
        """The teacher's LM (`teacher_settings={"lm": ...}`), warmer after the first round."""
        with ExitStack() as stack:
            if self.teacher_settings.get("lm") is not None:
                stack.enter_context(run_lm.using(self.teacher_settings["lm"]))
            if round_index > 0:
                warmer = run_lm.current_lm().copy(temperature=0.7 + 0.001 * round_index)
                stack.enter_context(run_lm.using(warmer))
            yield

    # ---------------------------------------------------------- bootstrapping

    def _bootstrap(self, run, teacher, trainset: list) -> tuple[dict[str, list], list[int]]:
        """Demos by predictor path from the first successful examples, and those examples' indices."""
        needed = self.max_bootstrapped_demos
        successes: dict[int, dict] = {}
        errors: list[tuple[int, Exception]] = []
        waiting = list(range(len(trainset)))     # not tried yet, in training-set order
        quota = _Quota(self.balance_by, trainset, needed)
        tried = 0
        run.reporter.phase(f"bootstrapping up to {needed} traces", total=len(trainset))
        while waiting and len(successes) < needed and not run.out_of_budget():
            # Try no more examples at once than successes are still missing (per value, with
            # balance_by): a wave never spends calls that sequential bootstrapping would not,
            # and the result stays the same whatever the thread count.
            waiting = [i for i in waiting if not quota.full(i, successes)]
            indices = quota.wave(waiting, successes, max(1, min(run.threads, needed - len(successes))))
            if not indices:
                break
            waiting = [i for i in waiting if i not in indices]
            tried = max(tried, indices[-1] + 1)
            result = run.parallel(lambda i: self._one(run, teacher, trainset[i]), indices)
            for k, index in enumerate(indices):
                if k in result.errors:
                    errors.append((index, result.errors[k]))
                    run.outcomes.failure("training", index, result.errors[k])
                elif result.finished[k] and result.values[k] is not _SKIPPED:
                    run.outcomes.ok(self.metric is not None)
                    if result.values[k]:
                        successes[index] = result.values[k]
            self._check_errors(errors)
        used = sorted(successes)[:needed]
        traces: dict[str, list] = {}
        for index in used:
            for path, demos in successes[index].items():
                traces.setdefault(path, []).extend(demos)
        if self.verbose:
            run.reporter.note(f"bootstrapped {len(used)} of the first {tried} examples")
        if errors:
            index, first = errors[0]
            run.reporter.note(f"{plural(len(errors), 'example')} failed; the first, example {index + 1}: "
                              f"{getattr(first, 'message', None) or first}")
        return traces, used

    def _check_errors(self, errors: list) -> None:
        if self.max_errors is not None and len(errors) >= self.max_errors:
            index, first = errors[0]
            message = getattr(first, "message", None) or f"{type(first).__name__}: {first}"
            raise DspRuntimeError(f"{self.name}: stopped after {len(errors)} errors "
                                  f"(max_errors={self.max_errors}); the first, on training example "
                                  f"{index + 1}: {message}",
                                  hint="fix the cause, or pass a larger max_errors=") from first

    def _one(self, run, teacher, example: Example):
        """Demos by path from one example (tried up to max_rounds times); {} when none passed."""
        for round_index in range(self.max_rounds):
            if run.budget.exhausted():
                return _SKIPPED if round_index == 0 else {}
            demos = self._attempt(teacher, example, round_index)
            if demos is not None:
                return demos
        return {}

    def _attempt(self, teacher, example: Example, round_index: int) -> dict | None:
        """Run a private copy of the teacher on the example; its demos if the metric passes."""
        local = prog.clone(teacher)
        paths = {}
        for path, predictor in prog.named_predictors(local):
            predictor.demos = [d for d in predictor.demos if d != example]
            paths[id(predictor)] = path
        with self._teacher_lm(round_index), trace.collecting() as collected:
            prediction = prog.run_on(local, example)
        calls = collected.predictor_calls()
        if self.metric is not None:
            value = prog.score(self.metric, example, prediction, calls)
            if not prog.passes(value, self.metric_threshold, self.metric):
                return None
        return _demos_from(calls, paths)

    # ---------------------------------------------------------- the student

    def _fill(self, compiled, traces: dict[str, list], validation: list, bootstrapped: list) -> None:
        """Bootstrapped demos first, then labeled ones sampled with the seed (as DSPy)."""
        rng = random.Random(self.seed)
        raw = validation
        if self.balance_by is not None:
            held = Counter(label_of(example, self.balance_by) for example in bootstrapped)
        for path, predictor in prog.named_predictors(compiled):
            augmented = traces.get(path, [])[: self.max_bootstrapped_demos]
            size = max(0, min(self.max_labeled_demos - len(augmented), len(raw)))
            if self.balance_by is None:
                raw = rng.sample(raw, size)
            else:
                raw = balanced_sample(rng, raw, size, self.balance_by, held)
            demos = augmented + raw
            predictor.demos = demos if self.balance_by is None else interleave(demos, self.balance_by)


class _Quota:
    """Which examples bootstrapping may try: all of them, or (balance_by) up to a share per value."""

    def __init__(self, balance_by: str | None, trainset: list, needed: int) -> None:
        self.balanced = balance_by is not None
        self.labels = [label_of(e, balance_by) for e in trainset] if self.balanced else []
        self.share = share(needed, self.labels) if self.balanced else needed

    def full(self, index: int, successes: dict) -> bool:
        """True when example `index`'s value already has its share of successes."""
        return self.balanced and self._held(self.labels[index], successes) >= self.share

    def wave(self, waiting: list[int], successes: dict, size: int) -> list[int]:
        """The next examples to try at once: at most `size`, and no value beyond its share
        counting the ones in this wave (one that could overfill it waits for the next wave)."""
        if not self.balanced:
            return waiting[:size]
        taken: dict[str, int] = {}
        wave = []
        for index in waiting:
            if len(wave) == size:
                break
            value = self.labels[index]
            if self._held(value, successes) + taken.get(value, 0) < self.share:
                taken[value] = taken.get(value, 0) + 1
                wave.append(index)
        return wave

    def _held(self, value: str, successes: dict) -> int:
        return sum(1 for i in successes if self.labels[i] == value)


def _demos_from(calls: list, paths: dict[int, str]) -> dict[str, list]:
    """One bootstrapped demo per predictor path from a run's successful predictor calls.

    A predictor called several times in the run gives one of its calls: the last, or one of
    the earlier ones, 50/50 (DSPy's rule), drawn from a hash of the calls.
    """
    by_path: dict[str, list] = {}
    for call in calls:
        path = paths.get(id(call.predictor))
        if path is None or call.outputs is None:
            continue
        signature = call.predictor.signature
        fields = {k: v for k, v in call.inputs.items() if k in signature.input_names}
        fields.update({k: v for k, v in call.outputs.items() if k in signature.output_names})
        by_path.setdefault(path, []).append(Example(augmented=True, **fields))
    for path, demos in by_path.items():
        if len(demos) > 1:
            rng = random.Random(_stable_hash(demos))
            by_path[path] = [rng.choice(demos[:-1]) if rng.random() < 0.5 else demos[-1]]
    return by_path


def _stable_hash(demos: list) -> int:
    text = canonical_json([d.to_dict() for d in demos])
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:16], 16)


def _check_same_shape(student, teacher) -> None:
    ours = [path for path, _ in prog.named_predictors(student)]
    theirs = [path for path, _ in prog.named_predictors(teacher)]
    if ours != theirs:
        raise DspValueError(f"the teacher's predictors ({', '.join(theirs) or 'none'}) differ from the "
                            f"student's ({', '.join(ours)}); a teacher must have the student's shape")

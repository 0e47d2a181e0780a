"""Compiling the same program with dsplang and with DSPy: scores, LM calls, wall time, over seeds.

    DSP_BENCH_VENV=/tmp/dspy-venv python benchmarks/compile_vs_dspy.py [--seeds N] [--quick]
        [--latency S] [--noise F] [--optimizers ...] [--variants] [--json PATH]

One invocation runs BootstrapFewShot, BootstrapFewShotWithRandomSearch(num_candidate_programs=8)
and MIPROv2(auto="light") on the task of `fake_task.py` (train 50 / val 50 / test 100, 8
threads; `--quick`: 20 / 20 / 40, MIPROv2 only, one seed) through DSPy (in a child process, in
the venv of `dspy_env.py`, with a `dspy.BaseLM` subclass) and through dsplang (in this process,
with an `LM` subclass). Both fake LMs sleep `--latency` seconds (0.1) per call and reply with
`fake_task.reply`, so answer quality depends on the prompt the same way on both sides. Caching
is off on both sides, so every call is counted.

Seeds (`--seeds N`, default 3: seeds 0..N-1): seed s takes the data rows 10000*s + (0..train)
for training, 10000*s + 1000.. for validation and 10000*s + 2000.. for the test set, and is
MIPROv2's `seed` on both sides; BootstrapFewShot and the random search use DSPy's fixed
candidate seeds on both sides. Both sides get the same seeds and data.

Measured per run: `val` = the compiled program's score on the valset (what the optimizers
select on, so it is optimistically biased: the winner's curse), `test` = its score on the
held-out test rows (what the program is worth), LM calls and wall time of the compile (the
scoring afterwards is not counted). Printed per optimizer and side: the mean over seeds with
the min-max, then the dsplang/DSPy ratios of the means (scores: the difference in points).

`--variants` adds two dsplang-only rows, compared with DSPy's random search: the random search
with `halving=False` (every candidate on the whole valset, as DSPy) and with `halving="exact"`
(a candidate dropped only when it can no longer beat the best whole-valset score); a last line
per random search says on how many seeds dsplang's val score equals, beats or falls short of
DSPy's. Both sides build the same candidate programs, so those two must equal DSPy seed by
seed, and the default halving search can equal it or fall short, never beat it.

Read the scores with care: on this fake task a right answer is a hash draw with a probability
set by the prompt, so one program's score on 50 examples has a standard deviation of about 6
points, and many candidates (all the random search's demo sets of 16) have the same true
accuracy. A single seed's score difference is mostly noise; so is much of a 3-seed mean's.
Only differences much larger than the min-max spread mean anything. The scores and LM calls do
not depend on the latency, so `--latency 0 --seeds 30` reads them over many seeds in a few
minutes (its wall times then measure only per-call overhead).

`--noise F` gives a fraction F of the training rows a wrong answer (the validation and test
rows stay clean), and the fake LM is less often right for every wrong demo in its prompt (see
`fake_task.py`). On the clean task (the default) every demo set of 16 has the same true
accuracy, so the random search only chooses between noisy estimates of one value; with label
noise, demo sets differ in how many wrong labelled demos they hold, so some candidates are
really better than others, as on real data.

BootstrapFewShot makes exactly the calls of DSPy's algorithm on both sides (the teacher runs
on training examples in order until `max_bootstrapped_demos` pass; nothing is evaluated when
no valset is given), so its LM calls are equal by construction; only its wall time can differ.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import fake_task  # noqa: E402

OPTIMIZERS = ["BootstrapFewShot", "BootstrapFewShotWithRandomSearch", "MIPROv2", "SIMBA", "GEPA"]
FEEDBACK = {"SIMBA", "GEPA"}          # compiled with the feedback metric (scored with the plain one)
SIMBA_SETTINGS = {"bsize": 16, "num_candidates": 4, "max_steps": 4, "max_demos": 4}
GEPA_METRIC_CALLS = 600
SEARCH = "BootstrapFewShotWithRandomSearch"
VARIANTS = {"RandomSearch, halving=False": False,     # dsplang only; compared with DSPy's random search
            'RandomSearch, halving="exact"': "exact"}


class Counter:
    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()

    def add(self) -> None:
        with self.lock:
            self.calls += 1


# ------------------------------------------------------------------ DSPy side (child process)


def run_dspy(args) -> dict:
    import types

    import dspy

    counter = Counter()

    class FakeLM(dspy.BaseLM):
        def forward(self, prompt=None, messages=None, **kwargs):
            time.sleep(args.latency)
            counter.add()
            settings = {**self.kwargs, **kwargs}
            texts = fake_task.reply(messages, int(settings.get("n") or 1), rollout=settings.get("rollout_id"),
                                    temperature=settings.get("temperature"), prompt=prompt)
            messages = messages or [{"role": "user", "content": prompt}]
            choices = [types.SimpleNamespace(message=types.SimpleNamespace(content=t, tool_calls=None),
                                             finish_reason="stop") for t in texts]
            usage = {"prompt_tokens": fake_task.prompt_tokens(messages), "completion_tokens": 10,
                     "total_tokens": fake_task.prompt_tokens(messages) + 10}
            return types.SimpleNamespace(choices=choices, usage=usage, model="fake/task")

    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    dspy.configure(lm=FakeLM("fake/task", cache=False))
    rows = lambda a, b, noise=0.0: [dspy.Example(**r).with_inputs("question")  # noqa: E731
                                    for r in fake_task.dataset(a, b, noise)]
    metric = lambda example, pred, trace=None: example.answer == pred.answer  # noqa: E731

    def with_feedback(example, pred, trace=None, pred_name=None, pred_trace=None):
        answer = getattr(pred, "answer", None) if pred is not None else None
        return dspy.Prediction(score=float(example.answer == answer),
                               feedback=fake_task.feedback(example.question, example.answer, str(answer)))

    def score(program, data) -> float:
        return float(dspy.Evaluate(devset=data, metric=metric, num_threads=args.threads,
                                   display_progress=False)(program).score)
    lm = dspy.settings.lm
    return {seed: run_dspy_seed(args, seed, dspy, counter, rows, metric, with_feedback, score, lm)
            for seed in args.seeds}


def run_dspy_seed(args, seed, dspy, counter, rows, metric, with_feedback, score, lm) -> dict:
    train, val, test = data_for(args, seed, rows)
    make = {
        "BootstrapFewShot": lambda: dspy.BootstrapFewShot(metric=metric, max_bootstrapped_demos=4,
                                                          max_labeled_demos=16),
        "BootstrapFewShotWithRandomSearch": lambda: dspy.BootstrapFewShotWithRandomSearch(
            metric=metric, max_bootstrapped_demos=4, max_labeled_demos=16, num_candidate_programs=8,
            num_threads=args.threads),
        "MIPROv2": lambda: dspy.MIPROv2(metric=metric, auto="light", num_threads=args.threads, seed=seed),
        "SIMBA": lambda: dspy.SIMBA(metric=with_feedback, num_threads=args.threads, **SIMBA_SETTINGS),
        "GEPA": lambda: dspy.GEPA(metric=with_feedback, max_metric_calls=GEPA_METRIC_CALLS, reflection_lm=lm,
                                  num_threads=args.threads, seed=seed),
    }
    results = {}
    for name in args.optimizers:
        optimizer, before, started = make[name](), counter.calls, time.perf_counter()
        kwargs = ({} if name == "BootstrapFewShot" else {"seed": seed} if name == "SIMBA"
                  else {"valset": val})
        compiled = optimizer.compile(dspy.Predict("question -> answer"), trainset=train, **kwargs)
        wall, calls = time.perf_counter() - started, counter.calls - before
        results[name] = {"val": score(compiled, val), "test": score(compiled, test), "calls": calls, "wall": wall}
    return results


# ------------------------------------------------------------------ dsplang side (this process)


def run_dsplang(args) -> dict:
    sys.path.insert(0, str(HERE.parent))
    from dsplang.context import lm as run_lm
    from dsplang.lm.client import LM, LMResponse
    from dsplang.lm.usage import Usage
    from dsplang.stdlib.evaluate import evaluate
    from dsplang.stdlib.example import Example
    from dsplang.stdlib.modules.predict import Predict
    from dsplang.stdlib.optimizers.estimate import estimate

    counter = Counter()
    rollouts = threading.local()        # the rollout id of the request being made (not passed to _complete)

    class FakeLM(LM):
        def request(self, messages, *, rollout_id=None, **kwargs):
            rollouts.id = rollout_id
            return super().request(messages, rollout_id=rollout_id, **kwargs)

        def _complete(self, messages, n, params, *_):
            time.sleep(args.latency)
            counter.add()
            texts = fake_task.reply([dict(m) for m in messages], n, rollout=getattr(rollouts, "id", None),
                                    temperature=params.get("temperature"))
            return LMResponse(texts, Usage(fake_task.prompt_tokens(messages), 10, 0.0), False, 0.0, self.model)

    rows = lambda a, b, noise=0.0: [Example(**r).with_inputs("question")  # noqa: E731
                                    for r in fake_task.dataset(a, b, noise)]
    metric = lambda example, pred, trace=None: example.answer == pred.answer  # noqa: E731

    def with_feedback(example, pred, trace=None):
        return {"score": float(example.answer == pred.answer),
                "feedback": fake_task.feedback(example.question, example.answer, str(pred.answer))}

    def score(program, data) -> float:
        return float(evaluate(program, data, metric=metric, threads=args.threads, display_progress=False,
                              display_table=0).score)
    common = {"threads": args.threads, "verbose": False}
    results = {}
    lm = FakeLM("fake/task", cache=False, num_retries=0)
    with run_lm.using(lm):
        for seed in args.seeds:
            train, val, test = data_for(args, seed, rows)
            results[seed] = {}
            for name in dsplang_names(args):
                optimizer = dsplang_optimizer(name, seed, with_feedback if name in FEEDBACK else metric, common, lm)
                kwargs = {} if name == "BootstrapFewShot" else {"valset": val}
                guess = estimate(optimizer, Predict("question -> answer"), train, kwargs.get("valset"))
                before, started = counter.calls, time.perf_counter()
                compiled = optimizer.compile(Predict("question -> answer"), trainset=train, **kwargs)
                wall, calls = time.perf_counter() - started, counter.calls - before
                usage = optimizer.report.usage
                results[seed][name] = {"val": score(compiled, val), "test": score(compiled, test),
                                       "calls": calls, "wall": wall, "tokens": usage.get("prompt_tokens", 0),
                                       "est_calls": guess.calls, "est_tokens": guess.prompt_tokens}
    return results


def dsplang_optimizer(name: str, seed: int, metric, common: dict, lm=None):
    from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot
    from dsplang.stdlib.optimizers.gepa import GEPA
    from dsplang.stdlib.optimizers.mipro import MIPROv2
    from dsplang.stdlib.optimizers.random_search import BootstrapFewShotWithRandomSearch
    from dsplang.stdlib.optimizers.simba import SIMBA
    make = {
        "BootstrapFewShot": lambda: BootstrapFewShot(metric=metric, max_bootstrapped_demos=4,
                                                     max_labeled_demos=16, **common),
        "BootstrapFewShotWithRandomSearch": lambda: BootstrapFewShotWithRandomSearch(
            metric=metric, max_bootstrapped_demos=4, max_labeled_demos=16, num_candidate_programs=8, **common),
        "MIPROv2": lambda: MIPROv2(metric=metric, auto="light", seed=seed, **common),
        "SIMBA": lambda: SIMBA(metric=metric, seed=seed, **SIMBA_SETTINGS, **common),
        "GEPA": lambda: GEPA(metric=metric, reflection_lm=lm, max_metric_calls=GEPA_METRIC_CALLS, seed=seed,
                             **common),
    }
    if name in VARIANTS:
        return BootstrapFewShotWithRandomSearch(metric=metric, max_bootstrapped_demos=4, max_labeled_demos=16,
                                                num_candidate_programs=8, halving=VARIANTS[name], **common)
    return make[name]()


def dsplang_names(args) -> list[str]:
    """The optimizers run on the dsplang side: those asked for, plus the random-search variants."""
    return args.optimizers + (list(VARIANTS) if args.variants and SEARCH in args.optimizers else [])


def selection_check(ours: dict, theirs: dict, name: str) -> str:
    """How dsplang's random-search val scores compare with DSPy's, seed by seed.

    Both sides build the same candidate programs (the same demos, so the same prompts and the
    same fake answers), and DSPy reports the best whole-valset score among them; a search
    that scores fewer candidates on the whole valset can only equal it or fall short."""
    pairs = [(ours[seed][name]["val"], theirs[seed][name]["val"]) for seed in ours]
    equal = sum(a == b for a, b in pairs)
    above = sum(a > b for a, b in pairs)
    return (f"{name}: dsplang's val score equals DSPy's on {equal} of {len(pairs)} seeds, "
            f"is above it on {above}, below it on {len(pairs) - equal - above}")


# ------------------------------------------------------------------ driver


def data_for(args, seed: int, rows) -> tuple[list, list, list]:
    """The train, validation and test rows of `seed` (made by `rows(start, stop, noise)`); only
    the training rows get `--noise`."""
    base = 10_000 * seed
    return (rows(base, base + args.train, args.noise), rows(base + 1000, base + 1000 + args.val),
            rows(base + 2000, base + 2000 + args.test))


def dspy_results(args) -> dict:
    from dspy_env import child_env, dspy_python
    argv = [str(dspy_python()), __file__, "--child", "--train", str(args.train), "--val", str(args.val),
            "--test", str(args.test), "--threads", str(args.threads), "--latency", str(args.latency), "--noise", str(args.noise),
            "--seed-list", *map(str, args.seeds), "--optimizers", *args.optimizers]
    done = subprocess.run(argv, env=child_env(), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"the DSPy side failed:\n{done.stderr[-4000:]}")
    return {int(seed): value for seed, value in json.loads(done.stdout.strip().splitlines()[-1]).items()}


METRICS = [("val", "val score", "{:.1f}"), ("test", "test score", "{:.1f}"), ("calls", "LM calls", "{:.0f}"),
           ("wall", "wall s", "{:.1f}")]


def summary(results: dict, name: str, key: str) -> tuple[float, float, float]:
    values = [results[seed][name][key] for seed in results]
    return sum(values) / len(values), min(values), max(values)


def table(ours: dict, theirs: dict, optimizers: list[str]) -> str:
    """Per optimizer: dsplang and DSPy means over the seeds (min-max), then the comparison."""
    width = 20
    head = f"{'optimizer':<34}{'':<9}" + "".join(f"{label:>{width}}" for _, label, _ in METRICS)
    lines = [head, "-" * len(head)]
    for name in optimizers:
        means = {}
        for side, results in (("dsplang", ours), ("DSPy", theirs)):
            cells = []
            for key, _, fmt in METRICS:
                mean, low, high = summary(results, name, key)
                means[side, key] = mean
                cells.append(f"{fmt.format(mean)} ({fmt.format(low)}-{fmt.format(high)})")
            label = name if side == "dsplang" else ""
            lines.append(f"{label:<34}{side:<9}" + "".join(f"{c:>{width}}" for c in cells))
        compare = []
        for key, _, _ in METRICS:
            a, b = means["dsplang", key], means["DSPy", key]
            compare.append(f"{a - b:+.1f} pts" if key in ("val", "test") else f"{a / max(b, 1e-9):.2f}x")
        lines.append(f"{'':<34}{'dsp/DSPy':<9}" + "".join(f"{c:>{width}}" for c in compare))
    return "\n".join(lines)


def one_table(ours: dict, theirs: dict, optimizers: list[str]) -> str:
    """One markdown row per optimizer: means over the seeds, dsplang / DSPy, and the estimate
    (`dsp compile --estimate`'s numbers) over the actual calls and prompt tokens."""
    head = ("| optimizer | seeds | val dsp / DSPy | test dsp / DSPy | LM calls dsp / DSPy | wall s dsp / DSPy "
            "| est. / actual calls | est. / actual prompt tokens |")
    lines = [head, "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for name in optimizers:
        mean = lambda results, key: summary(results, name, key)[0]  # noqa: E731
        calls, their_calls = mean(ours, "calls"), mean(theirs, "calls")
        wall, their_wall = mean(ours, "wall"), mean(theirs, "wall")
        est_calls = [ours[s][name]["est_calls"] / max(ours[s][name]["calls"], 1) for s in ours]
        est_tokens = [ours[s][name]["est_tokens"] / max(ours[s][name]["tokens"], 1) for s in ours]
        lines.append(
            f"| {name} | {len(ours)} | {mean(ours, 'val'):.1f} / {mean(theirs, 'val'):.1f} "
            f"| {mean(ours, 'test'):.1f} / {mean(theirs, 'test'):.1f} "
            f"| {calls:.0f} / {their_calls:.0f} ({calls / max(their_calls, 1e-9):.2f}x) "
            f"| {wall:.1f} / {their_wall:.1f} ({wall / max(their_wall, 1e-9):.2f}x) "
            f"| {sum(est_calls) / len(est_calls):.2f} ({min(est_calls):.2f}-{max(est_calls):.2f}) "
            f"| {sum(est_tokens) / len(est_tokens):.2f} ({min(est_tokens):.2f}-{max(est_tokens):.2f}) |")
    return "\n".join(lines)


def per_seed(ours: dict, theirs: dict, optimizers: list[str]) -> str:
    lines = []
    for seed in ours:
        for name in optimizers:
            a, b = ours[seed][name], theirs[seed][name]
            lines.append(f"seed {seed} {name:<34} val {a['val']:5.1f} / {b['val']:5.1f}   test {a['test']:5.1f} / "
                         f"{b['test']:5.1f}   calls {a['calls']:4} / {b['calls']:4}   wall {a['wall']:5.1f} / "
                         f"{b['wall']:5.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="train 20 / val 20 / test 40, MIPROv2 only, 1 seed")
    parser.add_argument("--seeds", type=int, default=None, help="run seeds 0..N-1 (default 3; --quick: 1)")
    parser.add_argument("--train", type=int, default=50)
    parser.add_argument("--val", type=int, default=50)
    parser.add_argument("--test", type=int, default=100)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--noise", type=float, default=0.0,
                        help="a fraction of the training rows with a wrong answer (default 0)")
    parser.add_argument("--optimizers", nargs="+", default=OPTIMIZERS, choices=OPTIMIZERS)
    parser.add_argument("--variants", action="store_true",
                        help="also run dsplang's random search with halving=False and with halving=\"exact\"")
    parser.add_argument("--json", help="also write the per-seed results here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed-list", nargs="+", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.seeds = args.seed_list
        print(json.dumps(run_dspy(args)))
        return
    if args.quick:
        args.train, args.val, args.test, args.optimizers = 20, 20, 40, ["MIPROv2"]
    args.seeds = list(range(args.seeds if args.seeds is not None else (1 if args.quick else 3)))
    print(f"train {args.train} / val {args.val} / test {args.test}, {args.threads} threads, "
          f"{args.latency * 1000:.0f} ms per LM call, label noise {args.noise:.0%} in train, seeds {', '.join(map(str, args.seeds))}", file=sys.stderr)
    theirs = dspy_results(args)
    ours = run_dsplang(args)
    for name in set(VARIANTS) & set(dsplang_names(args)):
        for seed in theirs:
            theirs[seed][name] = theirs[seed][SEARCH]
    if args.json:
        Path(args.json).write_text(json.dumps({"dsplang": ours, "dspy": theirs}, indent=1))
    names = dsplang_names(args)
    print(per_seed(ours, theirs, names))
    print()
    print(table(ours, theirs, names))
    print()
    print(one_table(ours, theirs, names))
    checks = [selection_check(ours, theirs, name) for name in (SEARCH, *VARIANTS) if name in names]
    if checks:
        print()
        print("\n".join(checks))


if __name__ == "__main__":
    main()

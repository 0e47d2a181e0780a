"""Compiling the same program with dsplang and with DSPy: validation score, LM calls, wall time.

    DSP_BENCH_VENV=/tmp/dspy-venv python benchmarks/compile_vs_dspy.py [--quick] [--latency S]

One invocation runs BootstrapFewShot, BootstrapFewShotWithRandomSearch(num_candidate_programs=8)
and MIPROv2(auto="light") on the task of `fake_task.py` (train 50 / val 50, 8 threads; `--quick`:
20 / 20 and MIPROv2 only) through DSPy (in a child process, in the venv of `dspy_env.py`, with
a `dspy.BaseLM` subclass) and through dsplang (in this process, with an `LM` subclass). Both
fake LMs sleep `--latency` seconds (0.1) per call and reply with `fake_task.reply`, so answer
quality depends on the prompt the same way on both sides. Caching is off on both sides, so
every call is counted. The score is the compiled program's score on the valset (evaluated
after the compile, not counted). Prints a table and the dsplang/DSPy ratios.
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

OPTIMIZERS = ["BootstrapFewShot", "BootstrapFewShotWithRandomSearch", "MIPROv2"]


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
            texts = fake_task.reply(messages, int(kwargs.get("n") or 1))
            choices = [types.SimpleNamespace(message=types.SimpleNamespace(content=t, tool_calls=None),
                                             finish_reason="stop") for t in texts]
            usage = {"prompt_tokens": fake_task.prompt_tokens(messages), "completion_tokens": 10,
                     "total_tokens": fake_task.prompt_tokens(messages) + 10}
            return types.SimpleNamespace(choices=choices, usage=usage, model="fake/task")

    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    dspy.configure(lm=FakeLM("fake/task", cache=False))
    rows = lambda a, b: [dspy.Example(**r).with_inputs("question") for r in fake_task.dataset(a, b)]  # noqa: E731
    train, val = rows(0, args.train), rows(1000, 1000 + args.val)
    metric = lambda example, pred, trace=None: example.answer == pred.answer  # noqa: E731
    make = {
        "BootstrapFewShot": lambda: dspy.BootstrapFewShot(metric=metric, max_bootstrapped_demos=4,
                                                          max_labeled_demos=16),
        "BootstrapFewShotWithRandomSearch": lambda: dspy.BootstrapFewShotWithRandomSearch(
            metric=metric, max_bootstrapped_demos=4, max_labeled_demos=16, num_candidate_programs=8,
            num_threads=args.threads),
        "MIPROv2": lambda: dspy.MIPROv2(metric=metric, auto="light", num_threads=args.threads, seed=0),
    }
    results = {}
    for name in args.optimizers:
        optimizer, before, started = make[name](), counter.calls, time.perf_counter()
        kwargs = {} if name == "BootstrapFewShot" else {"valset": val}
        compiled = optimizer.compile(dspy.Predict("question -> answer"), trainset=train, **kwargs)
        wall, calls = time.perf_counter() - started, counter.calls - before
        score = dspy.Evaluate(devset=val, metric=metric, num_threads=args.threads,
                              display_progress=False)(compiled).score
        results[name] = {"score": float(score), "calls": calls, "wall": wall}
    return results


# ------------------------------------------------------------------ dsplang side (this process)


def run_dsplang(args) -> dict:
    sys.path.insert(0, str(HERE.parent))
    from dsplang.lm import context
    from dsplang.lm.client import LM, LMResponse
    from dsplang.lm.usage import Usage
    from dsplang.stdlib.evaluate import evaluate
    from dsplang.stdlib.example import Example
    from dsplang.stdlib.modules.predict import Predict
    from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot
    from dsplang.stdlib.optimizers.mipro import MIPROv2
    from dsplang.stdlib.optimizers.random_search import BootstrapFewShotWithRandomSearch

    counter = Counter()

    class FakeLM(LM):
        def _complete(self, messages, n, params, reply_formatter):
            time.sleep(args.latency)
            counter.add()
            texts = fake_task.reply(messages, n)
            return LMResponse(texts, Usage(fake_task.prompt_tokens(messages), 10, 0.0), False, 0.0, self.model)

    rows = lambda a, b: [Example(**r).with_inputs("question") for r in fake_task.dataset(a, b)]  # noqa: E731
    train, val = rows(0, args.train), rows(1000, 1000 + args.val)
    metric = lambda example, pred, trace=None: example.answer == pred.answer  # noqa: E731
    common = {"threads": args.threads, "verbose": False}
    make = {
        "BootstrapFewShot": lambda: BootstrapFewShot(metric=metric, max_bootstrapped_demos=4,
                                                     max_labeled_demos=16, **common),
        "BootstrapFewShotWithRandomSearch": lambda: BootstrapFewShotWithRandomSearch(
            metric=metric, max_bootstrapped_demos=4, max_labeled_demos=16, num_candidate_programs=8, **common),
        "MIPROv2": lambda: MIPROv2(metric=metric, auto="light", seed=0, **common),
    }
    results = {}
    with context.using(FakeLM("fake/task", cache=False, num_retries=0)):
        for name in args.optimizers:
            optimizer, before, started = make[name](), counter.calls, time.perf_counter()
            kwargs = {} if name == "BootstrapFewShot" else {"valset": val}
            compiled = optimizer.compile(Predict("question -> answer"), trainset=train, **kwargs)
            wall, calls = time.perf_counter() - started, counter.calls - before
            score = evaluate(compiled, val, metric=metric, threads=args.threads, display_progress=False,
                             display_table=0).score
            results[name] = {"score": float(score), "calls": calls, "wall": wall}
    return results


# ------------------------------------------------------------------ driver


def dspy_results(args) -> dict:
    from dspy_env import child_env, dspy_python
    argv = [str(dspy_python()), __file__, "--child", "--train", str(args.train), "--val", str(args.val),
            "--threads", str(args.threads), "--latency", str(args.latency), "--optimizers", *args.optimizers]
    done = subprocess.run(argv, env=child_env(), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"the DSPy side failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(ours: dict, theirs: dict) -> str:
    head = (f"{'optimizer':<34}{'score dsp/DSPy':>16}{'LM calls dsp/DSPy':>20}{'ratio':>7}"
            f"{'wall s dsp/DSPy':>18}{'ratio':>7}")
    lines = [head, "-" * len(head)]
    for name in ours:
        a, b = ours[name], theirs[name]
        lines.append(f"{name:<34}{a['score']:>7.1f} /{b['score']:>6.1f}  {a['calls']:>9} /{b['calls']:>6}"
                     f"{a['calls'] / max(b['calls'], 1):>9.2f}{a['wall']:>9.1f} /{b['wall']:>6.1f}"
                     f"{a['wall'] / max(b['wall'], 1e-9):>9.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="train 20 / val 20, MIPROv2 only")
    parser.add_argument("--train", type=int, default=50)
    parser.add_argument("--val", type=int, default=50)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--optimizers", nargs="+", default=OPTIMIZERS, choices=OPTIMIZERS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_dspy(args)))
        return
    if args.quick:
        args.train, args.val, args.optimizers = 20, 20, ["MIPROv2"]
    print(f"train {args.train} / val {args.val}, {args.threads} threads, {args.latency * 1000:.0f} ms per LM call",
          file=sys.stderr)
    theirs = dspy_results(args)
    ours = run_dsplang(args)
    print(table(ours, theirs))


if __name__ == "__main__":
    main()

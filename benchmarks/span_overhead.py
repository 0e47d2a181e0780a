"""What spans cost per call: a Predict call and a .dsp module's call (a span of its own around
its predictor call), with no trace collecting and with one (as `dsp run` always has), with an
instant scripted LM and the cache off. Run it on two checkouts to compare:

    python benchmarks/span_overhead.py                          # this checkout
    PYTHONPATH=/path/to/older/checkout python benchmarks/span_overhead.py

It prints microseconds of this thread's CPU time per call (the best of 30 rounds of 500 calls:
CPU time, not the wall clock, so other processes on a shared machine disturb it less).
"""

from __future__ import annotations

import os
import tempfile
import time

CALLS = 500
ROUNDS = 30
PROGRAM = '''
module Solver:
    solve = Predict("question -> answer")

    def forward(question):
        return solve(question=question)

let program = Solver()
'''


def per_call(fn) -> float:
    for _ in range(50):
        fn()
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.thread_time()
        for _ in range(CALLS):
            fn()
        best = min(best, (time.thread_time() - start) / CALLS)
    return best * 1e6


def main() -> None:
    os.environ["DSP_CACHE_DIR"] = tempfile.mkdtemp()
    import dsplang
    from dsplang.context import trace
    from dsplang.context.lm import using
    from dsplang.context.run import Options, Run, entered
    from dsplang.lm.scripted import ScriptedLM
    from dsplang.stdlib.modules.predict import Predict

    predict = Predict("question -> answer")
    module = dsplang.run(PROGRAM, "bench.dsp").program
    lm = ScriptedLM({"": {"answer": "Paris"}})
    print(f"dsplang at {os.path.dirname(dsplang.__file__)}")
    with entered(Run(Options(cache=False))), using(lm):
        for collecting in (False, True):
            with trace.collecting() if collecting else _nothing():
                p = per_call(lambda: predict(question="Capital of France?"))
                m = per_call(lambda: module(question="Capital of France?"))
            label = "a trace collecting" if collecting else "no trace"
            print(f"{label:>20}: Predict {p:6.1f} us/call   module -> Predict {m:6.1f} us/call")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


if __name__ == "__main__":
    main()

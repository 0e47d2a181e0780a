"""How long an `lm.request` answered from the cache takes, per layer.

    python benchmarks/cache_latency.py [--calls N] [--runs R]

Prints microseconds per call (best of R runs of N calls) for: no cache (the ScriptedLM
itself, instant), a memory-LRU hit, and a SQLite hit (memory LRU turned off). The cache
lives in a temporary DSP_CACHE_DIR, so the user's cache is untouched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MESSAGES = [{"role": "system", "content": "You answer questions. " * 20},
            {"role": "user", "content": "[[ ## question ## ]]\nWhat is the capital of France?"}]


def best_of(runs: int, calls: int, fn) -> float:
    """Microseconds per call of the fastest run."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DSP_CACHE_DIR"] = tmp
        from dsplang.lm import ScriptedLM, cache

        uncached = ScriptedLM({"": "Paris"}, cache=False)
        cached = ScriptedLM({"": "Paris"}, cache=True, temperature=0.0)
        cached.request(MESSAGES)
        rows = [("no cache (ScriptedLM call)", best_of(args.runs, args.calls,
                                                        lambda: uncached.request(MESSAGES))),
                ("memory LRU hit", best_of(args.runs, args.calls,
                                            lambda: cached.request(MESSAGES)))]
        cache.get_cache().clear_memory()
        cache.get_cache().memory_size = 0
        rows.append(("SQLite hit", best_of(args.runs, args.calls,
                                           lambda: cached.request(MESSAGES))))
        assert cached.request(MESSAGES).cache_hit
    print(f"lm.request latency, best of {args.runs} x {args.calls} calls "
          f"(Python {sys.version.split()[0]}):")
    for name, micros in rows:
        print(f"  {name:<28} {micros:8.1f} µs/call")


if __name__ == "__main__":
    main()

"""The shared Redis cache and the litellm Router, against their single-machine counterparts.

    python benchmarks/shared_cache_and_router.py [--calls N] [--runs R]

Prints microseconds per `lm.request` (best of R runs of N calls) for a cache hit in a SQLite
file and on a redis-server started here on 127.0.0.1 (both with the memory LRU off, so every
hit reads the store), a miss that writes its reply to each, and milliseconds per request for a
plain LM and a router LM (two deployments) against a local OpenAI-compatible server, cache off.
Needs redis-server and the redis package; nothing outside a temporary directory is touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "lm"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

MESSAGES = [{"role": "system", "content": "You answer questions. " * 20},
            {"role": "user", "content": "[[ ## question ## ]]\nWhat is the capital of France?"}]


def best_of(runs: int, calls: int, fn) -> float:
    """Seconds per call of the fastest run; `fn(i)` gets the call's number."""
    best = float("inf")
    for run in range(runs):
        start = time.perf_counter()
        for i in range(calls):
            fn(run * calls + i)
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def store_rows(name: str, runs: int, calls: int) -> list[tuple[str, float]]:
    """A hit and a written miss through the current store, memory LRU off (µs)."""
    from dsplang.lm import ScriptedLM, cache
    store = cache.get_cache()
    store.memory_size = 0
    hit = ScriptedLM({"": "Paris"}, cache=True, temperature=0.0)
    hit.request(MESSAGES)
    fresh = ScriptedLM({"": "Paris"}, cache=True, temperature=0.0)
    rows = [(f"{name} hit", best_of(runs, calls, lambda i: hit.request(MESSAGES)) * 1e6),
            (f"{name} miss + write", best_of(runs, calls, lambda i: fresh.request(MESSAGES, rollout_id=i)) * 1e6)]
    assert hit.request(MESSAGES).cache_hit
    return rows


def router_rows(runs: int, calls: int) -> list[tuple[str, float]]:
    """Plain LM and router LM requests against the local server, cache off (ms)."""
    import openai_server

    from dsplang.lm import LM
    servers = [openai_server.OpenAIServer().start() for _ in range(2)]
    try:
        plain = LM("openai/gpt-4o-mini", api_base=servers[0].url, api_key="sk-bench", cache=False)
        routed = LM("fast", cache=False, router={"model_list": [
            {"model_name": "fast", "litellm_params": {"model": "openai/gpt-4o-mini", "api_base": s.url,
                                                      "api_key": "sk-bench"}} for s in servers]})
        plain.request(MESSAGES)
        routed.request(MESSAGES)
        return [("plain LM request", best_of(runs, calls, lambda i: plain.request(MESSAGES)) * 1e3),
                ("router LM request", best_of(runs, calls, lambda i: routed.request(MESSAGES)) * 1e3)]
    finally:
        for server in servers:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import redis_server
    if not redis_server.available():
        sys.exit("needs redis-server and the redis package")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DSP_CACHE_DIR"] = tmp
        rows = store_rows("SQLite", args.runs, args.calls)
        server = redis_server.RedisServer(Path(tmp)).start()
        try:
            os.environ["DSP_CACHE_URL"] = server.url()
            rows += store_rows("Redis", args.runs, args.calls)
        finally:
            server.stop()
        del os.environ["DSP_CACHE_URL"]
        calls = max(1, args.calls // 10)
        network = router_rows(args.runs, calls)
    print(f"lm.request, best of {args.runs} runs (Python {sys.version.split()[0]}):")
    for name, micros in rows:
        print(f"  {name:<24} {micros:9.1f} µs/call   ({args.calls} calls a run)")
    for name, millis in network:
        print(f"  {name:<24} {millis:9.2f} ms/call   ({calls} calls a run, local server)")


if __name__ == "__main__":
    main()

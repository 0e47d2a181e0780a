"""Throughput of many concurrent predictor calls, dsplang versus DSPy 3.4.1, in one run.

1,000 examples through `Predict("question -> answer")` with a 100 ms LM at 256 calls at once:
the ideal is ceil(1000 / 256) x 0.1 s = 0.4 s; each figure is shown as a share of it.

The 100 ms LM is a local OpenAI-compatible server in a process of its own
(`tests/lm/openai_server.py --latency 0.1`: a thread per connection, backlog 1024), reached
through each framework's real litellm path with its cache off:

- dsplang: `evaluate(..., concurrency=256)` (async calls on one event loop) and
  `evaluate(..., threads=256)` (the thread pool);
- DSPy: `await program.acall(...)` under `asyncio.gather` (a semaphore of 256) and
  `dspy.Evaluate(num_threads=256)`;
- the ceiling: bare `litellm.acompletion` under `asyncio.gather`, no framework;
- DSPy's default engine: since 3.4, `dspy.LM("openai/...")` sends OpenAI-compatible requests
  with its own vendored HTTP client (lm15), not litellm; `engine="litellm"` is its litellm
  path. Both are shown, so the litellm rows compare like with like.

litellm's own work per call (building the request, pydantic models, cost and logging) is
milliseconds of CPU on a busy 2-core machine, so through litellm every figure is bound by
CPU, not by the LM's latency. The second table isolates the frameworks' engines: a fake LM
that only sleeps 100 ms (`asyncio.sleep` when awaited, `time.sleep` on a thread) instead
of calling litellm.

DSPy is installed into a throwaway venv on first use (benchmarks/dspy_env.py) and measured in
a child process. Run: python benchmarks/async_throughput.py [--examples N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from dspy_env import child_env, dspy_python  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LATENCY = 0.1
MODEL = "openai/gpt-4o-mini"         # a model litellm knows, so its price lookup is direct
REPLY = "[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]"

DSPY_CHILD = r'''
import asyncio, json, sys, time, warnings
warnings.filterwarnings("ignore")
import dspy
from litellm import ModelResponse

url, n, concurrency, latency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
data = [dspy.Example(question=f"question {i}?", answer="Paris").with_inputs("question") for i in range(n)]
metric = lambda example, pred, trace=None: example.answer == pred.answer

class SleepLM(dspy.BaseLM):
    """No litellm: a reply after `latency` seconds."""
    def __init__(self):
        super().__init__(model="fake/sleep", model_type="chat", temperature=0.0, max_tokens=100, cache=False)
        self.response = ModelResponse(
            choices=[{"message": {"role": "assistant", "content": "[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]"},
                      "finish_reason": "stop"}],
            usage={"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}, model="fake/sleep")
    def forward(self, prompt=None, messages=None, **kwargs):
        time.sleep(latency)
        return self.response
    async def aforward(self, prompt=None, messages=None, **kwargs):
        await asyncio.sleep(latency)
        return self.response

def gathered(program):
    async def main():
        gate = asyncio.Semaphore(concurrency)
        async def one(example):
            async with gate:
                return await program.acall(**example.inputs())
        return await asyncio.gather(*(one(e) for e in data), return_exceptions=True)
    start = time.perf_counter()
    outs = asyncio.run(main())
    took = time.perf_counter() - start
    return [took, sum(getattr(o, "answer", None) != "Paris" for o in outs)]

def threaded(program):
    evaluate = dspy.Evaluate(devset=data, metric=metric, num_threads=concurrency, display_progress=False,
                             max_errors=n)
    start = time.perf_counter()
    result = evaluate(program)
    took = time.perf_counter() - start
    return [took, round(n * (100.0 - result.score) / 100.0)]

result = {}
def real(engine):
    return dspy.LM("openai/gpt-4o-mini", api_base=url, api_key="sk-bench", cache=False, num_retries=0, engine=engine)
for name, lm in (("litellm", real("litellm")), ("native", real("auto")), ("sleep", SleepLM())):
    dspy.configure(lm=lm, adapter=dspy.ChatAdapter())
    program = dspy.Predict("question -> answer")
    program(question="warm up")
    result[f"{name}_acall"] = gathered(program)
    result[f"{name}_threads"] = threaded(program)
print("RESULT " + json.dumps(result))
'''


def start_server() -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "lm" / "openai_server.py"),
                               "--latency", str(LATENCY), "--reply", REPLY],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    return server, server.stdout.readline().strip()


def measure_dsplang(url: str, n: int, concurrency: int) -> dict:
    from dsplang.context.run import Options, Run, entered
    from dsplang.lm.client import LM, LMResponse
    from dsplang.lm.usage import Usage
    from dsplang.stdlib.evaluate import evaluate
    from dsplang.stdlib.example import Example
    from dsplang.stdlib.modules.predict import Predict

    class SleepLM(LM):
        """No litellm: a reply after LATENCY seconds."""

        def _complete(self, messages, n, params):
            time.sleep(LATENCY)
            return LMResponse([REPLY], Usage(10, 5, 0.0), False, 0.0, self.model)

        async def _acomplete(self, messages, n, params):
            await asyncio.sleep(LATENCY)
            return LMResponse([REPLY], Usage(10, 5, 0.0), False, 0.0, self.model)

    data = [Example(question=f"question {i}?", answer="Paris").with_inputs("question") for i in range(n)]

    def metric(example, prediction, trace=None):
        return example.answer == prediction.answer

    def timed(**engine) -> list:
        start = time.perf_counter()
        result = evaluate(Predict("question -> answer"), data, metric=metric, display_progress=False,
                          max_errors=n, **engine)
        took = time.perf_counter() - start
        return [took, len(result.errors)]      # a failed call (the test server resets a few under
                                               # 256 threads; no retries, so it shows) is counted

    result = {}
    real = LM(MODEL, api_base=url, api_key="sk-bench", cache=False, num_retries=0)
    for name, lm in (("litellm", real), ("sleep", SleepLM("fake/sleep", cache=False))):
        with entered(Run(Options(cache=False, lm=lm, quiet=True))):
            Predict("question -> answer")(question="warm up")
            result[f"{name}_async"] = timed(concurrency=concurrency)
            result[f"{name}_threads"] = timed(threads=concurrency)
    return result


def measure_bare_litellm(url: str, n: int, concurrency: int) -> float:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    async def main() -> None:
        gate = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with gate:
                await litellm.acompletion(model=MODEL, api_base=url, api_key="sk-bench", num_retries=0,
                                          messages=[{"role": "user", "content": f"question {i}?"}])
        await one(-1)
        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)
        took.append(time.perf_counter() - start)
    took: list[float] = []
    asyncio.run(main())
    return took[0]


def measure_dspy(url: str, n: int, concurrency: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(DSPY_CHILD)
    try:
        out = subprocess.run([str(dspy_python()), fh.name, url, str(n), str(concurrency), str(LATENCY)],
                             env=child_env(), capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(fh.name)
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=256)
    args = parser.parse_args()
    n, c = args.examples, args.concurrency
    ideal = math.ceil(n / c) * LATENCY
    server, url = start_server()
    try:
        bare = measure_bare_litellm(url, n, c)
        ours = measure_dsplang(url, n, c)
        theirs = measure_dspy(url, n, c)
    finally:
        server.terminate()
        server.wait()

    def row(name: str, figure: float | list) -> str:
        seconds, failed = (figure, 0) if isinstance(figure, float) else figure
        return (f"  {name:46} {seconds:7.2f} s {100 * ideal / seconds:6.0f}%"
                + (f"   ({failed} calls failed)" if failed else ""))
    print(f"{n} examples, Predict, a {LATENCY * 1000:.0f} ms LM, {c} at once: ideal {ideal:.2f} s "
          f"(wall time; share of ideal)")
    print("through litellm to the local server (CPU-bound: litellm's own work per call)")
    print(row("dsplang evaluate(concurrency=) - async", ours["litellm_async"]))
    print(row("dsplang evaluate(threads=)", ours["litellm_threads"]))
    print(row("DSPy acall + asyncio.gather", theirs["litellm_acall"]))
    print(row("DSPy Evaluate(num_threads=)", theirs["litellm_threads"]))
    print(row("bare litellm.acompletion + gather (ceiling)", bare))
    print("DSPy's default engine for openai/ models: its own HTTP client (vendored lm15), not litellm")
    print(row("DSPy acall + asyncio.gather", theirs["native_acall"]))
    print(row("DSPy Evaluate(num_threads=)", theirs["native_threads"]))
    print("the engines alone: a fake LM that sleeps 100 ms, no litellm")
    print(row("dsplang evaluate(concurrency=) - async", ours["sleep_async"]))
    print(row("dsplang evaluate(threads=)", ours["sleep_threads"]))
    print(row("DSPy acall + asyncio.gather", theirs["sleep_acall"]))
    print(row("DSPy Evaluate(num_threads=)", theirs["sleep_threads"]))
    print("target: dsplang async at >= 90% of ideal")


if __name__ == "__main__":
    main()

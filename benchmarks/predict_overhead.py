"""Framework overhead per Predict / ChainOfThought call, dsplang versus DSPy, in one run.

Both frameworks get an instant fake LM (the reply is ready; no network, no model), the
cache off, the same signature "question -> answer", the same inputs and ChatAdapter. DSPy
is installed into a throwaway virtual environment the first time (set DSP_BENCH_VENV to
choose where; default ~/.cache/dsplang/bench/dspy-<version>) and measured in a child
process; dsplang is measured in this process. Two DSPy fakes are measured:

- `BaseLM`: a dspy.BaseLM subclass whose forward() returns a prepared response;
- `dspy.LM`: dspy.LM("openai/fake") with litellm.completion replaced by an instant function
  (the path a DSPy user runs), also with its memory cache on for the cache-hit figure.

The ratio is taken against DSPy's faster figure. Run: python benchmarks/predict_overhead.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from dspy_env import child_env, dspy_python  # noqa: E402

CALLS = 2000
QUESTION = "What is the capital of France?"

CHILD = r'''
import json, sys, time, warnings
warnings.filterwarnings("ignore")
start = time.perf_counter()
import dspy
import_s = time.perf_counter() - start
import litellm
from litellm import ModelResponse

REPLIES = {
    "predict": "[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]",
    "cot": "[[ ## reasoning ## ]]\nIt is in France.\n\n[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]",
}

def response(text):
    return ModelResponse(choices=[{"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                         usage={"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                         model="fake/instant")

class InstantLM(dspy.BaseLM):
    def __init__(self, text):
        super().__init__(model="fake/instant", model_type="chat", temperature=0.0, max_tokens=100, cache=False)
        self.response = response(text)
    def forward(self, prompt=None, messages=None, **kwargs):
        return self.response

def bench(module, lm, calls):
    dspy.configure(lm=lm, adapter=dspy.ChatAdapter())
    for _ in range(20):
        module(question=QUESTION)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(calls):
            out = module(question=QUESTION)
        best = min(best, (time.perf_counter() - t) / calls)
    assert out.answer == "Paris", out
    return best * 1e6

QUESTION = sys.argv[2]
calls = int(sys.argv[1])
result = {"import_s": import_s}
dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
result["baselm_predict_us"] = bench(dspy.Predict("question -> answer"), InstantLM(REPLIES["predict"]), calls)
result["baselm_cot_us"] = bench(dspy.ChainOfThought("question -> answer"), InstantLM(REPLIES["cot"]), calls)
current = {"text": REPLIES["predict"]}
litellm.completion = lambda *a, **k: response(current["text"])
result["lm_predict_us"] = bench(dspy.Predict("question -> answer"), dspy.LM("openai/fake", engine="litellm", api_key="sk-fake", cache=False), calls)
current["text"] = REPLIES["cot"]
result["lm_cot_us"] = bench(dspy.ChainOfThought("question -> answer"), dspy.LM("openai/fake", engine="litellm", api_key="sk-fake", cache=False), calls)
dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=True)
current["text"] = REPLIES["predict"]
result["lm_cache_hit_us"] = bench(dspy.Predict("question -> answer"), dspy.LM("openai/fake", engine="litellm", api_key="sk-fake", cache=True), calls)
print("RESULT " + json.dumps(result))
'''


def measure_dspy() -> dict:
    env = child_env()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(CHILD)
    try:
        out = subprocess.run([str(dspy_python()), fh.name, str(CALLS), QUESTION], env=env,
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(fh.name)
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def bench(module, lm) -> float:
    from dsplang.context.lm import using
    with using(lm):
        for _ in range(20):
            module(question=QUESTION)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(CALLS):
                out = module(question=QUESTION)
            best = min(best, (time.perf_counter() - start) / CALLS)
    assert out.answer == "Paris"
    return best * 1e6


def measure_dsplang() -> dict:
    start = time.perf_counter()
    from dsplang.context.run import Options, Run, entered
    from dsplang.lm.scripted import ScriptedLM
    from dsplang.stdlib.modules.chain_of_thought import ChainOfThought
    from dsplang.stdlib.modules.predict import Predict
    import_s = time.perf_counter() - start
    predict_answer = {"": {"answer": "Paris"}}
    cot_answer = {"": {"reasoning": "It is in France.", "answer": "Paris"}}
    result = {"import_s": import_s}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DSP_CACHE_DIR"] = tmp
        with entered(Run(Options(cache=False))):
            result["predict_us"] = bench(Predict("question -> answer"), ScriptedLM(predict_answer))
            result["cot_us"] = bench(ChainOfThought("question -> answer"), ScriptedLM(cot_answer))
        result["cache_hit_us"] = bench(Predict("question -> answer"), ScriptedLM(predict_answer, cache=True))
    return result


def main() -> None:
    ours = measure_dsplang()
    theirs = measure_dspy()
    rows = [
        ("Predict call, cache off", ours["predict_us"], theirs["baselm_predict_us"], theirs["lm_predict_us"]),
        ("ChainOfThought call, cache off", ours["cot_us"], theirs["baselm_cot_us"], theirs["lm_cot_us"]),
        ("Predict call, memory cache hit", ours["cache_hit_us"], None, theirs["lm_cache_hit_us"]),
    ]
    print(f"framework overhead per call, µs (best of 3 x {CALLS} calls; instant fake LM)")
    print(f"{'':34} {'dsplang':>9} {'DSPy BaseLM':>12} {'DSPy dspy.LM':>13} {'ratio':>7}")
    for name, mine, base, lm in rows:
        best_dspy = min(x for x in (base, lm) if x is not None)
        base_text = f"{base:12.1f}" if base is not None else f"{'-':>12}"
        print(f"{name:34} {mine:9.1f} {base_text} {lm:13.1f} {mine / best_dspy:6.2f}x")
    print(f"import time: dsplang predictors {ours['import_s']:.2f} s, dspy {theirs['import_s']:.2f} s")
    print("target: dsplang at most 0.5x of DSPy (ratio column)")


if __name__ == "__main__":
    main()

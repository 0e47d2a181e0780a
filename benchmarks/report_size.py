"""`dsp report` on large traces: seconds to read, summarize and render, peak memory, page size.

Writes synthetic traces of 1,000, 10,000 and 50,000 predictor calls (each with a ~1.5 KB
prompt, span fields, a compile of 20 candidates and an evaluation of 200 examples), then
times `write_report` on each in a fresh process (its peak resident memory is the process's,
Python and the imports included). Run: `python benchmarks/report_size.py`.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from dsplang.report.build import write_report  # noqa: E402

PROMPT = "Answer the question with a short fact. " * 40


def write_trace(path: Path, calls: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8") as out:
        t = 1_800_000_000.0
        for i in range(calls):
            t += rng.uniform(0.01, 0.2)
            out.write(json.dumps({
                "kind": "predictor_call", "path": f"qa.step{i % 3}", "signature": "Answer", "model": "gpt-4o-mini",
                "inputs": {"question": f"q{i % 200}?"}, "replies": [f"[[ ## answer ## ]] a{i}"],
                "messages": [{"role": "system", "content": PROMPT}, {"role": "user", "content": f"q{i % 200}?"}],
                "prompt_tokens": 400 + i % 50, "completion_tokens": 20, "cost": 0.00007, "latency": 0.4,
                "cache_hit": i % 7 == 0, "span_id": f"{i:016x}", "start": t, "end": t + 0.4,
                "phase": f"scoring candidate {i % 20}", "candidate": str(i % 20)}) + "\n")
        out.write(json.dumps({"kind": "compile_report", "optimizer": "MIPROv2", "program": "QA", "chosen": 7,
                              "candidates": [{"label": f"trial {k}", "score": rng.uniform(20, 90), "evaluated": 200}
                                             for k in range(20)]}) + "\n")
        for k in range(200):
            out.write(json.dumps({"kind": "example_score", "evaluation": "e", "metric": "em", "index": k,
                                  "example": {"question": f"q{k}?", "answer": "a"}, "inputs": ["question"],
                                  "prediction": {"answer": "b"}, "score": rng.random(), "call_count": 1,
                                  "call_ids": [f"{calls - 200 + k:016x}"]}) + "\n")


def one(trace: str, page: str) -> None:
    """In the child: time write_report, print seconds and peak resident MB."""
    started = time.perf_counter()
    write_report(trace, page)
    seconds = time.perf_counter() - started
    print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    rng = random.Random(0)
    print(f"{'calls':>7} {'trace MB':>9} {'seconds':>8} {'peak MB':>8} {'page KB':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for calls in (1_000, 10_000, 50_000):
            trace, page = Path(folder) / f"t{calls}.jsonl", Path(folder) / f"t{calls}.html"
            write_trace(trace, calls, rng)
            out = subprocess.run([sys.executable, __file__, "--one", str(trace), str(page)], check=True,
                                 capture_output=True, text=True).stdout.split()
            seconds, peak = float(out[0]), float(out[1])
            print(f"{calls:>7,} {trace.stat().st_size / 1e6:>9.1f} {seconds:>8.2f} {peak:>8.0f} "
                  f"{page.stat().st_size / 1e3:>8.0f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(sys.argv[2], sys.argv[3])
    else:
        main()

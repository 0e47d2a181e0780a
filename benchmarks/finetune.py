"""BootstrapFinetune on BBC News topics: zero-shot vs few-shot teacher vs fine-tuned student.

    python benchmarks/finetune.py [--train N] [--epochs E] [--dev N] [--keep-cache]

Runs the program of examples/topic_finetune.dsp (its declarations; its settings unless
overridden: a KNNFewShot teacher with 5 TF-IDF neighbours from 50 training articles, a
student fine-tuned on the teacher's accepted answers for 200 other training articles, 2
epochs) in a fresh LM cache and adapter folder (`--keep-cache` reuses ./.bench-finetune/), and
prints:

- the compile: wall and CPU seconds of the teacher's labelling, of loading the model into
  torch, of training (steps, steps/s, tokens/s, the loss going down) and of writing the
  adapter; the adapter's size; the process's peak RSS; the load average before and after
  (other jobs on the machine slow every figure down);
- per program (zero-shot, teacher, student) on the de-duplicated dev articles (60 by
  default), with the LM cache off: accuracy, prompt tokens per call, latency per call.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
EXAMPLE = ROOT / "examples" / "topic_finetune.dsp"


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def evaluate(dsplang, program, dev, metric) -> dict:
    """Accuracy, prompt tokens and latency per call of `program` on `dev`, cache off."""
    from dsplang.context import trace
    with dsplang.context(cache=False), trace.collecting() as collected:
        started = time.perf_counter()
        score = dsplang.evaluate(program, dev, metric=metric, max_errors=None, display_table=0,
                                 display_progress=False).score
        seconds = time.perf_counter() - started
    calls = collected.predictor_calls()
    return {"accuracy": score, "calls": len(calls),
            "prompt_tokens_per_call": sum(c.prompt_tokens for c in calls) / max(1, len(calls)),
            "latency_per_call_s": seconds / max(1, len(dev))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=int, default=200, help="training articles for the student")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--dev", type=int, default=60)
    parser.add_argument("--keep-cache", action="store_true")
    args = parser.parse_args()

    work = ROOT / ".bench-finetune" if args.keep_cache else Path(tempfile.mkdtemp(prefix="dsp-finetune-"))
    os.environ["DSP_CACHE_DIR"] = str(work / "cache")
    import dsplang
    from dsplang.stdlib.finetune.trainer import peak_rss_mb

    ns = dsplang.load(EXAMPLE, run=False)
    lm = dsplang.LM("local/smollm2", temperature=0.0, max_tokens=32)
    dsplang.configure(lm=lm)
    articles = dsplang.bbc_news("train", n=50 + args.train, seed=0)
    pool, train = articles[:50], articles[50:]
    dev = dsplang.bbc_news("dev", n=args.dev, seed=0)
    zero_shot = dsplang.Predict(ns.ClassifyTopic)
    print(f"load average before: {load_average()}", flush=True)

    started, cpu0 = time.perf_counter(), cpu()
    teacher = dsplang.compile(zero_shot, dsplang.KNNFewShot(
        k=5, embedder=dsplang.TfIdf([e.text for e in pool]), max_bootstrapped_demos=0, max_labeled_demos=5,
        verbose=False), trainset=pool)
    optimizer = dsplang.BootstrapFinetune(metric=ns.right_topic, teacher=teacher, epochs=args.epochs,
                                          max_errors=None)
    student = dsplang.compile(zero_shot, optimizer, trainset=train)
    compile_s, compile_cpu = time.perf_counter() - started, cpu() - cpu0
    report = optimizer.report
    print(f"compile: {compile_s:.0f} s wall, {compile_cpu:.0f} s CPU (this process); "
          f"peak RSS {peak_rss_mb():.0f} MB; load average after: {load_average()}")
    if report is not None:
        print(f"  teacher calls: {report.usage.get('calls')}, compile report: {json.dumps(report.run_json())}")
    print("  where the time goes: " + ", ".join(f"{k} {v:.0f} s" for k, v in optimizer.timings.items()))
    if optimizer.losses:
        steps = len(optimizer.losses)
        print(f"  training: {steps} steps, {steps / optimizer.timings['training']:.2f} steps/s, loss {optimizer.losses[0]:.3f} -> "
              f"{sum(optimizer.losses[-5:]) / len(optimizer.losses[-5:]):.3f} (mean of the last 5)")
    print(f"  adapter: {optimizer.adapter} ({optimizer.adapter.stat().st_size / 1e6:.1f} MB)"
          if optimizer.adapter else "  no adapter")

    rows = {}
    for name, program in (("zero-shot", zero_shot), ("teacher", teacher), ("student", student)):
        rows[name] = evaluate(dsplang, program, dev, ns.right_topic)
        row = rows[name]
        print(f"{name:10s} accuracy {row['accuracy']:5.1f}%  prompt tokens/call "
              f"{row['prompt_tokens_per_call']:7.1f}  latency/call {row['latency_per_call_s']:.2f} s", flush=True)
    ratio = rows["teacher"]["prompt_tokens_per_call"] / max(1.0, rows["student"]["prompt_tokens_per_call"])
    print(f"prompt tokens: teacher / student = {ratio:.1f}x; load average at the end: {load_average()}")
    if not args.keep_cache:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

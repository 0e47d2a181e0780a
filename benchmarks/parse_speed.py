"""Parse throughput: generate a realistic ~10,000-line .dsp program and time parse().

Run: python benchmarks/parse_speed.py [LINES]
Prints the import time, the first parse of a small file, and the best of 3 parses of the
generated program in seconds (wall clock and CPU time) and lines per second; then the best of
3 `dsp check` passes (the static checker) over the parsed program.
"""

from __future__ import annotations

import sys
import time

SMALL = '''signature Answer:
    """Answer the question."""
    input question: str
    output answer: str
print(Predict(Answer)(question="hi").answer)
'''


def block(i: int) -> str:
    """One ~50-line unit: a type, an enum, signatures, a module, a metric, top-level code."""
    return f'''
# ---- unit {i}
type Passage{i}:
    """A passage of unit {i}."""
    title: str  "the title"
    text: str   "the passage body"
    score: float = 0.0

enum Mood{i}: happy, sad, "very angry"

signature Query{i}:
    """Write one search query that helps answer the question."""
    input  context: list[str]    "passages gathered so far"
    input  question: str
    output query: str            "a short web-search query"

signature Short{i} = "context: list[str], question -> answer: str, confidence: float"

module Hop{i}(hops: int = 2, k=3):
    """Multi-hop retrieval, unit {i}."""
    make_query = ChainOfThought(Query{i})
    respond    = Predict(Short{i}, temperature=0.{i % 10})

    def forward(question: str, *rest, **options) -> str:
        let context: list[str] = []
        for hop in range(hops):
            let q = make_query(context=context, question=question)
            context = context + search(q.query, k=k)[:k]
            if len(context) > 10 and not options.get("long"):
                break
            elif hop == 0:
                continue
            else:
                pass
        let pred = respond(context=context, question=question)
        ensure len(pred.answer) < 60, f"Keep it short: {{len(pred.answer)}} chars, {{pred.answer!r:>20}}"
        return pred

def metric{i}(example, pred, trace=none):
    let a, b = normalize(pred.answer), normalize(example.answer)
    let words = [w.lower() for w in a.split() if w not in ["a", "the"]]
    let counts = {{w: words.count(w) for w in words}}
    try:
        return a == b or (b in a and len(a) <= 2 * len(b) ** 1)
    except KeyError as err:
        raise Error(f"bad example {{example}}: {{err}}")
    finally:
        log(lambda x, y=1: x + y, -1, 2.5e-3, "done")

let data{i} = load("data/set{i}.jsonl", inputs=["question"])
with LM("openai/gpt-4o-mini", temperature=0.0) as lm:
    let total = 0
    while total < 3:
        total += 1
compile qa{i} = Hop{i}() with BootstrapFewShot(metric=metric{i}, max_bootstrapped_demos=4) on data{i}[:-1]
'''


def program(lines: int) -> str:
    """A program of at least `lines` lines built from numbered units."""
    parts, count, i = [], 0, 0
    while count < lines:
        unit = block(i)
        parts.append(unit)
        count += unit.count("\n")
        i += 1
    return "".join(parts)


def main() -> None:
    target = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    t0 = time.perf_counter()
    from dsplang.grammar.parser import parse
    t1 = time.perf_counter()
    parse(SMALL, "small.dsp")
    t2 = time.perf_counter()
    print(f"import dsplang.grammar.parser: {t1 - t0:.3f} s; first parse of a small file: "
          f"{t2 - t1:.3f} s")
    source = program(target)
    n = source.count("\n")
    best = cpu = float("inf")
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        parse(source, "bench.dsp")
        best = min(best, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    print(f"{n} lines: best of 3 {best:.3f} s wall ({cpu:.3f} s CPU), {n / best:,.0f} lines/s")
    from dsplang.analysis.checker import check_program
    tree = parse(source, "bench.dsp")
    checked = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        problems = check_program(tree, "bench.dsp")
        checked = min(checked, time.perf_counter() - start)
    print(f"dsp check of the same program (after parsing): best of 3 {checked:.3f} s, "
          f"{n / checked:,.0f} lines/s ({len(problems)} problems reported)")


if __name__ == "__main__":
    main()

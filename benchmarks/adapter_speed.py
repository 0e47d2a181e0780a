"""Microseconds per adapter call: format (messages) and parse (typed outputs).

Signature: context: list[str], question: str -> answer: str, confidence: float,
with no demos and with 3 demos. Run: `python benchmarks/adapter_speed.py`.
"""

from __future__ import annotations

import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from dsplang.stdlib.adapters import ChatAdapter, JSONAdapter  # noqa: E402
from dsplang.stdlib.signature import FieldSpec, Signature  # noqa: E402

SIGNATURE = Signature.from_fields("Answer", "Answer using only the given context.", [
    FieldSpec("context", list[str], "passages gathered so far", "input"),
    FieldSpec("question", str, None, "input"),
    FieldSpec("answer", str, "usually 1-5 words", "output"),
    FieldSpec("confidence", float, "0.0 to 1.0", "output"),
])
INPUTS = {"context": ["Paris is the capital of France.", "Lyon is in France too."],
          "question": "What is the capital of France?"}
OUTPUTS = {"answer": "Paris", "confidence": 0.93}
DEMOS = [{**INPUTS, **OUTPUTS, "question": f"Question {i}?"} for i in range(3)]


def per_call_us(fn, number: int = 20000) -> float:
    """Best of 5 runs, in microseconds per call."""
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def main() -> None:
    for adapter in (ChatAdapter(), JSONAdapter()):
        reply = adapter.format_reply(SIGNATURE, OUTPUTS)
        fresh = SIGNATURE.with_name("Fresh")
        start = time.perf_counter()
        adapter.format(fresh, [], INPUTS)  # the first call builds the cached prompt parts
        first = (time.perf_counter() - start) * 1e6
        fmt = per_call_us(lambda: adapter.format(SIGNATURE, [], INPUTS))
        fmt_demos = per_call_us(lambda: adapter.format(SIGNATURE, DEMOS, INPUTS), number=5000)
        parse = per_call_us(lambda: adapter.parse(SIGNATURE, reply))
        name = type(adapter).__name__
        print(f"{name:12} format {fmt:6.1f} µs   format+3 demos {fmt_demos:6.1f} µs   "
              f"parse {parse:6.1f} µs   format+parse {fmt + parse:6.1f} µs   "
              f"(first format of a new signature {first:6.0f} µs)")


if __name__ == "__main__":
    main()

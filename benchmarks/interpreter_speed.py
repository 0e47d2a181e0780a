"""Interpreter speed: a loop-heavy program in dsplang versus the same loop in CPython.

Prints seconds for each (best of 3) and the ratio. The target is dsplang within 30x of
CPython. Run: python benchmarks/interpreter_speed.py [ITERATIONS]
"""

from __future__ import annotations

import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000

DSP_SOURCE = f"""
def work(n):
    let total = 0
    let i = 0
    while i < n:
        total = total + i * 2 % 7
        i += 1
    return total

def loop_for(n):
    let acc = 0
    for i in range(n):
        if i % 3 == 0:
            acc += i
    return acc

let result = work({N}) + loop_for({N})
"""

PY_SOURCE = f"""
def work(n):
    total = 0
    i = 0
    while i < n:
        total = total + i * 2 % 7
        i += 1
    return total

def loop_for(n):
    acc = 0
    for i in range(n):
        if i % 3 == 0:
            acc += i
    return acc

result = work({N}) + loop_for({N})
"""


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    from dsplang.driver.host import new_interpreter
    from dsplang.grammar.parser import parse

    program = parse(DSP_SOURCE, "<bench>")
    interp = new_interpreter()

    def run_dsp():
        scope = interp.new_globals()
        interp.execute(program, "<bench>", scope)
        return scope.vars["result"]

    def run_py():
        namespace: dict = {}
        exec(compile(PY_SOURCE, "<bench>", "exec"), namespace)
        return namespace["result"]

    assert run_dsp() == run_py()
    dsp = best_of(3, run_dsp)
    py = best_of(3, run_py)
    print(f"loop of {N:,} iterations (while + for, arithmetic and branches), best of 3")
    print(f"  dsplang : {dsp:.3f} s")
    print(f"  CPython : {py:.3f} s")
    print(f"  ratio   : {dsp / py:.1f}x (target: within 30x)")


if __name__ == "__main__":
    main()

"""Method calls on builtin values in a .dsp loop: the cost of holding growth to `seq_len`.

Times loops of method calls that cannot grow a value (`s.upper()`, `s.startswith(...)`,
`d.get(...)`), that can (`xs.append(i)`, `s.ljust(8)`, `", ".join(...)`, `"{}".format(i)`,
`"%d" % i`) and a loop with no call, best of 5 (CPU time of this process, so other load
matters less), and prints microseconds per iteration.
Run: python benchmarks/method_calls.py [ITERATIONS]
"""

from __future__ import annotations

import sys
import time

import dsplang

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000

LOOPS = {
    "empty loop": "let x = i",
    "s.upper()": "let x = s.upper()",
    "s.startswith('a')": "let x = s.startswith('a')",
    "d.get('k')": "let x = d.get('k')",
    "xs.append(i)": "xs.append(i)",
    "s.ljust(8)": "let x = s.ljust(8)",
    "sep.join(parts)": "let x = sep.join(parts)",
    "'{}'.format(i)": "let x = '{}'.format(i)",
    "'%d' % i": "let x = '%d' % i",
    "format(i, '>4')": "let x = format(i, '>4')",
}


def program(body: str) -> str:
    return (f"let s = 'abc'\nlet d = {{'k': 1}}\nlet sep = ', '\nlet parts = ['a', 'b', 'c']\n"
            f"def work(n):\n    let xs = []\n    for i in range(n):\n        {body}\n    return xs\n"
            f"work({N})\n")


def main() -> None:
    print(f"{N:,} iterations, best of 5, microseconds per iteration")
    for name, body in LOOPS.items():
        source = program(body)
        best = float("inf")
        for _ in range(5):
            start = time.process_time()
            dsplang.run(source, "bench.dsp")
            best = min(best, time.process_time() - start)
        print(f"  {name:<20} {best / N * 1e6:7.3f}")


if __name__ == "__main__":
    main()

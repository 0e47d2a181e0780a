"""Large inputs: a long straight-line program and a huge string literal, through the real `dsp`.

Generates, in a temporary folder,

- a straight-line program of LINES lines (default 100,000): `let`, assignment, arithmetic,
  f-strings, lists, dicts, calls, an occasional `print`; no loops, no LM;
- a program whose only statement holds a string literal of MB megabytes (default 10),

then times `dsp check`, `dsp run` and `dsp fmt --check` on the first (which is formatted
already), `dsp fmt --check` on a copy with every `=` written without its spaces (so every
`let` line changes), and `dsp fmt --check` and `dsp run` on the second, each as a child
process (so the figures include start-up), and prints the seconds: wall clock, and the CPU
time the child used (user + system), which a machine busy with other work inflates less.
Target: run and fmt of 100,000 lines under 10 s each, check comparable.

Run: python benchmarks/large_program.py [LINES] [MB]
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = (("check", ["check"]), ("run", ["run"]), ("fmt", ["fmt", "--check"]))


def statement(i: int) -> str:
    """Line `i` of the straight-line program: every sixth line rebinds or prints, the
    others declare `v{i}` from the last name declared."""
    if i == 0:
        return "let v0 = 0"
    p = i - 1 if (i - 1) % 6 or i == 1 else i - 2
    kind = i % 6
    if kind == 0:
        return f'print(f"line {i}: {{v{p}}}")' if i % 600 == 0 else f"v{p} = v{p} * 2 - 1"
    if kind == 1:
        return f"let v{i} = v{p} + {i} * (3 - 1) // 2"
    if kind == 2:
        return f'let v{i} = len([v{p}, "x", {i}]) + v{p}'
    if kind == 3:
        return f'let v{i} = {{"k": v{p}, "s": f"{{v{p}}}"}}["k"]'
    if kind == 4:
        return f"let v{i} = max(v{p}, {i}) if v{p} > 0 else -v{p}"
    return f"let v{i} = v{p} % 1000 + len(str({i}).upper())"


def straight_line(lines: int) -> str:
    """A program of `lines` top-level statements, each using the one before."""
    return "".join(statement(i) + "\n" for i in range(lines))


def big_literal(megabytes: int) -> str:
    """One `let` of a string literal of `megabytes` MB (with escapes, as real data has)."""
    chunk = 'word \\"quoted\\" and more text\\n'
    body = chunk * (megabytes * 1_000_000 // len(chunk))
    return f'let text = "{body}"\nprint(len(text))\n'


def timed(args: list[str], folder: Path) -> tuple[float, float, int]:
    """Seconds `dsp ARGS` took in `folder` (wall clock, and the child's CPU time), and its
    exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "dsplang.cli", *args], cwd=folder,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        print(proc.stderr.strip()[-2000:], file=sys.stderr)
    return elapsed, cpu, proc.returncode


def _line(name: str, seconds: float, cpu: float, code: int, note: str = "") -> str:
    return f"  dsp {name:<6} {seconds:7.2f} s   CPU {cpu:6.2f} s   (exit {code}{'; ' + note if note else ''})"


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    megabytes = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = straight_line(lines)
        (folder / "long.dsp").write_text(source, encoding="utf-8")
        (folder / "messy.dsp").write_text(source.replace(" = ", "="), encoding="utf-8")
        (folder / "literal.dsp").write_text(big_literal(megabytes), encoding="utf-8")
        print(f"straight-line program of {lines:,} lines")
        for name, args in COMMANDS:
            print(_line(name, *timed([*args, "long.dsp"], folder)))
        print(_line("fmt", *timed(["fmt", "--check", "messy.dsp"], folder), "every `let` line to reformat"))
        print(f"string literal of {megabytes} MB")
        print(_line("fmt", *timed(["fmt", "--check", "literal.dsp"], folder)))
        print(_line("run", *timed(["run", "literal.dsp"], folder)))
    print("target: run and fmt of 100,000 lines under 10 s each")


if __name__ == "__main__":
    main()

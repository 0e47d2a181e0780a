"""`dsp fmt [--check] FILES`: format files in place, or list those that would change.
`-` as a file reads standard input and writes the result to standard output (for editors)."""

from __future__ import annotations

import sys

from dsplang.errors import DspError, read_source, render
from dsplang.fmt.formatter import format_source


def run_fmt(paths: list[str], check: bool = False) -> int:
    """Format each file; exit status 1 if any file was refused (or, with `check`, would
    change). A refused file is left untouched and its error printed."""
    failed = changed = 0
    for path in paths:
        if path == "-":
            failed += _stdin_to_stdout(check)
            continue
        try:
            source = _read(path)
            result = format_source(source, path)
        except DspError as err:
            print(render(err), file=sys.stderr)
            failed += 1
            continue
        if result == source:
            continue
        changed += 1
        if check:
            print(f"would reformat {path}")
        else:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(result)
            print(f"reformatted {path}")
    return 1 if failed or (check and changed) else 0


def _read(path: str) -> str:
    return read_source(path, keep_newlines=True)


def _stdin_to_stdout(check: bool) -> int:
    """Format standard input to standard output; 1 if refused (or would change, with check)."""
    source = sys.stdin.read()
    try:
        result = format_source(source, "<stdin>")
    except DspError as err:
        print(render(err), file=sys.stderr)
        if not check:
            sys.stdout.write(source)
        return 1
    if check:
        if result != source:
            print("would reformat <stdin>")
        return int(result != source)
    sys.stdout.write(result)
    return 0

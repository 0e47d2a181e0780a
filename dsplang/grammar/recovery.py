"""Error recovery for parse_recovering(): find many syntax errors in one file.

The file is cut into top-level chunks (a chunk starts at an unindented line that is not
inside a triple-quoted string, does not follow a backslash, and does not start with a
closing bracket or `elif`/`else`/`except`/`finally`),
and each chunk is parsed on its own. When a chunk fails, the line at fault is replaced by
`pass` (or `if true:` when the next line is indented more, so its block still parses) and
the chunk is parsed again, up to a limit; errors that no line edit can fix (an unclosed
bracket, an unterminated string) end the chunk.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from dsplang.errors import DspSyntaxError
from dsplang.grammar import ast
from dsplang.grammar.postlex import ParseState

# The parser's entry point: (text, start rule, parse state) -> statements.
RunParse = Callable[[str, str, ParseState], Iterable[ast.Node]]

_CONTINUES = re.compile(r"(elif|else|except|finally)\b")
_FIXES_PER_CHUNK = 20
_MAX_ERRORS = 100


def recover(text: str, filename: str, run: RunParse) -> tuple[list[ast.Node], list[DspSyntaxError]]:
    """Statements and syntax errors of `text` (normalised, ending in a newline)."""
    lines = text.split("\n")[:-1]
    body: list[ast.Node] = []
    errors: list[DspSyntaxError] = []
    for start, end in chunks(lines):
        stmts, errs = _parse_chunk(lines[start:end], start, filename, run)
        body.extend(stmts)
        errors.extend(errs)
        if len(errors) >= _MAX_ERRORS:
            break
    return body, errors[:_MAX_ERRORS]


def _parse_chunk(chunk: list[str], start: int, filename: str,
                 run: RunParse) -> tuple[list[ast.Node], list[DspSyntaxError]]:
    """Parse one chunk, patching lines at fault; return its statements and errors."""
    errors: list[DspSyntaxError] = []
    for _ in range(_FIXES_PER_CHUNK):
        try:
            return list(run("\n".join(chunk) + "\n", "start", ParseState(filename, start))), errors
        except DspSyntaxError as err:
            errors.append(err)
            # (a syntax error always has a span)
            row = getattr(err, "fix_line", err.span.line) - 1 - start  # type: ignore[union-attr]
            if getattr(err, "incomplete", False) or not 0 <= row < len(chunk):
                break
            if err.message.startswith(("unclosed", "unterminated", "unmatched", "closing")):
                break
            if not _patch(chunk, row, err.message):
                break
    return [], errors


def _width(line: str) -> int:
    """The indentation width of a line (tabs to multiples of 8)."""
    return len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip())


def _patch(chunk: list[str], row: int, message: str) -> bool:
    """Replace the line at fault so parsing can go on; False if nothing changes."""
    line = chunk[row]
    if message == "unexpected indent":
        width = _width(line)
        while row < len(chunk) and (not chunk[row].strip() or _width(chunk[row]) >= width):
            chunk[row] = ""
            row += 1
        return True
    indent = line[:len(line) - len(line.lstrip())]
    if message.startswith("unindent"):
        above = next((ln for ln in reversed(chunk[:row]) if ln.strip()), "")
        indent = above[:len(above) - len(above.lstrip())]
    below = next((ln for ln in chunk[row + 1:] if ln.strip()), "")
    opens = bool(below) and _width(below) > len(indent.expandtabs(8))
    new = indent + ("if true:" if opens else "pass")
    if chunk[row] == new:
        return False
    chunk[row] = new
    return True


def chunks(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) line ranges of the top-level statements of a file."""
    starts = [0]
    quote, joined = "", False
    for i, line in enumerate(lines):
        top = not quote and not joined and line[:1] not in ("", " ", "\t", "#", ")", "]", "}")
        if i and top and not _CONTINUES.match(line):
            starts.append(i)
        quote = _scan(line, quote)
        joined = line.rstrip().endswith("\\") and not quote
    return list(zip(starts, starts[1:] + [len(lines)]))


def _scan(line: str, quote: str) -> str:
    """The triple quote still open after one line ('' if none); comments are skipped.

    Brackets are not counted: an unindented line inside an unclosed bracket is far more
    often a new statement than a continuation, so it starts a chunk anyway.
    """
    if not quote and "'" not in line and '"' not in line:
        return ""
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
        elif ch == "#":
            break
        elif ch in "'\"":
            quote = ch * 3 if line.startswith(ch * 3, i) else ch
            i += len(quote)
            continue
        i += 1
    return quote if len(quote) == 3 else ""

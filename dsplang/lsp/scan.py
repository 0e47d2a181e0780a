"""The lexical pieces of a document, for semantic tokens: comments, strings, numbers, names,
and the punctuation that tells what a name is (`.` before an attribute, `=` after a keyword
argument, brackets).

One regular expression over the whole text, so a large file is scanned in a fraction of
the time a state-machine lexer takes; it never fails (an unterminated string ends at the
line end, or at the end of the text for a triple-quoted one). The names inside an f-string's
`{...}` are scanned too, the text around them being string pieces.
"""

from __future__ import annotations

import re

# kinds of pieces
COMMENT, STRING, NUMBER, NAME, DOT, OPEN, CLOSE, EQUALS, COLON = range(9)

Piece = tuple[int, int, int]   # (kind, start offset, end offset) in the text

_PREFIX = r"(?:[rRbBfFuU]|[rR][bBfF]|[bBfF][rR])?"
_PATTERN = re.compile(
    r"(?P<comment>\#[^\n]*)"
    rf"|(?P<string>{_PREFIX}(?:\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*(?:\"\"\"|\Z)"
    r"|'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)"
    r"|\"(?:[^\"\\\n]|\\.)*(?:\"|(?=\n)|\Z)"
    r"|'(?:[^'\\\n]|\\.)*(?:'|(?=\n)|\Z)))"
    r"|(?P<number>(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+"
    r"|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?))"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<dot>\.)"
    r"|(?P<open>[(\[{])"
    r"|(?P<close>[)\]}])"
    r"|(?P<equals>(?<![=!<>+\-*/%&|^@])=(?!=))"
    r"|(?P<colon>:)",
    re.S,
)
_KINDS = {"comment": COMMENT, "string": STRING, "number": NUMBER, "name": NAME, "dot": DOT,
          "open": OPEN, "close": CLOSE, "equals": EQUALS, "colon": COLON}
_FSTRING_PREFIX = re.compile(r"[rRbB]?[fF][rR]?")


def scan(text: str, start: int = 0, end: int | None = None) -> list[Piece]:
    """The pieces of `text[start:end]`, in order."""
    out: list[Piece] = []
    kinds = _KINDS
    for match in _PATTERN.finditer(text, start, len(text) if end is None else end):
        kind = kinds[match.lastgroup or ""]
        if kind == STRING and _FSTRING_PREFIX.match(match.group()):
            out.extend(_fstring(text, match.start(), match.end()))
        else:
            out.append((kind, match.start(), match.end()))
    return out


def _fstring(text: str, start: int, end: int) -> list[Piece]:
    """An f-string: its literal parts as STRING pieces, the code in its braces scanned."""
    out: list[Piece] = []
    i = literal = start
    while i < end:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "{}" and text.startswith(ch * 2, i):
            i += 2
            continue
        if ch == "{":
            close = _closing_brace(text, i + 1, end)
            code_end = _code_end(text, i + 1, close)
            if literal < i + 1:
                out.append((STRING, literal, i + 1))
            out.extend(scan(text, i + 1, code_end))
            literal = i = code_end     # a `!r` or `:spec` is string text, as the `}` is
            continue
        i += 1
    if literal < end:
        out.append((STRING, literal, end))
    return out


def _closing_brace(text: str, i: int, end: int) -> int:
    """The index of the `}` closing an interpolation that starts at `i` (or `end`)."""
    depth = 0
    while i < end:
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                return i if ch == "}" else end
            depth -= 1
        elif ch in "\"'" and depth >= 0:
            i = _skip_quote(text, i, end)
            continue
        i += 1
    return end


def _skip_quote(text: str, i: int, end: int) -> int:
    quote = text[i]
    i += 1
    while i < end and text[i] != quote:
        i += 2 if text[i] == "\\" else 1
    return min(i + 1, end)


def _code_end(text: str, i: int, close: int) -> int:
    """Where the expression of an interpolation ends: before a top-level `!r` or `:spec`."""
    depth = 0
    while i < close:
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and (ch == ":" or (ch == "!" and not text.startswith("!=", i))):
            return i
        elif ch in "\"'":
            i = _skip_quote(text, i, close)
            continue
        i += 1
    return close

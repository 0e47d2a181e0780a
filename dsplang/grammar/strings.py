"""String literals: prefixes, escapes, the dedent rule, and splitting f-strings into fields.

The lexer hands over a whole literal (`f"...{e}..."`, `r'...'`, `'''...'''`) as one token.
Escapes are Python's (`\\n \\t \\\\ \\' \\" \\xhh \\uXXXX \\UXXXXXXXX \\N{name}`, octal,
backslash-newline); an unknown escape such as `\\d` is kept as written. Raw strings (`r`)
keep every backslash.

Dedent rule: a triple-quoted string's value is cleaned like `inspect.cleandoc`: the first
line loses its leading whitespace, the common indentation of the other lines is removed, and
leading and trailing blank lines are dropped. A triple-quoted f-string gets the same treatment,
measured on its source text, applied to its literal parts.
"""

from __future__ import annotations

import inspect
import re
import unicodedata
from dataclasses import dataclass

_SIMPLE: dict[str, str] = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a",
           "b": "\b", "f": "\f", "v": "\v", "0": "\0", "\n": ""}
_ESCAPE = re.compile(r"\\(N\{[^}\n]*\}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}"
                     r"|[0-7]{1,3}|[\s\S]?)")


class StringError(Exception):
    """A malformed literal; `index` is the offset of the problem in the token text."""

    def __init__(self, message: str, index: int):
        super().__init__(message)
        self.message = message
        self.index = index


@dataclass(frozen=True, slots=True)
class Literal:
    """A token split into its parts: `body` starts at offset `start` of the token text."""

    prefix: str
    quote: str
    body: str
    start: int

    @property
    def raw(self) -> bool:
        return "r" in self.prefix

    @property
    def fmt(self) -> bool:
        return "f" in self.prefix

    @property
    def triple(self) -> bool:
        return len(self.quote) == 3


@dataclass(frozen=True, slots=True)
class Field:
    """One `{expr!c:spec}` of an f-string; offsets are into the token text."""

    start: int          # offset of '{'
    end: int            # offset just after '}'
    expr: str
    expr_start: int
    conversion: str | None
    spec: str | None


def split(text: str) -> Literal:
    """Split a STRING token into prefix, quote and body; reject unknown prefixes."""
    i = 0
    while text[i] not in "'\"":
        i += 1
    prefix = text[:i].lower()
    if prefix not in ("", "r", "f", "rf", "fr"):
        raise StringError(f"unknown string prefix {text[:i]!r}", 0)
    quote = text[i:i + 3] if text.startswith(text[i] * 3, i) else text[i]
    body_start = i + len(quote)
    return Literal(prefix, quote, text[body_start:len(text) - len(quote)], body_start)


def unescape(body: str, offset: int = 0) -> str:
    """Process backslash escapes; `offset` positions errors in the token text."""
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _escape(m, offset), body)


def _escape(m: re.Match[str], offset: int) -> str:
    """The character one escape sequence stands for."""
    code = m.group(1)
    if code in _SIMPLE:
        return _SIMPLE[code]
    head = code[:1]
    if head in "xuU" and len(code) > 1:
        return chr(int(code[1:], 16))
    if head == "N" and code.startswith("N{"):
        try:
            return unicodedata.lookup(code[2:-1])
        except KeyError:
            raise StringError(f"unknown Unicode character name {code[2:-1]!r}",
                              offset + m.start()) from None
    if head.isdigit() and head not in "89":
        return chr(int(code, 8))
    if head in ("x", "u", "U", "N"):
        raise StringError(f"truncated \\{head} escape in string", offset + m.start())
    return "\\" + code


def value(lit: Literal) -> str:
    """The value of a plain (non-f) literal, escapes processed and triple quotes dedented."""
    text = lit.body if lit.raw else unescape(lit.body, lit.start)
    return inspect.cleandoc(text) if lit.triple else text


def fstring_pieces(lit: Literal) -> list[str | Field]:
    """Split an f-string body into literal text and Fields; `{{`/`}}` are literal braces."""
    body, base = lit.body, lit.start
    pieces: list[str | Field] = []
    text: list[str] = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch in "{}" and body.startswith(ch * 2, i):
            text.append(ch)
            i += 2
        elif ch == "{":
            _flush(text, pieces, lit)
            field = _field(body, i, base)
            pieces.append(field)
            i = field.end - base
        elif ch == "}":
            raise StringError("single '}' is not allowed in an f-string", base + i)
        elif ch == "\\" and not lit.raw:
            text.append(body[i:i + 2])
            i += 2
        else:
            text.append(ch)
            i += 1
    _flush(text, pieces, lit)
    return _dedent(pieces, body) if lit.triple else pieces


def _flush(text: list[str], pieces: list[str | Field], lit: Literal) -> None:
    """Move collected literal text into `pieces` (escapes processed)."""
    if text:
        chunk = "".join(text)
        pieces.append(chunk if lit.raw else unescape(chunk, lit.start))
        text.clear()


def _field(body: str, open_at: int, base: int) -> Field:
    """Scan the field starting at body[open_at] == '{' up to its matching '}'."""
    depth, quote, i, n = 0, "", open_at + 1, len(body)
    expr_end = conversion = None
    while i < n:
        ch = body[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if body.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
        elif ch in "'\"":
            quote = ch * 3 if body.startswith(ch * 3, i) else ch
            i += len(quote)
            continue
        elif ch in "([{":
            depth += 1
        elif ch in ")]" or (ch == "}" and depth > 0):
            depth -= 1
        elif depth == 0 and ch == "!" and body[i + 1:i + 2] != "=":
            expr_end, conversion = i, body[i + 1:i + 2]
            if conversion not in ("r", "s") or body[i + 2:i + 3] not in (":", "}"):
                raise StringError("f-string conversion must be '!r' or '!s'", base + i)
            i += 2
            continue
        elif depth == 0 and ch in ":}":
            return _finish(body, open_at, expr_end if expr_end is not None else i,
                           i, conversion, base)
        i += 1
    raise StringError("expected '}' to close the f-string field", base + open_at)


def _finish(body: str, open_at: int, expr_end: int, at: int, conversion: str | None,
            base: int) -> Field:
    """Build the Field whose expression ends at `expr_end`; a format spec starts at `at`."""
    spec = None
    close = at
    if body[at] == ":":
        close = body.find("}", at)
        if close < 0:
            raise StringError("expected '}' to close the f-string field", base + open_at)
        spec = body[at + 1:close]
        if "{" in spec:
            raise StringError("nested fields in a format spec are not supported", base + at)
    expr = body[open_at + 1:expr_end]
    if not expr.strip():
        raise StringError("empty expression in f-string", base + open_at)
    return Field(base + open_at, base + close + 1, expr, base + open_at + 1, conversion, spec)


def _dedent(pieces: list[str | Field], body: str) -> list[str | Field]:
    """Apply the cleandoc rule to the literal parts of a triple-quoted f-string."""
    lines = body.split("\n")
    indents = [len(ln) - len(ln.lstrip()) for ln in lines[1:] if ln.strip()]
    margin = min(indents) if indents else 0
    out: list[str | Field] = []
    for piece in pieces:
        if isinstance(piece, str):
            head, *rest = piece.split("\n")
            piece = "\n".join([head] + [_strip_margin(r, margin) for r in rest])
        out.append(piece)
    if out and isinstance(out[0], str):
        first, nl, after = out[0].partition("\n")
        out[0] = after if nl and not first.strip() else out[0].lstrip(" \t")
    if out and isinstance(out[-1], str):
        head, nl, tail = out[-1].rpartition("\n")
        if nl and not tail.strip():
            out[-1] = head
    return [p for p in out if p != ""]


def _strip_margin(line: str, margin: int) -> str:
    """Remove up to `margin` columns of leading blanks from one line."""
    i = 0
    while i < margin and i < len(line) and line[i] in " \t":
        i += 1
    return line[i:]

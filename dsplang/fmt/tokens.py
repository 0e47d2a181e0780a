"""The tokens of a .dsp file as the real parser sees them, comments included.

The parser records every token its lexer makes (before indentation tokens are added) while
it parses the file, so one parse gives both the tree and the tokens. The grammar folds
comments and blank lines into `_NEWLINE` tokens; `split_newline` takes those apart again.
Whitespace and backslash continuations are ignored by the lexer; a continuation shows as
two tokens on different lines with no `_NEWLINE` between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from dsplang.grammar import ast
from dsplang.grammar.parser import parse

_SEGMENT = re.compile(r"(#[^\n]*)?\n([\t ]*)")


class Tok(NamedTuple):
    """One token: Lark's type name, its text, and its 1-based start and exclusive end
    (a named tuple: a file has one per token, and it is made fast)."""

    kind: str
    text: str
    line: int
    col: int
    end_line: int
    end_col: int


def normalize(source: str) -> str:
    """The text the parser reads: no BOM, LF line endings, a final newline."""
    text = source.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def parse_with_tokens(source: str, filename: str = "<fmt>") -> tuple[ast.Program, list[Tok]]:
    """The program and its tokens; DspSyntaxError when it does not parse."""
    seen: list = []
    program = parse(source, filename, seen=seen)
    new = tuple.__new__     # what Tok(...) does, without a call of Python code per token
    return program, [new(Tok, (t.type, t.value, t.line, t.column, t.end_line, t.end_column)) for t in seen]


def lex(text: str) -> list[Tok]:
    """The tokens of normalised `text`; the text must parse."""
    return parse_with_tokens(text)[1]


@dataclass(frozen=True, slots=True)
class NewlineParts:
    """A `_NEWLINE` token taken apart.

    `trailing` is the comment ending the line the token starts on (or None). `lines` are
    the whole lines that follow before the next code: (indent width, comment or None for
    a blank line). `indent` is the indentation width of the next code line.
    """

    trailing: str | None
    lines: tuple[tuple[int, str | None], ...]
    indent: int


def split_newline(value: str) -> NewlineParts:
    """Take a `_NEWLINE` token's text apart into comments, blank lines and indentation."""
    matches = list(_SEGMENT.finditer(value))
    trailing = matches[0].group(1) if matches else None
    lines = []
    for before, match in zip(matches, matches[1:]):
        lines.append((_width(before.group(2)), match.group(1)))
    indent = _width(matches[-1].group(2)) if matches else 0
    return NewlineParts(trailing, tuple(lines), indent)


def _width(ws: str) -> int:
    return len(ws.expandtabs(8))
